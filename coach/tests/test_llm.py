"""The model layer against a stub OpenAI-compatible server on 127.0.0.1: the real ChatOpenAI and
openai client over real HTTP, no network. Only the provider is fake; the database is real."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from langchain_core.exceptions import ModelAPIError, ModelTimeoutError

from accounts.tests.factories import UserFactory
from coach.llm import chat_model, invoke_recorded, llm_configured, llm_cost_usd, llm_usage_summary, recorded_config
from coach.models import LLMCall
from coach.tests.openai_stub import COMPLETION_TOKENS, DEFAULT_ANSWER, PROMPT_TOKENS, OpenAIStub

pytestmark = pytest.mark.django_db

# 120 * 2 / 1M + 30 * 8 / 1M, and 120 * 0.1 / 1M + 30 * 0.4 / 1M
LARGE_CALL_COST = Decimal("0.000480")
SMALL_CALL_COST = Decimal("0.000024")
SLOW_SECONDS = 1.0


@pytest.fixture
def stub(openai_stub: OpenAIStub, settings: Any) -> OpenAIStub:
    """The shared stub with this module's settings: two retries and a 5 s timeout."""
    settings.LLM_TIMEOUT_SECONDS = 5
    settings.LLM_MAX_RETRIES = 2
    return openai_stub


def _model(purpose: str = "chat", **kwargs: Any) -> Any:
    model = chat_model(purpose, **kwargs)
    assert model is not None
    return model


def test_no_model_configured_means_no_model(settings):
    settings.OPENAI_API_KEY = ""
    settings.OPENAI_BASE_URL = ""

    assert llm_configured() is False
    assert chat_model() is None
    assert chat_model("intent") is None


def test_a_call_returns_the_answer_and_records_tokens_and_cost(stub):
    alice = UserFactory.create(display_name="alice")

    answer = invoke_recorded(_model(), "How should I train my legs?", purpose="chat", user=alice)

    assert answer.content == DEFAULT_ANSWER
    assert stub.hits == 1
    assert stub.requests[0]["model"] == "coach-large"
    assert stub.requests[0]["temperature"] == 0.2
    assert stub.headers[0]["authorization"] == "Bearer test-key"
    call = LLMCall.objects.get()
    assert call.user == alice
    assert (call.purpose, call.model, call.succeeded, call.error) == ("chat", "coach-large", True, "")
    assert (call.input_tokens, call.output_tokens) == (PROMPT_TOKENS, COMPLETION_TOKENS)
    assert call.cost_usd == LARGE_CALL_COST
    assert call.duration_ms >= 0


def test_a_simple_purpose_uses_the_cheap_model(stub, settings):
    invoke_recorded(_model("intent"), "find me squats", purpose="intent")

    assert stub.requests[-1]["model"] == "coach-small"
    call = LLMCall.objects.get()
    assert (call.model, call.purpose, call.user) == ("coach-small", "intent", None)
    assert call.cost_usd == SMALL_CALL_COST

    settings.LLM_MODEL_CHEAP = ""
    assert _model("intent").model_name == "coach-large"
    assert _model("chat").model_name == "coach-large"


def test_max_tokens_is_capped_whatever_the_caller_asks(stub):
    invoke_recorded(_model(max_tokens=100_000), "a long plan please", purpose="chat")
    invoke_recorded(_model(max_tokens=40), "short please", purpose="chat")
    invoke_recorded(_model(), "default", purpose="chat")

    # max_completion_tokens for OpenAI, max_tokens too for local servers that know only that one
    assert [request["max_completion_tokens"] for request in stub.requests] == [256, 40, 256]
    assert [request["max_tokens"] for request in stub.requests] == [256, 40, 256]


def test_a_base_url_without_a_key_works_for_local_servers(stub, settings):
    settings.OPENAI_API_KEY = ""

    answer = invoke_recorded(_model(), "hello", purpose="chat")

    assert answer.content == DEFAULT_ANSWER
    assert stub.headers[0]["authorization"] == "Bearer not-needed"


