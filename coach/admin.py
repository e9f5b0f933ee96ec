"""Back-office views of the AI: the agent executions and the users' feedback, read-only (the agents
write them, staff read them), and the staff AI dashboard (/admin/ai-dashboard/, routed in
movoai/urls.py): per agent and per workflow type, executions, success, failure and fallback rates,
p50/p95 execution time, tokens, cost and positive feedback rate over a period, with charts drawn by
the vendored Chart.js (coach/static/coach/vendor/) and the latest negative feedback."""

from __future__ import annotations

import datetime
import json
import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from coach.dashboard import Dashboard, dashboard_get
from coach.executions import execution_usage
from coach.models import AgentExecution, AgentExecutionEvent, AgentFeedback
from movoai.admin_tools import ReadOnlyAdminMixin, admin_link

# The dashboard's index link: the stock index with one module on top (coach/templates/coach/admin_index.html).
admin.site.index_template = "coach/admin_index.html"

EMPTY = "—"


# ---------------------------------------------------------------- read-only admins


def _pretty_json(value: Any) -> SafeString:
    return format_html('<pre class="ai-json">{}</pre>', json.dumps(value, indent=2, ensure_ascii=False, default=str))


class AgentExecutionEventInline(ReadOnlyAdminMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = AgentExecutionEvent
    fields = ("seq", "event", "data_pretty", "created_at")
    readonly_fields = fields
    ordering = ("seq",)
    extra = 0
    can_delete = False
    verbose_name_plural = "events"

    @admin.display(description="data")
    def data_pretty(self, event: AgentExecutionEvent) -> str:
        return _pretty_json(event.data) if event.data else EMPTY


class _LightChangeList(ChangeList):
    """The changelist leaves the executions' JSON (request, result, agent records) in the database."""

    def get_queryset(self, request: HttpRequest, exclude_parameters: Any = None) -> QuerySet[AgentExecution]:
        queryset: QuerySet[AgentExecution] = super().get_queryset(request, exclude_parameters)
        return queryset.defer("input", "output", "path", "agent_runs", "variants", "error")


@admin.register(AgentExecution)
class AgentExecutionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("short_id", "kind", "status", "engine", "fallback_used", "user", "created_at", "time")
    list_filter = ("kind", "status", "engine", "fallback_used")
    list_select_related = ("user",)
    search_fields = ("user__email", "user__display_name")
    search_help_text = "An execution id, or the user's email or name."
    ordering = ("-created_at",)
    inlines = (AgentExecutionEventInline,)
    fieldsets = (
        (None, {"fields": ("id", "kind", "user_link", "status", "progress", "current_step", "error")}),
        (
            "How it ran",
            {"fields": ("engine", "fallback_used", "attempts", "created_at", "started_at", "finished_at", "time")},
        ),
        ("Result", {"fields": ("plan_link", "feedback_given", "model_usage", "output_pretty")}),
        ("Agents", {"fields": ("path", "variants", "agent_runs_pretty")}),
        ("Request", {"fields": ("input_pretty",)}),
    )
    readonly_fields = (
        "id",
        "kind",
        "user_link",
        "status",
        "progress",
        "current_step",
        "error",
        "engine",
        "fallback_used",
        "attempts",
        "created_at",
        "started_at",
        "finished_at",
        "time",
        "plan_link",
        "feedback_given",
        "model_usage",
        "output_pretty",
        "path",
        "variants",
        "agent_runs_pretty",
        "input_pretty",
    )

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return _LightChangeList

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[AgentExecution], search_term: str
    ) -> tuple[QuerySet[AgentExecution], bool]:
        try:
            execution_id = uuid.UUID(search_term.strip())
        except ValueError:
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(id=execution_id), False

    @admin.display(description="id")
    def short_id(self, execution: AgentExecution) -> str:
        return str(execution.id)[:8]

    @admin.display(description="time", ordering="execution_time_ms")
    def time(self, execution: AgentExecution) -> str:
        return EMPTY if execution.execution_time_ms is None else f"{execution.execution_time_ms:,} ms"

    @admin.display(description="user")
    def user_link(self, execution: AgentExecution) -> str:
        return admin_link("admin:accounts_user_change", execution.user_id, execution.user)

    @admin.display(description="plan")
    def plan_link(self, execution: AgentExecution) -> str:
        if execution.plan_id is None:
            return EMPTY
        return admin_link("admin:plans_workoutplan_change", execution.plan_id, execution.plan)

    @admin.display(description="feedback")
    def feedback_given(self, execution: AgentExecution) -> str:
        given = execution.feedback.order_by("created_at")
        if not given:
            return EMPTY
        return format_html_join(
            "",
            "<p>{} {} <em>{}</em></p>",
            (("👍" if feedback.positive else "👎", feedback.agent_type, feedback.text) for feedback in given),
        )

    @admin.display(description="model calls")
    def model_usage(self, execution: AgentExecution) -> str:
        usage = execution_usage(execution.id)
        return _pretty_json(usage) if usage else "none (the rules answered)"

    @admin.display(description="output")
    def output_pretty(self, execution: AgentExecution) -> str:
        return EMPTY if execution.output is None else _pretty_json(execution.output)

    @admin.display(description="agent runs")
    def agent_runs_pretty(self, execution: AgentExecution) -> str:
        return _pretty_json(execution.agent_runs)

    @admin.display(description="input")
    def input_pretty(self, execution: AgentExecution) -> str:
        return _pretty_json(execution.input)


