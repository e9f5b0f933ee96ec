"""Reads for the staff AI dashboard (/admin/ai-dashboard/): the agents' and workflows' statistics
over a period (coach.feedback.feedback_stats), executions per day, and the latest negative feedback.

Everything is aggregated in PostgreSQL: the dashboard costs the same few queries whatever the
number of executions and feedback in the period.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate

from coach.feedback import feedback_stats
from coach.models import AgentExecution, AgentFeedback

Status = AgentExecution.Status
NEGATIVE_FEEDBACK_SHOWN = 20


@dataclass(frozen=True)
class DayCount:
    """The executions created on one day (UTC), by outcome; `other` are still queued, running or paused."""

    day: datetime.date
    succeeded: int = 0
    failed: int = 0
    other: int = 0

    @property
    def total(self) -> int:
        return self.succeeded + self.failed + self.other


def executions_per_day(*, since: datetime.datetime, until: datetime.datetime) -> list[DayCount]:
    """One entry per UTC day from since's day to the day before `until` (included when `until` is not
    midnight), days without executions included with zeros, oldest first. One query."""
    rows = (
        AgentExecution.objects.filter(created_at__gte=since, created_at__lt=until)
        .annotate(day=TruncDate("created_at", tzinfo=datetime.UTC))
        .values("day")
        .annotate(
            succeeded=Count("id", filter=Q(status=Status.SUCCEEDED)),
            failed=Count("id", filter=Q(status=Status.FAILED)),
            total=Count("id"),
        )
        .order_by("day")
    )
    counted = {
        row["day"]: DayCount(
            day=row["day"],
            succeeded=row["succeeded"],
            failed=row["failed"],
            other=row["total"] - row["succeeded"] - row["failed"],
        )
        for row in rows
    }
    first = since.astimezone(datetime.UTC).date()
    last = (until.astimezone(datetime.UTC) - datetime.timedelta(microseconds=1)).date()
    days = [first + datetime.timedelta(days=offset) for offset in range((last - first).days + 1)]
    return [counted.get(day, DayCount(day=day)) for day in days]


def negative_feedback_latest(
    *, since: datetime.datetime, until: datetime.datetime, limit: int = NEGATIVE_FEEDBACK_SHOWN
) -> QuerySet[AgentFeedback]:
    """The latest negative feedback given in [since, until), newest first, with its user and execution
    (only the execution's kind and status: its JSON stays in the database). One query."""
    return (
        AgentFeedback.objects.filter(positive=False, created_at__gte=since, created_at__lt=until)
        .select_related("user", "execution")
        .only(
            "id",
            "created_at",
            "agent_type",
            "variant",
            "text",
            "rejected_exercise_ids",
            "user__id",
            "user__email",
            "user__display_name",
            "execution__id",
            "execution__kind",
            "execution__status",
        )
        .order_by("-created_at", "-id")[:limit]
    )


@dataclass(frozen=True)
class Dashboard:
    since: datetime.datetime
    until: datetime.datetime
    stats: dict[str, Any]
    days: list[DayCount]
    negative_feedback: list[AgentFeedback]

    @property
    def executions(self) -> int:
        return sum(day.total for day in self.days)


def dashboard_get(*, since: datetime.datetime, until: datetime.datetime) -> Dashboard:
    """Everything the dashboard shows for [since, until): feedback_stats (per agent and per workflow
    type: executions, success, failure and fallback rates, p50/p95, tokens, cost, positive feedback
    rate), executions per day, the latest negative feedback. Six queries."""
    return Dashboard(
        since=since,
        until=until,
        stats=feedback_stats(since=since, until=until),
        days=executions_per_day(since=since, until=until),
        negative_feedback=list(negative_feedback_latest(since=since, until=until)),
    )
