"""The AI coach's tables. `llm_calls` records every call to a language model: tokens, cost and
outcome, per user when known."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models


class LLMCall(models.Model):
    """One call to a chat model (one HTTP request and its retries), successful or not."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="llm_calls"
    )
    purpose = models.CharField(max_length=32, help_text="what the call was for: chat, intent, summary, ...")
    model = models.CharField(max_length=128, help_text="the model that answered, as the provider names it")
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    cost_usd = models.DecimalField(max_digits=12, decimal_places=6, default=0)
    duration_ms = models.PositiveIntegerField(default=0)
    succeeded = models.BooleanField(default=True)
    error = models.CharField(max_length=255, blank=True, default="")
    execution = models.ForeignKey(
        "AgentExecution",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="llm_calls",
        help_text="the agent execution the call was made for, if any",
    )
    agent = models.CharField(max_length=32, blank=True, default="", help_text="the agent that made the call, if any")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "llm_calls"
        indexes = [
            models.Index(fields=["user", "created_at"], name="llm_calls_user_created"),
            models.Index(fields=["created_at"], name="llm_calls_created"),
        ]

    def __str__(self) -> str:
        outcome = "ok" if self.succeeded else "failed"
        return f"{self.purpose} on {self.model}: {self.input_tokens}+{self.output_tokens} tokens, {outcome}"


class AgentSession(models.Model):
    """A conversation with the coach (or, later, an agent workflow's session).

    A chat session expires 24 hours after its last message. Anonymous sessions (no user) are working
    memory only: their messages are deleted when the session ends or expires. A user's session keeps
    its messages, and its summary when it ends.
    """

    class SessionType(models.TextChoices):
        CHAT = "chat", "Chat"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"
        EXPIRED = "expired", "Expired"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="agent_sessions"
    )
    session_type = models.CharField(max_length=16, choices=SessionType.choices, default=SessionType.CHAT)
    language = models.CharField(max_length=2, default="en")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    summary = models.TextField(blank=True, default="", help_text="running summary of the messages before the last 10")
    summarized_count = models.PositiveIntegerField(default=0, help_text="how many messages the summary covers")
    started_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "agent_sessions"
        indexes = [
            models.Index(fields=["user", "started_at"], name="agent_sessions_user_started"),
            models.Index(fields=["status", "last_message_at"], name="agent_sessions_status_last"),
        ]

    def __str__(self) -> str:
        return f"{self.session_type} session {self.id} ({self.status})"


class Conversation(models.Model):
    """One message of a chat session: the user's or the coach's."""

    class Role(models.TextChoices):
        USER = "user", "User"
        ASSISTANT = "assistant", "Coach"

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="conversations"
    )
    session = models.ForeignKey(AgentSession, on_delete=models.CASCADE, related_name="messages")
    role = models.CharField(max_length=16, choices=Role.choices)
    message = models.TextField()
    timestamp = models.DateTimeField(auto_now_add=True)
    context_data = models.JSONField(
        default=dict, blank=True, help_text="engine, fallback reason, intent, exercise ids, language"
    )

    class Meta:
        db_table = "conversations"
        ordering = ("timestamp", "id")
        indexes = [
            models.Index(fields=["session", "timestamp"], name="conversations_session_time"),
            models.Index(fields=["user", "timestamp"], name="conversations_user_time"),
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.message[:40]}"


class Recommendation(models.Model):
    """What an AI endpoint recommended (a workout, an analysis, exercise suggestions), per user when known."""

    class RecommendationType(models.TextChoices):
        WORKOUT = "workout", "Workout"
        PROGRESS_ANALYSIS = "progress_analysis", "Progress analysis"
        EXERCISE_SUGGESTIONS = "exercise_suggestions", "Exercise suggestions"

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="recommendations"
    )
    recommendation_type = models.CharField("type", max_length=32, choices=RecommendationType.choices)
    data = models.JSONField(help_text="the response as returned, engine and fallback reason included")
    confidence_score = models.FloatField(null=True, blank=True, help_text="0..1")
    engine = models.CharField(max_length=8, default="rules")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "recommendations"
        indexes = [models.Index(fields=["user", "created_at"], name="recommendations_user_created")]

    def __str__(self) -> str:
        return f"{self.recommendation_type} ({self.engine}) {self.created_at:%Y-%m-%d}"


# ---------------------------------------------------------------- the multi-agent planner (issue #6)


