"""The coach as a language-model agent: `langchain.agents.create_agent` with the coach's four tools,
a system prompt, and the conversation's memory (the running summary and the last 10 messages).

The tools are built for the request's user (`coach.tools.coach_tools`), so whatever arguments the model
invents it reads that user's data only. Every model call of the run is recorded (tokens, cost) with
purpose "chat". A model failure propagates: the chat service falls back to the rules engine.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import DEFAULT_DB_ALIAS, connections
from langchain.agents import create_agent
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool, StructuredTool

from coach import llm
from coach.fallback import InvalidModelOutput
from coach.models import Conversation
from coach.tools import coach_tools

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger("movoai.coach.agent")

# Graph steps for one answer: each model call and each round of tool calls is a step, so 12 allows
# five rounds of tools before the final answer.
RECURSION_LIMIT = 12
MAX_CITED_EXERCISES = 10

_LANGUAGE_NAMES = {"en": "English", "fr": "French"}

SYSTEM_PROMPT = """You are the MovoAI coach, a friendly and precise strength and fitness coach.

Rules:
- Answer in {language}, whatever the language of the tools' output. Be concise: a few short paragraphs or \
a short list.
- Use the tools for facts: search_exercises for any exercise you recommend or explain (cite exercises by \
their exact library names), get_user_profile, get_workout_history and calculate_fitness_metrics for the \
user's own data. Never invent exercises, numbers or workout history. When a tool says no user is known, \
say how to get tracked (create a profile or sign in, then log workouts) instead of guessing.
- You are not a doctor: never diagnose. When the user mentions pain or an injury, tell them to see a \
health professional (doctor or physiotherapist) and do not recommend exercises that load that area.
- Give realistic training doses (sets 1-10, reps 1-50 or a duration, rest 15-300 seconds) and at least \
one rest day a week.
- Stay on fitness, training, recovery and the user's data; politely decline anything else."""

SUMMARY_PROMPT = "Summary of the earlier conversation (older than the messages below):\n{summary}"
PAIN_PROMPT = (
    "The user mentions pain or an injury ({areas}). A notice telling them to see a health professional is "
    "already shown above your answer: do not repeat it, do not diagnose, and recommend no exercise that loads "
    "that area."
)
LIMITATIONS_PROMPT = "The user's profile records limitations ({areas}): recommend no exercise that loads them."


@dataclass(frozen=True)
class AgentReply:
    """The agent's answer: its text, the library exercises it names ({"id", "name"}, as the tools
    returned them) and the tools it called."""

    text: str
    exercises: list[dict[str, Any]] = field(default_factory=list)
    tools_called: list[str] = field(default_factory=list)


def system_prompt(
    *, language: str, summary: str, pain_areas: Sequence[str] = (), limitations: Sequence[str] = ()
) -> str:
    """The system prompt: the coach's persona and rules, what to do about the pain the message
    mentions and the user's recorded limitations, and the running summary when there is one."""
    prompt = SYSTEM_PROMPT.format(language=_LANGUAGE_NAMES.get(language, "English"))
    if pain_areas:
        prompt += "\n\n" + PAIN_PROMPT.format(areas=", ".join(pain_areas))
    if limitations:
        prompt += "\n\n" + LIMITATIONS_PROMPT.format(areas=", ".join(limitations))
    if summary.strip():
        prompt += "\n\n" + SUMMARY_PROMPT.format(summary=summary.strip())
    return prompt


def history_messages(recent: Sequence[Conversation], message: str) -> list[BaseMessage]:
    """The last messages verbatim, then the new one."""
    history: list[BaseMessage] = [
        HumanMessage(entry.message) if entry.role == Conversation.Role.USER else AIMessage(entry.message)
        for entry in recent
    ]
    history.append(HumanMessage(message))
    return history


class CallerConnection:
    """Lets the threads LangGraph runs the agent in use the caller's database connection.

    LangGraph runs tool calls in a thread pool made for each round of tools, and a streamed run's
    steps (the model call and its usage callbacks) in background threads. A Django connection belongs
    to its thread: each of those threads would open a connection of its own, left open afterwards and
    outside the caller's transaction. The caller waits while they work, so they borrow its connection
    (as Django's live test server threads do), one at a time."""

    def __init__(self) -> None:
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.owner = threading.get_ident()
        self.lock = threading.RLock()  # a borrowing thread may borrow again (a tool inside a node)

    @contextmanager
    def borrowed(self) -> Iterator[None]:
        if threading.get_ident() == self.owner:
            yield
            return
        with self.lock:
            own = next((c for c in connections.all(initialized_only=True) if c.alias == DEFAULT_DB_ALIAS), None)
            connections[DEFAULT_DB_ALIAS] = self.connection
            try:
                yield
            finally:
                if own is None:
                    del connections[DEFAULT_DB_ALIAS]
                else:
                    connections[DEFAULT_DB_ALIAS] = own

    def tool(self, tool: BaseTool) -> BaseTool:
        """The tool, running on the caller's connection."""
        if not isinstance(tool, StructuredTool) or tool.func is None:
            raise TypeError(f"the coach's tools are sync StructuredTools, not {type(tool).__name__}")
        func = tool.func

        def run(*args: Any, **kwargs: Any) -> Any:
            with self.borrowed():
                return func(*args, **kwargs)

        return tool.model_copy(update={"func": run})

    def config(self, config: RunnableConfig) -> RunnableConfig:
        """The run config, its callbacks (the usage recorder writes rows) on the caller's connection."""
        callbacks = config.get("callbacks")
        if isinstance(callbacks, list):
            config["callbacks"] = [_BorrowingHandler(handler, self) for handler in callbacks]
        return config

    def __enter__(self) -> CallerConnection:
        self.connection.inc_thread_sharing()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.connection.dec_thread_sharing()


