"""What every agent of the multi-agent planner shares.

An agent has a name, a purpose, a system prompt, an input schema and an output schema (pydantic),
tools, its own model setting, and a rule-based implementation. `run_model` asks the agent's model
(with its tools through `create_agent`, else structured output) and checks the answer; `run_rules`
answers with the rules. Workflows call `run_model` under LangGraph's retry policy and fall back to
`run_rules` in the node's error handler; `run` does both for callers outside a graph.

Every output carries `reasoning`: a list of steps ({"decision", "why", "data"}), so that the "why"
of each agent is data a client or a staff member can read, not only prose.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar
from uuid import UUID

from django.conf import settings
from langchain.agents import create_agent
from langchain_core.language_models import BaseChatModel
from langchain_core.tools import BaseTool
from langgraph.errors import GraphRecursionError
from pydantic import BaseModel, Field

from coach import llm
from coach.agent import CallerConnection
from coach.fallback import Fallback, FallbackReason, InvalidModelOutput, fallback, fallback_for

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger("movoai.coach.agents")

# The agents, in the order a reader meets them.
WORKOUT_PLANNER = "workout_planner"
EXERCISE_SELECTOR = "exercise_selector"
PROGRESS_ANALYST = "progress_analyst"
NUTRITION_ADVISOR = "nutrition_advisor"
INJURY_PREVENTION = "injury_prevention"
MOTIVATION_COACH = "motivation_coach"
AGENT_NAMES = (
    WORKOUT_PLANNER,
    EXERCISE_SELECTOR,
    PROGRESS_ANALYST,
    NUTRITION_ADVISOR,
    INJURY_PREVENTION,
    MOTIVATION_COACH,
)
# Light agents use the cheap model unless AGENT_MODELS names another.
CHEAP_AGENTS = frozenset({PROGRESS_ANALYST, NUTRITION_ADVISOR, MOTIVATION_COACH})
VARIANTS = ("A", "B")
# Graph steps of an agent's tool loop (each model call and each round of tool calls is a step): six
# rounds of tools and the answer. A model that keeps calling tools, or keeps sending a structured answer
# that fails validation (the loop hands the error back and asks again), is cut off here as an unusable
# answer instead of looping until the workflow's timeout.
TOOL_LOOP_STEPS = 14


class ModelNotConfigured(Exception):
    """No language model is configured: the agent's rules answer (never retried)."""


class ReasoningStep(BaseModel):
    """One decision of an agent and why it was made, with the numbers or ids behind it."""

    decision: str = Field(description="What was decided, in one short sentence")
    why: str = Field(description="Why, in one or two sentences, citing the data")
    data: dict[str, Any] = Field(default_factory=dict, description="The numbers or ids the decision rests on")


def step(decision: str, why: str, **data: Any) -> ReasoningStep:
    """A reasoning step (for the rules implementations)."""
    return ReasoningStep(decision=decision, why=why, data=data)


class AgentOutput(BaseModel):
    """The base of every agent's output schema."""

    reasoning: list[ReasoningStep] = Field(default_factory=list, description="Each decision and why")


@dataclass(frozen=True)
class AgentContext:
    """Who the agent works for and in which language; the execution its model calls are billed to."""

    user: User | None
    language: str = "en"
    execution_id: UUID | None = None

    def t(self, english: str, french: str) -> str:
        return french if self.language == "fr" else english


@dataclass
class AgentResult:
    """An agent's answer and how it was made. `as_record()` is what workflows keep in their state
    and executions show: JSON only."""

    agent: str
    output: dict[str, Any]
    engine: str  # "llm" or "rules"
    variant: str
    model: str = ""
    fallback_reason: str | None = None
    fallback_detail: str | None = None
    duration_ms: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def as_record(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "engine": self.engine,
            "variant": self.variant,
            "model": self.model,
            "fallback_reason": self.fallback_reason,
            "fallback_detail": self.fallback_detail,
            "duration_ms": self.duration_ms,
            "reasoning": self.output.get("reasoning", []),
            "output": self.output,
            **self.extra,
        }


# ---------------------------------------------------------------- settings per agent


def agent_variant(agent: str, user_id: Any) -> str:
    """The variant (A or B) of an agent for a user: B when AGENT_VARIANTS gives the agent a share
    and a hash of (agent, user) falls under it. Deterministic: a user keeps their variant."""
    config = (getattr(settings, "AGENT_VARIANTS", {}) or {}).get(agent) or {}
    share = float(config.get("share", 0) or 0)
    if share <= 0 or user_id is None:
        return "A"
    digest = hashlib.sha256(f"{agent}:{user_id}".encode()).digest()
    bucket = int.from_bytes(digest[:4], "big") / 2**32
    return "B" if bucket < share else "A"


def agent_model_name(agent: str, variant: str = "A") -> str:
    """The model an agent's variant uses: the variant's, else AGENT_MODELS[agent], else the cheap
    model for light agents and LLM_MODEL for the others."""
    if variant == "B":
        config = (getattr(settings, "AGENT_VARIANTS", {}) or {}).get(agent) or {}
        if config.get("model"):
            return str(config["model"])
    models: dict[str, str] = getattr(settings, "AGENT_MODELS", {}) or {}
    if models.get(agent):
        return models[agent]
    return llm.model_name_for("summary" if agent in CHEAP_AGENTS else "agent")


# ---------------------------------------------------------------- the agent


