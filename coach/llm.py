"""The model layer of the coach: one factory for the chat model of a purpose, and the recording of
every call's tokens and cost.

Any OpenAI-compatible server works (OpenAI, Ollama, vLLM, ...): OPENAI_BASE_URL points at it. With
neither an API key nor a base URL, `chat_model` returns None and callers answer with the rules engine.
Settings are read at call time, so tests and a reloaded configuration take effect at once.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar
from uuid import UUID

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, LLMResult
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from coach.models import LLMCall
from movoai import metrics

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

# Purposes simple enough for the cheaper model: classifying a message, summarising a conversation.
CHEAP_PURPOSES = frozenset({"intent", "summary", "title"})

DEFAULT_MODEL = "gpt-4.1-mini"
DEFAULT_TEMPERATURE = 0.3
DEFAULT_MAX_TOKENS = 4096
DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_MAX_RETRIES = 2
# A local server (Ollama, vLLM) ignores the key, but the OpenAI client refuses to start without one.
PLACEHOLDER_API_KEY = "not-needed"
_MICRO = Decimal("0.000001")


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def llm_configured() -> bool:
    """Whether a model is configured: an API key, a base URL of an OpenAI-compatible server, or both."""
    return bool(_setting("OPENAI_API_KEY", "") or _setting("OPENAI_BASE_URL", ""))


def model_name_for(purpose: str) -> str:
    """The model a purpose uses: the cheap one (when set) for simple purposes, else LLM_MODEL."""
    model: str = _setting("LLM_MODEL", "") or DEFAULT_MODEL
    if purpose in CHEAP_PURPOSES:
        return _setting("LLM_MODEL_CHEAP", "") or model
    return model


def chat_model(
    purpose: str = "chat", *, max_tokens: int | None = None, model: str | None = None
) -> BaseChatModel | None:
    """The chat model for `purpose`, or None when no model is configured (use the rules engine).

    `max_tokens` is capped at LLM_MAX_TOKENS whatever the caller asks. Timeouts and retries come from
    settings; the OpenAI client retries errors and timeouts itself, so one call is one `LLMCall` row.
    A failed call raises langchain_core.exceptions.ModelError subclasses (ModelAPIError,
    ModelTimeoutError, ModelRateLimitError, ...), which callers catch to fall back to the rules.
    `model` names the model instead of the purpose's (an agent's own setting or A/B variant).
    """
    if not llm_configured():
        return None
    api_key: str = _setting("OPENAI_API_KEY", "") or PLACEHOLDER_API_KEY
    base_url: str | None = _setting("OPENAI_BASE_URL", "") or None
    cap = int(_setting("LLM_MAX_TOKENS", DEFAULT_MAX_TOKENS))
    tokens = cap if max_tokens is None else max(1, min(max_tokens, cap))
    return ChatOpenAI(
        model=model or model_name_for(purpose),
        api_key=SecretStr(api_key),
        base_url=base_url,
        temperature=float(_setting("LLM_TEMPERATURE", DEFAULT_TEMPERATURE)),
        # sent as `max_completion_tokens`, which OpenAI wants; local servers (Ollama, llama.cpp) read
        # only the older `max_tokens`, so a custom base URL gets both and the cap holds everywhere.
        max_completion_tokens=tokens,
        extra_body={"max_tokens": tokens} if base_url else None,
        timeout=float(_setting("LLM_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS)),
        max_retries=int(_setting("LLM_MAX_RETRIES", DEFAULT_MAX_RETRIES)),
        # langchain-openai leaves streamed usage off for a custom base URL; every server we target
        # (OpenAI, vLLM, Ollama) honours stream_options.include_usage, and cost needs it.
        stream_usage=True,
    )


def llm_cost_usd(model: str, input_tokens: int, output_tokens: int) -> Decimal:
    """The cost of a call from LLM_PRICES (USD per 1M input and output tokens, per model).

    A dated model name ("gpt-4.1-mini-2025-04-14") takes the price of its longest listed prefix.
    An unknown model costs 0, with a warning so that the price table gets completed.
    """
    prices: dict[str, dict[str, float]] = _setting("LLM_PRICES", {})
    price = prices.get(model)
    if price is None:
        prefixes = [name for name in prices if model.startswith(f"{name}-")]
        if prefixes:
            price = prices[max(prefixes, key=len)]
    if price is None:
        logger.warning("no price for model %r in LLM_PRICES: its calls are recorded at cost 0", model)
        return Decimal(0)
    cost = Decimal(str(price["input"])) * input_tokens + Decimal(str(price["output"])) * output_tokens
    return (cost / 1_000_000).quantize(_MICRO)


@dataclass
class _Run:
    started: float
    model: str


class LLMUsageRecorder(BaseCallbackHandler):
    """A LangChain callback that writes one `LLMCall` row per model call: tokens, cost, duration,
    or the error. Attach it through a run's config (`recorded_config`) or use `invoke_recorded`.

    A failure to record is logged and never breaks the answer (BaseCallbackHandler.raise_error)."""

    def __init__(
        self, *, purpose: str, user: User | None = None, execution_id: UUID | None = None, agent: str = ""
    ) -> None:
        self.purpose = purpose
        self.user = user
        self.execution_id = execution_id
        self.agent = agent
        self._runs: dict[UUID, _Run] = {}

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self._start(run_id, kwargs.get("invocation_params"), metadata)

    def on_llm_start(
        self,
        serialized: dict[str, Any],
        prompts: list[str],
        *,
        run_id: UUID,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self._start(run_id, kwargs.get("invocation_params"), metadata)

    def _start(self, run_id: UUID, params: dict[str, Any] | None, metadata: dict[str, Any] | None) -> None:
        params, metadata = params or {}, metadata or {}
        model = params.get("model") or params.get("model_name") or metadata.get("ls_model_name") or ""
        self._runs[run_id] = _Run(started=time.monotonic(), model=str(model))

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        run = self._runs.pop(run_id, None)
        input_tokens, output_tokens, answered_by = _usage(response)
        model = answered_by or (run.model if run else "")
        cost_usd = llm_cost_usd(model, input_tokens, output_tokens)
        metrics.ai_usage_record(
            agent=self.agent or self.purpose,
            prompt_tokens=input_tokens,
            completion_tokens=output_tokens,
            cost_usd=cost_usd,
        )
        self._record(
            run,
            model=model,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cost_usd=cost_usd,
        )

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        run = self._runs.pop(run_id, None)
        self._record(
            run,
            model=run.model if run else "",
            succeeded=False,
            error=f"{type(error).__name__}: {error}"[:255],
        )

    def _record(self, run: _Run | None, **fields: Any) -> None:
        duration_ms = round((time.monotonic() - run.started) * 1000) if run else 0
        LLMCall.objects.create(
            user=self.user,
            purpose=self.purpose,
            execution_id=self.execution_id,
            agent=self.agent,
            duration_ms=duration_ms,
            **fields,
        )


def _usage(response: LLMResult) -> tuple[int, int, str]:
    """Input tokens, output tokens and the model that answered, from a model's result."""
    input_tokens = output_tokens = 0
    model = ""
    found = False
    for generation in (g for batch in response.generations for g in batch):
        if not isinstance(generation, ChatGeneration) or not isinstance(generation.message, AIMessage):
            continue
        message = generation.message
        model = model or str(message.response_metadata.get("model_name") or "")
        if message.usage_metadata:
            found = True
            input_tokens += message.usage_metadata["input_tokens"]
            output_tokens += message.usage_metadata["output_tokens"]
    llm_output = response.llm_output or {}
    model = model or str(llm_output.get("model_name") or "")
    if not found:
        token_usage = llm_output.get("token_usage") or {}
        input_tokens = int(token_usage.get("prompt_tokens") or 0)
        output_tokens = int(token_usage.get("completion_tokens") or 0)
    return input_tokens, output_tokens, model