class _BorrowingHandler(BaseCallbackHandler):
    """A model-call callback handler whose events run on the caller's connection."""

    def __init__(self, handler: BaseCallbackHandler, caller: CallerConnection) -> None:
        self.handler = handler
        self.caller = caller

    def on_chat_model_start(self, *args: Any, **kwargs: Any) -> Any:
        with self.caller.borrowed():
            return self.handler.on_chat_model_start(*args, **kwargs)

    def on_llm_start(self, *args: Any, **kwargs: Any) -> Any:
        with self.caller.borrowed():
            return self.handler.on_llm_start(*args, **kwargs)

    def on_llm_end(self, *args: Any, **kwargs: Any) -> Any:
        with self.caller.borrowed():
            return self.handler.on_llm_end(*args, **kwargs)

    def on_llm_error(self, *args: Any, **kwargs: Any) -> Any:
        with self.caller.borrowed():
            return self.handler.on_llm_error(*args, **kwargs)


def _agent(
    model: BaseChatModel,
    *,
    user: User | None,
    language: str,
    summary: str,
    pain_areas: Sequence[str],
    limitations: Sequence[str],
    caller: CallerConnection,
) -> Any:
    return create_agent(
        model,
        [caller.tool(tool) for tool in coach_tools(user=user, language=language)],
        system_prompt=system_prompt(language=language, summary=summary, pain_areas=pain_areas, limitations=limitations),
        name="movoai_coach",
    )


def _config(user: User | None, caller: CallerConnection) -> RunnableConfig:
    config = llm.recorded_config(purpose="chat", user=user)
    config["recursion_limit"] = RECURSION_LIMIT
    return caller.config(config)


def agent_reply(
    *,
    model: BaseChatModel,
    message: str,
    user: User | None,
    language: str,
    summary: str = "",
    recent: Sequence[Conversation] = (),
    pain_areas: Sequence[str] = (),
    limitations: Sequence[str] = (),
) -> AgentReply:
    """The agent's answer to `message` with the conversation's memory. Raises on any model failure,
    and InvalidModelOutput when the run ends without a text answer."""
    with CallerConnection() as caller:
        agent = _agent(
            model,
            user=user,
            language=language,
            summary=summary,
            pain_areas=pain_areas,
            limitations=limitations,
            caller=caller,
        )
        state = agent.invoke({"messages": history_messages(recent, message)}, config=_config(user, caller))
    return _reply_from(state["messages"], first_new=len(recent) + 1)


def agent_stream(
    *,
    model: BaseChatModel,
    message: str,
    user: User | None,
    language: str,
    summary: str = "",
    recent: Sequence[Conversation] = (),
    pain_areas: Sequence[str] = (),
    limitations: Sequence[str] = (),
) -> Iterator[str | AgentReply]:
    """The agent's answer as it is written: text pieces (str) from the model, then the AgentReply.

    Only the model's text is streamed (tool calls and tool results are not). Raises like agent_reply,
    possibly after some pieces were yielded."""
    messages: list[BaseMessage] | None = None
    with CallerConnection() as caller:
        agent = _agent(
            model,
            user=user,
            language=language,
            summary=summary,
            pain_areas=pain_areas,
            limitations=limitations,
            caller=caller,
        )
        for part in agent.stream(
            {"messages": history_messages(recent, message)},
            config=_config(user, caller),
            stream_mode=["messages", "values"],
            version="v2",
        ):
            if part["type"] == "messages":
                chunk, metadata = part["data"]
                if isinstance(chunk, AIMessageChunk) and metadata.get("langgraph_node") == "model":
                    text = chunk.text
                    if text:
                        yield str(text)
            elif part["type"] == "values":
                messages = part["data"]["messages"]
    if messages is None:
        raise InvalidModelOutput("the agent produced no state")
    yield _reply_from(messages, first_new=len(recent) + 1)


def _reply_from(messages: Sequence[BaseMessage], *, first_new: int) -> AgentReply:
    """The reply in an agent's final messages (those from `first_new` on are this turn's)."""
    turn = list(messages[first_new:])
    final = turn[-1] if turn else None
    if not isinstance(final, AIMessage) or final.tool_calls:
        raise InvalidModelOutput("the agent stopped without a final answer")
    text = str(final.text).strip()
    if not text:
        raise InvalidModelOutput("the agent's answer is empty")
    tools_called = [call["name"] for entry in turn if isinstance(entry, AIMessage) for call in entry.tool_calls]
    return AgentReply(text=text, exercises=_cited_exercises(turn, text), tools_called=tools_called)


def _cited_exercises(turn: Sequence[BaseMessage], text: str) -> list[dict[str, Any]]:
    """The exercises from this turn's search results that the answer names."""
    lowered = text.lower()
    cited: dict[int, dict[str, Any]] = {}
    for entry in turn:
        if not isinstance(entry, ToolMessage) or entry.name != "search_exercises":
            continue
        try:
            result = json.loads(str(entry.content))
        except ValueError:
            continue
        for exercise in result.get("exercises") or [] if isinstance(result, dict) else []:
            name = str(exercise.get("name") or "")
            if name and name.lower() in lowered and isinstance(exercise.get("id"), int):
                cited.setdefault(exercise["id"], {"id": exercise["id"], "name": name})
    return list(cited.values())[:MAX_CITED_EXERCISES]