InT = TypeVar("InT", bound=BaseModel)
OutT = TypeVar("OutT", bound=AgentOutput)


class Agent(Generic[InT, OutT]):
    """Subclasses set the class attributes and implement `rules`; they may add `tools`, `check`
    and `user_message`."""

    name: ClassVar[str]
    purpose: ClassVar[str]  # one sentence, for the documentation and the prompt
    prompt: ClassVar[str]  # the system prompt of variant A
    input_model: ClassVar[type[BaseModel]]
    output_model: ClassVar[type[AgentOutput]]
    max_tokens: ClassVar[int] = 2048

    # -- to implement

    def rules(self, data: InT, ctx: AgentContext) -> OutT:
        """The rule-based answer: deterministic, no network, valid by construction."""
        raise NotImplementedError

    def tools(self, data: InT, ctx: AgentContext) -> Sequence[BaseTool]:
        """The tools the model may call (none by default: the input holds what it needs)."""
        return ()

    def check(self, output: OutT, data: InT, ctx: AgentContext) -> list[str]:
        """Problems of a model's answer (unknown ids, out-of-range numbers); any means the rules answer."""
        return []

    def user_message(self, data: InT, ctx: AgentContext) -> str:
        """The human message: the input as JSON, and the language to answer in."""
        language = "French" if ctx.language == "fr" else "English"
        return f"Answer in {language}. Input:\n{data.model_dump_json()}"

    # -- provided

    def system_prompt(self, variant: str) -> str:
        if variant == "B":
            config = (getattr(settings, "AGENT_VARIANTS", {}) or {}).get(self.name) or {}
            if config.get("prompt"):
                return str(config["prompt"])
        return self.prompt

    def variant_for(self, ctx: AgentContext) -> str:
        return agent_variant(self.name, ctx.user.id if ctx.user is not None else None)

    def model(self, variant: str) -> BaseChatModel | None:
        return llm.chat_model(
            f"agent:{self.name}", max_tokens=self.max_tokens, model=agent_model_name(self.name, variant)
        )

    def run_model(self, data: InT, ctx: AgentContext) -> AgentResult:
        """The model's answer, checked. Raises ModelNotConfigured without a model, the model's errors
        as they come (for a retry policy to judge), InvalidModelOutput when the answer fails `check`."""
        variant = self.variant_for(ctx)
        model = self.model(variant)
        if model is None:
            raise ModelNotConfigured(self.name)
        started = time.monotonic()
        config = llm.recorded_config(
            purpose=f"agent:{self.name}", user=ctx.user, execution_id=ctx.execution_id, agent=self.name
        )
        messages = [("system", self.system_prompt(variant)), ("human", self.user_message(data, ctx))]
        tools = list(self.tools(data, ctx))
        if tools:
            # create_agent runs tools in worker threads: they borrow this thread's DB connection
            with CallerConnection() as caller:
                graph = create_agent(
                    model,
                    [caller.tool(tool) for tool in tools],
                    system_prompt=self.system_prompt(variant),
                    response_format=self.output_model,
                )
                human = self.user_message(data, ctx)
                try:
                    config["recursion_limit"] = TOOL_LOOP_STEPS
                    state = graph.invoke({"messages": [("human", human)]}, config=caller.config(config))
                except GraphRecursionError as error:
                    raise InvalidModelOutput(
                        f"{self.name}: no usable answer within {TOOL_LOOP_STEPS} steps of its tool loop"
                    ) from error
            answer = state.get("structured_response")
        else:
            answer = model.with_structured_output(self.output_model).invoke(messages, config=config)
        if not isinstance(answer, self.output_model):
            raise InvalidModelOutput(f"{self.name}: no {self.output_model.__name__} in the model's answer")
        problems = self.check(answer, data, ctx)  # type: ignore[arg-type]
        if problems:
            raise InvalidModelOutput(f"{self.name}: " + "; ".join(problems[:5]))
        return AgentResult(
            agent=self.name,
            output=answer.model_dump(mode="json"),
            engine="llm",
            variant=variant,
            model=agent_model_name(self.name, variant),
            duration_ms=round((time.monotonic() - started) * 1000),
        )

    def run_rules(self, data: InT, ctx: AgentContext, *, reason: Fallback | None = None) -> AgentResult:
        """The rules' answer, saying why the model did not answer."""
        reason = reason or fallback(FallbackReason.NOT_CONFIGURED)
        started = time.monotonic()
        output = self.rules(data, ctx)
        return AgentResult(
            agent=self.name,
            output=output.model_dump(mode="json"),
            engine="rules",
            variant=self.variant_for(ctx),
            fallback_reason=reason.reason.value,
            fallback_detail=reason.detail,
            duration_ms=round((time.monotonic() - started) * 1000),
        )

    def run(self, data: InT, ctx: AgentContext) -> AgentResult:
        """The model's answer when one is configured and answers validly, else the rules' (one
        attempt; workflows add retries with backoff)."""
        try:
            return self.run_model(data, ctx)
        except ModelNotConfigured:
            return self.run_rules(data, ctx)
        except Exception as error:
            return self.run_rules(data, ctx, reason=fallback_for(error, what=f"agent {self.name}"))


def fallback_from(error: BaseException, agent: str) -> Fallback:
    """The fallback to report for an exception that ended an agent's model attempts."""
    if isinstance(error, ModelNotConfigured):
        return fallback(FallbackReason.NOT_CONFIGURED)
    return fallback_for(error, what=f"agent {agent}")


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: for hashing requests."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