@admin.register(AgentFeedback)
class AgentFeedbackAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("created_at", "verdict", "agent_type", "variant", "user", "execution_link", "comment")
    list_filter = ("positive", "agent_type", "variant")
    list_select_related = ("user", "execution")
    search_fields = ("text", "user__email", "user__display_name")
    ordering = ("-created_at",)
    fields = (
        "created_at",
        "verdict",
        "agent_type",
        "variant",
        "user",
        "execution_link",
        "text",
        "rejected_exercise_ids",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[AgentFeedback]:
        # The execution's kind and status name the link; its JSON stays in the database.
        return (
            super()
            .get_queryset(request)
            .defer(
                "execution__input",
                "execution__output",
                "execution__path",
                "execution__agent_runs",
                "execution__variants",
                "execution__error",
            )
        )

    @admin.display(description="verdict", boolean=True, ordering="positive")
    def verdict(self, feedback: AgentFeedback) -> bool:
        return feedback.positive

    @admin.display(description="execution")
    def execution_link(self, feedback: AgentFeedback) -> str:
        if feedback.execution is None:
            return EMPTY
        execution = feedback.execution
        return admin_link(
            "admin:coach_agentexecution_change", execution.id, f"{execution.get_kind_display()} ({execution.status})"
        )

    @admin.display(description="comment")
    def comment(self, feedback: AgentFeedback) -> str:
        return feedback.text if len(feedback.text) <= 80 else f"{feedback.text[:79]}…"


# ---------------------------------------------------------------- the AI dashboard

PERIOD_DAYS = (7, 30, 90)
DEFAULT_DAYS = 30
MAX_PERIOD_DAYS = 366


class DashboardPeriodForm(forms.Form):
    """The period of the dashboard: the last 7, 30 or 90 days (default 30), or from `since` to
    `until` (dates, UTC, both included; a missing `until` is now, a missing `since` 30 days before)."""

    days = forms.TypedChoiceField(
        choices=[("", "—"), *((str(days), f"last {days} days") for days in PERIOD_DAYS)],
        coerce=int,
        required=False,
        empty_value=None,
    )
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="From")
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="To (included)")

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if self.errors:
            return cleaned
        days, since, until = cleaned.get("days"), cleaned.get("since"), cleaned.get("until")
        if days is not None and since is not None:
            raise forms.ValidationError("Choose a number of days or a start date, not both.")
        end = _midnight(until + datetime.timedelta(days=1)) if until is not None else timezone.now()
        start = _midnight(since) if since is not None else end - datetime.timedelta(days=days or DEFAULT_DAYS)
        if start >= end:
            raise forms.ValidationError("The start date must be on or before the end date (and not in the future).")
        if end - start > datetime.timedelta(days=MAX_PERIOD_DAYS):
            raise forms.ValidationError(f"The period is at most {MAX_PERIOD_DAYS} days.")
        cleaned["period"] = (start, end)
        return cleaned


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), datetime.UTC)


def _percent(rate: float | None) -> str:
    return EMPTY if rate is None else f"{rate * 100:.1f}%"


def _duration(ms: float | None) -> str:
    if ms is None:
        return EMPTY
    return f"{ms:,.0f} ms" if ms == int(ms) else f"{ms:,.1f} ms"


def _cost(cost_usd: str) -> str:
    return f"${Decimal(cost_usd):,.4f}"