def recorded_config(
    *, purpose: str, user: User | None = None, execution_id: UUID | None = None, agent: str = ""
) -> RunnableConfig:
    """A run config that records every model call made in the run (an invoke, a stream, an agent),
    against an agent execution when given."""
    recorder = LLMUsageRecorder(purpose=purpose, user=user, execution_id=execution_id, agent=agent)
    return {"callbacks": [recorder], "metadata": {"purpose": purpose}}


_Output = TypeVar("_Output")


def invoke_recorded(
    model: Runnable[LanguageModelInput, _Output],
    messages: LanguageModelInput,
    *,
    purpose: str,
    user: User | None = None,
) -> _Output:
    """`model.invoke(messages)` with its usage recorded. The model may be bound to tools or wrapped
    for structured output: the chat model inside is what gets recorded. Errors propagate, recorded."""
    return model.invoke(messages, config=recorded_config(purpose=purpose, user=user))


class ModelUsage(TypedDict):
    calls: int
    failed: int
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal


def llm_usage_summary(*, user: User | None = None, since: datetime | None = None) -> dict[str, ModelUsage]:
    """Calls, failures, tokens and cost per model, for one user and/or since a moment, or for all."""
    calls = LLMCall.objects.all()
    if user is not None:
        calls = calls.filter(user=user)
    if since is not None:
        calls = calls.filter(created_at__gte=since)
    rows = (
        calls.values("model")
        .annotate(
            calls=Count("id"),
            failed=Count("id", filter=Q(succeeded=False)),
            input_tokens=Coalesce(Sum("input_tokens"), 0),
            output_tokens=Coalesce(Sum("output_tokens"), 0),
            cost=Coalesce(Sum("cost_usd"), Decimal(0)),
        )
        .order_by("model")
    )
    return {
        row["model"]: ModelUsage(
            calls=row["calls"],
            failed=row["failed"],
            input_tokens=row["input_tokens"],
            output_tokens=row["output_tokens"],
            cost_usd=row["cost"],
        )
        for row in rows
    }
