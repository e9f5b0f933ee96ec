"""A scripted chat model: the LLM provider faked at the model boundary, for the coach's tests.

`ScriptedChatModel(script=[...])` answers each call with the next item of its script: an AIMessage
(text and/or tool calls), a plain string, or an exception instance, which is raised instead (a model
failure). `bind_tools` returns the model itself, so `create_agent` and `with_structured_output`
(tool-calling method) run their real code over it. `seen` keeps the messages of every call.

    model = ScriptedChatModel(script=[tool_call("search_exercises", {"muscles": ["chest"]}), "Try push-ups."])
    use_model(monkeypatch, model)   # coach.llm.chat_model(...) now returns it, for every purpose
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from pydantic import Field

ScriptItem = AIMessage | str | BaseException
_ids = itertools.count(1)


class ScriptedChatModel(GenericFakeChatModel):
    """A fake chat model that follows a script and records what it was asked."""

    # Any: pydantic would try to coerce an exception instance into a message
    script: list[Any] = Field(default_factory=list)
    seen: list[list[BaseMessage]] = Field(default_factory=list)
    bound_tools: list[str] = Field(default_factory=list)
    messages: Iterator[AIMessage | str] = Field(default_factory=lambda: iter(()))

    @property
    def _llm_type(self) -> str:
        return "scripted-fake"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.seen.append(list(messages))
        if not self.script:
            raise AssertionError(f"the scripted model was called {len(self.seen)} times, more than its script")
        item = self.script.pop(0)
        if isinstance(item, BaseException):
            raise item
        self.messages = iter([item])
        return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        self.bound_tools = [getattr(tool, "name", getattr(tool, "__name__", str(tool))) for tool in tools]
        return self

    @property
    def calls(self) -> int:
        return len(self.seen)

    def prompt_text(self, call: int = -1) -> str:
        """Everything the model was shown in one call, as one string (to assert on context)."""
        return "\n".join(str(message.content) for message in self.seen[call])


def tool_call(name: str, args: dict[str, Any], id: str | None = None) -> AIMessage:
    """A model turn that calls one tool."""
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": id or f"call_{next(_ids)}"}])


def structured(schema_name: str, args: dict[str, Any]) -> AIMessage:
    """The answer `with_structured_output(Schema)` parses: a tool call named after the schema class."""
    return tool_call(schema_name, args)


def use_model(monkeypatch: pytest.MonkeyPatch, model: BaseChatModel | None) -> None:
    """Make `coach.llm.chat_model(...)` return `model` for every purpose (None: no model configured)."""
    monkeypatch.setattr("coach.llm.chat_model", lambda *args, **kwargs: model)
