"""Why an AI answer came from the rules engine instead of the model.

Every AI response carries `engine` ("llm" or "rules") and, when the rules answered, a
`fallback_reason` code from `FallbackReason` with a short `fallback_detail` for people. Callers wrap a
model call in `try: ... except Exception as error: reason = fallback_reason_for(error)`; anything a
model call can raise maps to a reason, so a model problem never becomes a 500.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import Any

import httpx
import openai
from langchain_core.exceptions import (
    ModelAuthenticationError,
    ModelConnectionError,
    ModelError,
    ModelRateLimitError,
    ModelRefusalError,
    ModelTimeoutError,
    OutputParserException,
)
from pydantic import ValidationError

logger = logging.getLogger("movoai.coach.fallback")


class FallbackReason(enum.StrEnum):
    NOT_CONFIGURED = "not_configured"
    TIMEOUT = "timeout"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"
    MODEL_ERROR = "model_error"
    INVALID_OUTPUT = "invalid_output"
    SAFETY = "safety"


_DETAILS = {
    FallbackReason.NOT_CONFIGURED: "No language model is configured; the rule-based coach answered.",
    FallbackReason.TIMEOUT: "The language model did not answer in time; the rule-based coach answered.",
    FallbackReason.RATE_LIMITED: "The language model refused the call (rate limit); the rule-based coach answered.",
    FallbackReason.UNAVAILABLE: "The language model could not be reached; the rule-based coach answered.",
    FallbackReason.MODEL_ERROR: "The language model failed; the rule-based coach answered.",
    FallbackReason.INVALID_OUTPUT: "The language model's answer was not usable; the rule-based coach answered.",
    FallbackReason.SAFETY: "A safety rule answered (the message spoke of self-harm); no model was asked.",
}


class InvalidModelOutput(Exception):
    """The model answered, but its answer failed our checks (schema, unknown exercise ids, limits)."""


@dataclass(frozen=True)
class Fallback:
    reason: FallbackReason
    detail: str

    def as_fields(self) -> dict[str, Any]:
        """The fields an AI response carries when the rules answered."""
        return {"engine": "rules", "fallback_reason": self.reason.value, "fallback_detail": self.detail}


def fallback(reason: FallbackReason) -> Fallback:
    return Fallback(reason=reason, detail=_DETAILS[reason])


def fallback_reason_for(error: BaseException) -> FallbackReason:
    """The reason code for an exception raised while calling a model or reading its answer."""
    if isinstance(error, (ModelTimeoutError, openai.APITimeoutError, httpx.TimeoutException, TimeoutError)):
        return FallbackReason.TIMEOUT
    if isinstance(error, (ModelRateLimitError, openai.RateLimitError)):
        return FallbackReason.RATE_LIMITED
    if isinstance(
        error,
        (ModelConnectionError, ModelAuthenticationError, openai.APIConnectionError, openai.AuthenticationError),
    ):
        return FallbackReason.UNAVAILABLE
    # a refusal (OpenAI's `refusal` field instead of the structured answer) is an answer we cannot use
    if isinstance(
        error, (InvalidModelOutput, ModelRefusalError, OutputParserException, ValidationError, ValueError, KeyError)
    ):
        return FallbackReason.INVALID_OUTPUT
    if isinstance(error, (ModelError, openai.OpenAIError, httpx.HTTPError)):
        return FallbackReason.MODEL_ERROR
    return FallbackReason.MODEL_ERROR


def fallback_for(error: BaseException, *, what: str) -> Fallback:
    """Log the model failure (without the prompt) and return the fallback to report."""
    reason = fallback_reason_for(error)
    logger.warning("model call for %s failed (%s): %s", what, reason.value, type(error).__name__)
    return fallback(reason)
