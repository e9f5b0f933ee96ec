"""The AI coach's tables. `llm_calls` records every call to a language model: tokens, cost and
outcome, per user when known."""

from __future__ import annotations

import uuid

from django.conf import settings
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