def test_a_streamed_call_asks_for_usage_and_records_it(stub):
    bob = UserFactory.create(display_name="bob")

    chunks = list(_model().stream("How should I train my legs?", config=recorded_config(purpose="chat", user=bob)))

    assert "".join(str(chunk.content) for chunk in chunks) == DEFAULT_ANSWER
    assert stub.requests[0]["stream"] is True
    assert stub.requests[0]["stream_options"] == {"include_usage": True}
    call = LLMCall.objects.get()
    assert (call.user, call.model, call.succeeded) == (bob, "coach-large", True)
    assert (call.input_tokens, call.output_tokens) == (PROMPT_TOKENS, COMPLETION_TOKENS)
    assert call.cost_usd == LARGE_CALL_COST


def test_a_server_error_raises_after_the_retries_and_is_recorded(stub):
    stub.fail(500)
    charlie = UserFactory.create(display_name="charlie")

    with pytest.raises(ModelAPIError):
        invoke_recorded(_model(), "hello", purpose="chat", user=charlie)

    assert stub.hits == 3  # the first try and LLM_MAX_RETRIES=2 retries
    call = LLMCall.objects.get()
    assert (call.user, call.model, call.succeeded) == (charlie, "coach-large", False)
    assert "500" in call.error
    assert (call.input_tokens, call.output_tokens, call.cost_usd) == (0, 0, Decimal(0))


def test_a_timeout_raises_after_the_retries_and_is_recorded(stub, settings):
    stub.hang(SLOW_SECONDS)
    settings.LLM_TIMEOUT_SECONDS = 0.2
    settings.LLM_MAX_RETRIES = 1

    with pytest.raises(ModelTimeoutError):
        invoke_recorded(_model("summary"), "summarise this", purpose="summary")

    assert stub.hits == 2
    call = LLMCall.objects.get()
    assert (call.purpose, call.model, call.succeeded) == ("summary", "coach-small", False)
    assert "timed out" in call.error
    assert call.duration_ms >= 2 * 200


def test_the_summary_totals_calls_tokens_and_cost_per_model(stub):
    alice, bob = UserFactory.create(display_name="alice"), UserFactory.create(display_name="bob")
    invoke_recorded(_model(), "one", purpose="chat", user=alice)
    invoke_recorded(_model(), "two", purpose="chat", user=bob)
    invoke_recorded(_model("intent"), "three", purpose="intent", user=alice)
    stub.fail(500)
    with pytest.raises(ModelAPIError):
        invoke_recorded(_model(), "four", purpose="chat", user=alice)

    summary = llm_usage_summary()

    assert summary == {
        "coach-large": {
            "calls": 3,
            "failed": 1,
            "input_tokens": 2 * PROMPT_TOKENS,
            "output_tokens": 2 * COMPLETION_TOKENS,
            "cost_usd": 2 * LARGE_CALL_COST,
        },
        "coach-small": {
            "calls": 1,
            "failed": 0,
            "input_tokens": PROMPT_TOKENS,
            "output_tokens": COMPLETION_TOKENS,
            "cost_usd": SMALL_CALL_COST,
        },
    }
    of_alice = llm_usage_summary(user=alice)
    assert {model: (usage["calls"], usage["cost_usd"]) for model, usage in of_alice.items()} == {
        "coach-large": (2, LARGE_CALL_COST),
        "coach-small": (1, SMALL_CALL_COST),
    }
    assert llm_usage_summary(since=timezone.now() + timedelta(minutes=1)) == {}


def test_cost_of_dated_and_unknown_models(settings, caplog):
    settings.LLM_PRICES = {"gpt-4.1": {"input": 2.0, "output": 8.0}, "gpt-4.1-mini": {"input": 0.4, "output": 1.6}}

    assert llm_cost_usd("gpt-4.1-mini-2025-04-14", 1_000_000, 1_000_000) == Decimal("2.000000")
    assert llm_cost_usd("gpt-4.1-2025-04-14", 1000, 500) == Decimal("0.006000")
    with caplog.at_level(logging.WARNING, logger="coach.llm"):
        assert llm_cost_usd("llama3.1:8b", 1000, 1000) == Decimal(0)
    assert "llama3.1:8b" in caplog.text