_FORMATS: dict[str, Any] = {
    "executions": str,
    "runs": str,
    "success_rate": _percent,
    "failure_rate": _percent,
    "fallback_rate": _percent,
    "rules_rate": _percent,
    "p50_ms": _duration,
    "p95_ms": _duration,
    "tokens": lambda tokens: f"{tokens:,}",
    "cost_usd": _cost,
    "feedback_count": str,
    "positive_rate": _percent,
}
WORKFLOW_COLUMNS = (
    ("executions", "Executions"),
    ("success_rate", "Success"),
    ("failure_rate", "Failure"),
    ("fallback_rate", "Fallback"),
    ("p50_ms", "p50"),
    ("p95_ms", "p95"),
    ("tokens", "Tokens"),
    ("cost_usd", "Cost (USD)"),
    ("feedback_count", "Feedback"),
    ("positive_rate", "Positive"),
)
AGENT_COLUMNS = (
    ("executions", "Executions"),
    ("runs", "Runs"),
    ("success_rate", "Success"),
    ("failure_rate", "Failure"),
    ("fallback_rate", "Fallback"),
    ("rules_rate", "Rules"),
    ("p50_ms", "p50"),
    ("p95_ms", "p95"),
    ("tokens", "Tokens"),
    ("cost_usd", "Cost (USD)"),
    ("feedback_count", "Feedback"),
    ("positive_rate", "Positive"),
)


def _label(name: str) -> str:
    kinds = dict(AgentExecution.Kind.choices)
    return str(kinds.get(name, name.replace("_", " ").capitalize()))


def _table(stats: dict[str, dict[str, Any]], columns: tuple[tuple[str, str], ...]) -> list[dict[str, Any]]:
    return [
        {
            "key": name,
            "label": _label(name),
            "cells": [(metric, _FORMATS[metric](row[metric])) for metric, _title in columns],
        }
        for name, row in stats.items()
    ]


def _chart_data(dashboard: Dashboard) -> dict[str, Any]:
    """What coach/static/coach/dashboard.js draws (passed with json_script): one entry per chart."""
    agents, workflows = dashboard.stats["agents"], dashboard.stats["workflows"]
    return {
        "executions-per-day": {
            "labels": [day.day.isoformat() for day in dashboard.days],
            "succeeded": [day.succeeded for day in dashboard.days],
            "failed": [day.failed for day in dashboard.days],
            "other": [day.other for day in dashboard.days],
        },
        "agent-latency": {
            "labels": [_label(name) for name in agents],
            "p50_ms": [row["p50_ms"] for row in agents.values()],
            "p95_ms": [row["p95_ms"] for row in agents.values()],
        },
        "agent-usage": {
            "labels": [_label(name) for name in agents],
            "tokens": [row["tokens"] for row in agents.values()],
            "cost_usd": [float(row["cost_usd"]) for row in agents.values()],
        },
        "workflow-feedback": {
            "labels": [_label(name) for name in workflows],
            "positive_rate": [
                None if row["positive_rate"] is None else round(row["positive_rate"] * 100, 1)
                for row in workflows.values()
            ],
            "feedback_count": [row["feedback_count"] for row in workflows.values()],
        },
    }


def _charts(dashboard: Dashboard) -> list[dict[str, Any]]:
    """The charts in page order: each a `<canvas data-chart="name">`, with whether it has anything to show."""
    agents, workflows = dashboard.stats["agents"].values(), dashboard.stats["workflows"].values()
    return [
        {"name": "executions-per-day", "title": "Executions per day", "has_data": dashboard.executions > 0},
        {
            "name": "agent-latency",
            "title": "Run time per agent (p50, p95)",
            "has_data": any(row["p50_ms"] is not None for row in agents),
        },
        {
            "name": "agent-usage",
            "title": "Tokens and cost per agent",
            "has_data": any(row["tokens"] or Decimal(row["cost_usd"]) for row in agents),
        },
        {
            "name": "workflow-feedback",
            "title": "Positive feedback per workflow",
            "has_data": any(row["feedback_count"] for row in workflows),
        },
    ]


def ai_dashboard_view(request: HttpRequest) -> HttpResponse:
    """The staff AI dashboard (wrapped in admin.site.admin_view in movoai/urls.py: staff only). A bad
    period is the page with the error and a 400."""
    form = DashboardPeriodForm(request.GET)
    context: dict[str, Any] = {
        **admin.site.each_context(request),
        "title": "AI dashboard",
        "form": form,
        "period_days": PERIOD_DAYS,
    }
    if not form.is_valid():
        return TemplateResponse(request, "coach/ai_dashboard.html", context, status=400)
    since, until = form.cleaned_data["period"]
    dashboard = dashboard_get(since=since, until=until)
    context.update(
        dashboard=dashboard,
        active_days=form.cleaned_data["days"]
        or (None if form.cleaned_data["since"] or form.cleaned_data["until"] else DEFAULT_DAYS),
        workflow_columns=WORKFLOW_COLUMNS,
        workflow_rows=_table(dashboard.stats["workflows"], WORKFLOW_COLUMNS),
        agent_columns=AGENT_COLUMNS,
        agent_rows=_table(dashboard.stats["agents"], AGENT_COLUMNS),
        charts=_charts(dashboard),
        chart_data=_chart_data(dashboard),
    )
    return TemplateResponse(request, "coach/ai_dashboard.html", context)
