"""The AI coach's tables. `llm_calls` records every call to a language model: tokens, cost and
outcome, per user when known."""

from __future__ import annotations

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