class AgentExecution(models.Model):
    """One run of an agent workflow (or of a single agent) for a user: what was asked, where it is,
    what came out, and how (each agent's engine, reasoning and variant, the path through the graph)."""

    class Kind(models.TextChoices):
        PLAN_GENERATION = "plan_generation", "Plan generation"
        ADAPTIVE_WORKOUT = "adaptive_workout", "Adaptive workout"
        PLAN_OPTIMIZATION = "plan_optimization", "Plan optimisation"
        INJURY_RISK = "injury_risk", "Injury risk check"
        NUTRITION = "nutrition", "Nutrition guidance"
        MOTIVATION = "motivation", "Motivation boost"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        PAUSED = "paused", "Paused for review"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)
    FINISHED_STATUSES = (Status.SUCCEEDED, Status.FAILED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_executions")
    kind = models.CharField("type", max_length=32, choices=Kind.choices)
    input = models.JSONField(default=dict, help_text="the request as validated")
    input_hash = models.CharField(max_length=64, help_text="SHA-256 of kind and input: identical requests")
    output = models.JSONField(null=True, blank=True, help_text="the result, once succeeded")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="0..100")
    current_step = models.CharField(max_length=64, blank=True, default="")
    path = models.JSONField(default=list, blank=True, help_text="the nodes of the graph run, in order")
    agent_runs = models.JSONField(
        default=list, blank=True, help_text="one record per agent run: engine, variant, reasoning, output"
    )
    engine = models.CharField(max_length=8, blank=True, default="", help_text="llm, rules or mixed")
    fallback_used = models.BooleanField(default=False)
    variants = models.JSONField(default=dict, blank=True, help_text="agent -> variant (A/B) of this run")
    error = models.TextField(blank=True, default="")
    plan = models.ForeignKey(
        "plans.WorkoutPlan", null=True, blank=True, on_delete=models.SET_NULL, related_name="agent_executions"
    )
    attempts = models.PositiveSmallIntegerField(default=0, help_text="how many times a worker took it")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    execution_time_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        db_table = "agent_executions"
        ordering = ("-created_at",)
        indexes = [
            models.Index(fields=["user", "-created_at"], name="agent_exec_user_created"),
            models.Index(fields=["user", "status"], name="agent_exec_user_status"),
            models.Index(fields=["user", "input_hash", "-created_at"], name="agent_exec_user_hash"),
            models.Index(fields=["kind", "created_at"], name="agent_exec_kind_created"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.id} ({self.status})"


class AgentExecutionEvent(models.Model):
    """A progress event of an execution, numbered from 1: what clients polling, reading Server-Sent
    Events or a WebSocket see, kept so that a late subscriber can replay them."""

    id = models.BigAutoField(primary_key=True)
    execution = models.ForeignKey(AgentExecution, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    event = models.CharField(max_length=32, help_text="queued, started, step, paused, resumed, succeeded, failed")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "agent_execution_events"
        ordering = ("execution", "seq")
        constraints = [models.UniqueConstraint(fields=["execution", "seq"], name="agent_execution_events_seq_uniq")]

    def __str__(self) -> str:
        return f"{self.execution_id} #{self.seq} {self.event}"


class PlanGenerationLog(models.Model):
    """How an AI-made plan came about: the parameters, each agent's reasoning, the validation
    rounds. One per execution, so a redelivered run cannot save a second plan."""

    id = models.BigAutoField(primary_key=True)
    plan = models.OneToOneField("plans.WorkoutPlan", on_delete=models.CASCADE, related_name="generation_log")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plan_generation_logs")
    execution = models.OneToOneField(
        AgentExecution, null=True, blank=True, on_delete=models.SET_NULL, related_name="generation_log"
    )
    parameters = models.JSONField(default=dict)
    reasoning = models.JSONField(default=list, help_text="the agents' records, in the order they ran")
    validation = models.JSONField(default=list, help_text="one entry per validation round: ok and problems")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "plan_generation_logs"

    def __str__(self) -> str:
        return f"generation of plan {self.plan_id}"


class AgentFeedback(models.Model):
    """A user's verdict on an agent's work (positive or negative), optionally on an execution and
    naming exercises they reject: the next plan generation for them avoids those."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_feedback")
    execution = models.ForeignKey(
        AgentExecution, null=True, blank=True, on_delete=models.SET_NULL, related_name="feedback"
    )
    agent_type = models.CharField(max_length=32)
    positive = models.BooleanField()
    text = models.TextField(blank=True, default="")
    rejected_exercise_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    variant = models.CharField(max_length=8, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "agent_feedback"
        verbose_name_plural = "agent feedback"
        indexes = [
            models.Index(fields=["user", "-created_at"], name="agent_feedback_user_created"),
            models.Index(fields=["agent_type", "created_at"], name="agent_feedback_agent_created"),
        ]

    def __str__(self) -> str:
        return f"{'+' if self.positive else '-'} {self.agent_type}"
