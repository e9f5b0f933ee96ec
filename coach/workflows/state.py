"""The state the workflows' nodes share (checkpointed after every step: JSON values only), and the
context a run gives them (never checkpointed: the user, the language, the execution)."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, TypedDict
from uuid import UUID

if TYPE_CHECKING:
    from accounts.models import User
    from coach.agent import CallerConnection


class WorkflowState(TypedDict, total=False):
    """Every workflow's state. Each node returns the keys it sets; `agent_runs`, `path` and
    `validation` accumulate (one entry per agent run, node and validation round)."""

    # what was asked (the execution's input) and what the context node made of it
    input: dict[str, Any]
    request: dict[str, Any]
    history_count: int
    avoid_exercise_ids: list[int]
    feedback: list[dict[str, Any]]
    notes: list[str]
    current_plan: dict[str, Any] | None
    # the agents' outputs, read by the agents after them
    analysis: dict[str, Any] | None
    selection: dict[str, Any] | None
    draft: dict[str, Any] | None
    review: dict[str, Any] | None
    motivation: dict[str, Any] | None
    nutrition: dict[str, Any] | None
    # the revision loop of plan generation
    revisions: int
    verdict: str  # validate / human_review: accepted, revise, rejected, approved
    revision_notes: list[str]
    substitutions: list[dict[str, Any]]
    human_rounds: int
    # the end: the output of a succeeded run, or the error of a failed one
    plan_id: int | None
    output: dict[str, Any]
    error: str
    # accumulated
    agent_runs: Annotated[list[dict[str, Any]], operator.add]
    path: Annotated[list[str], operator.add]
    validation: Annotated[list[dict[str, Any]], operator.add]


@dataclass
class WorkflowContext:
    """What a run gives its nodes besides the state: who it works for, the execution its events and
    model calls belong to (None: no events, as in tests without an execution row), and the
    database connection the nodes borrow when LangGraph runs them in a worker thread."""

    user: User
    language: str = "en"
    execution_id: UUID | None = None
    kind: str = ""
    caller: CallerConnection | None = None
    # node -> progress (0..100) reported when it finishes
    progress: dict[str, int] = field(default_factory=dict)
