"""Fixtures of the coach's tests: the stub OpenAI-compatible server and settings pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from coach.tests.openai_stub import OpenAIStub, StubServer, fresh_stub, running_stub_server

STUB_PRICES = {"coach-large": {"input": 2.0, "output": 8.0}, "coach-small": {"input": 0.1, "output": 0.4}}


@pytest.fixture(scope="session")
def openai_stub_server() -> Iterator[StubServer]:
    with running_stub_server() as server:
        yield server


@pytest.fixture
def openai_stub(openai_stub_server: StubServer, settings: Any) -> OpenAIStub:
    """A fresh stub (answering "Do three sets of ten squats." until scripted) and the coach's model
    settings pointed at it: no retries and a 2 s timeout, so failure tests are quick."""
    stub = fresh_stub(openai_stub_server)
    settings.OPENAI_BASE_URL = stub.base_url
    settings.OPENAI_API_KEY = "test-key"
    settings.LLM_MODEL = "coach-large"
    settings.LLM_MODEL_CHEAP = "coach-small"
    settings.LLM_TEMPERATURE = 0.2
    settings.LLM_MAX_TOKENS = 256
    settings.LLM_TIMEOUT_SECONDS = 2
    settings.LLM_MAX_RETRIES = 0
    settings.LLM_PRICES = STUB_PRICES
    return stub
