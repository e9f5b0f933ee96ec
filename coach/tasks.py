"""The coach's Celery tasks: thin wrappers that run an agent execution's workflow in a worker.

Both are acknowledged only when they end (`acks_late`) and given back to the queue when the worker
dies mid-run (`reject_on_worker_lost`): the redelivered task continues the workflow from its last
PostgreSQL checkpoint, and one that finished meanwhile is left alone (coach.executions.execution_start
returns None). The soft time limit is a little above AGENT_WORKFLOW_TIMEOUT_SECONDS (the workflow's
own timeout fails the execution first); should a run still overrun, or the runner raise, the execution
is marked failed here so that no client waits on it forever.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

import movoai.celery  # noqa: F401 - the project's Celery app becomes current wherever tasks are sent
from coach import executions

logger = logging.getLogger("movoai.coach.tasks")

SOFT_TIME_LIMIT = settings.AGENT_WORKFLOW_TIMEOUT_SECONDS + 30
HARD_TIME_LIMIT = settings.AGENT_WORKFLOW_TIMEOUT_SECONDS + 60
TASK_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "soft_time_limit": SOFT_TIME_LIMIT,
    "time_limit": HARD_TIME_LIMIT,
    "ignore_result": True,
}


def _run_guarded(execution_id: str, run: Callable[[uuid.UUID], None]) -> None:
    identifier = uuid.UUID(execution_id)
    try:
        run(identifier)
    except SoftTimeLimitExceeded:
        logger.error("execution %s overran its time limit (%s s)", execution_id, SOFT_TIME_LIMIT)
        executions.execution_fail(
            identifier, error=f"The workflow did not finish within {settings.AGENT_WORKFLOW_TIMEOUT_SECONDS} seconds."
        )
    except Exception:
        logger.exception("execution %s failed in its worker", execution_id)
        try:
            executions.execution_fail(identifier, error="The workflow failed unexpectedly; the error has been logged.")
        except Exception:  # the database may be what failed; the log above has the cause
            logger.exception("execution %s could not be marked failed", execution_id)


@shared_task(name="coach.run_agent_execution", **TASK_OPTIONS)  # type: ignore[untyped-decorator]
def run_agent_execution(execution_id: str) -> None:
    """Runs (or, redelivered, continues) the workflow of a queued execution."""
    from coach.workflows import runner

    _run_guarded(execution_id, runner.run_execution)


@shared_task(name="coach.resume_agent_execution", **TASK_OPTIONS)  # type: ignore[untyped-decorator]
def resume_agent_execution(execution_id: str, decision: dict[str, Any]) -> None:
    """Resumes a paused execution's workflow with the reviewer's decision."""
    from coach.workflows import runner

    _run_guarded(execution_id, lambda identifier: runner.resume_execution(identifier, decision))
