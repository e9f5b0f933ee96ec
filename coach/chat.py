"""The coach's chat service: one turn of a conversation, answered by the model agent when one is
configured and by the rules otherwise, or whenever the model fails (error, timeout, unusable answer).

A turn reads the session's memory (running summary + last 10 messages), answers, then stores the
question and the answer together (nothing is stored when the turn fails, and a streamed answer is
stored only once complete) and folds older messages into the summary.

Both entry points check the input and the session before any answer starts, so that problems
(abusive input 400, unknown session 404, ended or expired session 409) are raised by the call itself
or, for `chat_stream`, by the first `next()`: a view can still answer with a problem.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Lower, StrIndex
from langchain_core.language_models import BaseChatModel
from rest_framework.exceptions import APIException, NotFound, ValidationError

from coach import agent, llm, memory, safety
from coach.chat_rules import RulesReply, loads_area, pain_notice, rules_reply
from coach.fallback import Fallback, FallbackReason, InvalidModelOutput, fallback, fallback_for
from coach.intents import Intent, detect_intent, detect_language
from coach.models import AgentSession, Conversation
from exercises.models import Exercise
from movoai.errors import api_problem

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger("movoai.coach.chat")

ABUSIVE_DETAIL = (
    "This message was not sent to the coach: it contains abusive or harmful language. If you are thinking "
    "about hurting yourself, please contact your local emergency number or a crisis line now."
)
LANGUAGES = ("en", "fr")
# Below this many words a message says too little to change the conversation's language ("ok", "merci").
_FEW_WORDS = 3
_TOKEN = re.compile(r"\S+\s*")


@dataclass(frozen=True)
class _Turn:
    message: str
    user: User | None
    session: AgentSession
    language: str
    intent: Intent
    summary: str
    recent: list[Conversation]
    pain: frozenset[str]  # the areas the message says hurt (safety.mentions_pain)
    limitations: frozenset[str]  # the areas of the user's recorded limitations

    @property
    def avoid(self) -> frozenset[str]:
        """The areas no recommended exercise may load."""
        return (self.pain | self.limitations) - {safety.UNSPECIFIED}

    @property
    def notice(self) -> str:
        """What the coach says first when the message mentions pain ("" otherwise)."""
        return pain_notice(self.pain, language=self.language) if self.pain else ""

    @property
    def pain_labels(self) -> list[str]:
        return [safety.area_label(area, "en") for area in sorted(self.pain)]

    @property
    def limitation_labels(self) -> list[str]:
        return [safety.area_label(area, "en") for area in sorted(self.limitations)]


@dataclass(frozen=True)
class _Answer:
    text: str
    engine: str
    fallback: Fallback | None
    intent: str
    exercises: list[dict[str, Any]]


def _language(message: str, session: AgentSession, has_messages: bool, asked: str | None) -> str:
    if asked in LANGUAGES:
        return str(asked)
    detected = detect_language(message)
    if has_messages and detected != session.language and len(message.split()) < _FEW_WORDS:
        return session.language
    return detected


def _prepare(*, message: str, user: User | None, session_id: uuid.UUID | str | None, language: str | None) -> _Turn:
    """Check the input and the session, and read the memory: everything a turn needs before answering."""
    if safety.is_abusive(message):
        raise ValidationError({"message": [ABUSIVE_DETAIL]})
    if session_id:
        session = memory.session_get_active(session_id=session_id, user=user)
        summary, recent = memory.memory_context(session)
    else:
        session = memory.session_start(user=user, language=language or detect_language(message))
        summary, recent = "", []
    turn_language = _language(message, session, bool(recent), language)
    return _Turn(
        message=message,
        user=user,
        session=session,
        language=turn_language,
        intent=detect_intent(message),
        summary=summary,
        recent=recent,
        pain=safety.mentions_pain(message),
        limitations=safety.limitation_areas(user.limitations) if user is not None else frozenset(),
    )


def _agent_arguments(turn: _Turn, model: BaseChatModel) -> dict[str, Any]:
    """What the agent needs for a turn, streamed or not."""
    return {
        "model": model,
        "message": turn.message,
        "user": turn.user,
        "language": turn.language,
        "summary": turn.summary,
        "recent": turn.recent,
        "pain_areas": turn.pain_labels,
        "limitations": turn.limitation_labels,
    }


def _safety_answer(turn: _Turn) -> _Answer | None:
    """Support, never coaching and never the model, when the message speaks of self-harm."""
    if not safety.mentions_self_harm(turn.message):
        return None
    text = safety.SELF_HARM_SUPPORT["fr" if turn.language == "fr" else "en"]
    return _Answer(text=text, engine="rules", fallback=fallback(FallbackReason.SAFETY), intent="support", exercises=[])


def _rules_answer(turn: _Turn, reason: Fallback) -> _Answer:
    reply: RulesReply = rules_reply(
        turn.message, user=turn.user, language=turn.language, summary=turn.summary, recent=turn.recent
    )
    return _Answer(text=reply.text, engine="rules", fallback=reason, intent=reply.intent, exercises=reply.exercises)


def _named_in(reply: agent.AgentReply) -> list[Exercise]:
    """The library exercises an answer names: those it cites from its searches, and any other whose
    English or French name appears in the text (one query)."""
    text = reply.text.lower()
    named = Q(id__in=[exercise["id"] for exercise in reply.exercises])
    for field in ("exercise_en", "exercise_fr"):
        position = StrIndex(Value(text), Lower(field))
        named |= Q(**{f"{field}__isnull": False, f"{field}__regex": r"^.{4,}$"}) & Q(
            id__in=Exercise.objects.annotate(position=position).filter(position__gt=0).values("id")
        )
    return list(Exercise.objects.filter(named))


def _agent_answer(turn: _Turn, reply: agent.AgentReply) -> _Answer:
    """The agent's reply as the answer, after the safety check: it must not name an exercise that
    loads an area the message says hurts or the user's limitations name (InvalidModelOutput
    otherwise, and the rules answer), and after a mention of pain it follows the notice."""
    if turn.avoid and any(loads_area(exercise, turn.avoid) for exercise in _named_in(reply)):
        raise InvalidModelOutput("the answer recommends an exercise that loads a painful or limited area")
    text = f"{turn.notice}\n\n{reply.text}" if turn.notice else reply.text
    return _Answer(text=text, engine="llm", fallback=None, intent=turn.intent.name, exercises=reply.exercises)


def _store(turn: _Turn, answer: _Answer) -> int:
    """Store the question and the answer in one transaction; returns the session's message count.
    Raises Conflict when the session ended or expired meanwhile (the answer is then not kept)."""
    pain = sorted(safety.mentions_pain(turn.message) - {safety.UNSPECIFIED})
    question_context = {
        "language": turn.language,
        "intent": answer.intent,
        "muscles": list(turn.intent.muscles),
        "equipment": list(turn.intent.equipment),
        "exercise_query": turn.intent.exercise_query,
        "pain_areas": pain,
    }
    reason = answer.fallback.reason.value if answer.fallback else None
    answer_context = {
        "engine": answer.engine,
        "fallback_reason": reason,
        "intent": answer.intent,
        "exercise_ids": [exercise["id"] for exercise in answer.exercises],
        "exercises": answer.exercises,
        "language": turn.language,
    }
    count = 0
    with transaction.atomic():
        session = AgentSession.objects.select_for_update().filter(id=turn.session.id).first()
        if session is None:
            raise NotFound(memory.NOT_FOUND_DETAIL)
        usable = session.status == AgentSession.Status.ACTIVE and not memory.session_is_expired(session)
        if usable:
            session.language = turn.language
            memory.memory_append(session, Conversation.Role.USER, turn.message, question_context)
            memory.memory_append(session, Conversation.Role.ASSISTANT, answer.text, answer_context)
            count = session.messages.count()
    if not usable:
        memory.session_ensure_usable(session)  # raises Conflict (and marks an expired session)
    turn.session.language, turn.session.last_message_at = session.language, session.last_message_at
    return count


def _result(turn: _Turn, answer: _Answer, message_count: int) -> dict[str, Any]:
    fields = (
        answer.fallback.as_fields()
        if answer.fallback
        else {"engine": answer.engine, "fallback_reason": None, "fallback_detail": None}
    )
    return {
        "session_id": str(turn.session.id),
        "reply": answer.text,
        **fields,
        "language": turn.language,
        "intent": answer.intent,
        "exercises": answer.exercises,
        "message_count": message_count,
    }


def _fold(turn: _Turn) -> None:
    """Fold older messages into the summary; a failure here never loses the answer already stored."""
    try:
        memory.memory_fold(turn.session)
    except Exception:
        logger.exception("folding the memory of chat session %s failed", turn.session.id)


def chat_turn(
    *, message: str, user: User | None, session_id: uuid.UUID | str | None = None, language: str | None = None
) -> dict[str, Any]:
    """Answer one chat message and store the exchange.

    Without `session_id` a new session starts (anonymous when `user` is None). `language` forces the
    answer's language; by default it is the message's. Raises ValidationError (abusive message),
    NotFound (unknown session, or another user's) and Conflict (ended or expired session).

    Returns {"session_id", "reply", "engine", "fallback_reason", "fallback_detail", "language",
    "intent", "exercises": [{"id", "name"}], "message_count"}."""
    turn = _prepare(message=message, user=user, session_id=session_id, language=language)
    model = llm.chat_model("chat")
    supported = _safety_answer(turn)
    if supported is not None:
        answer = supported
    elif model is None:
        answer = _rules_answer(turn, fallback(FallbackReason.NOT_CONFIGURED))
    else:
        try:
            reply = agent.agent_reply(**_agent_arguments(turn, model))
            answer = _agent_answer(turn, reply)
        except Exception as error:
            answer = _rules_answer(turn, fallback_for(error, what="chat"))
    count = _store(turn, answer)
    _fold(turn)
    return _result(turn, answer, count)


def chat_stream(
    *, message: str, user: User | None, session_id: uuid.UUID | str | None = None, language: str | None = None
) -> Iterator[dict[str, Any]]:
    """Answer one chat message as events, storing the exchange once the answer is complete.

    Yields {"event": "start", "data": {"session_id"}}, then {"event": "token", "data": "<text>"}
    many times, then {"event": "done", "data": <what chat_turn returns>}. When the model fails after
    some tokens were sent, {"event": "reset", "data": {"fallback_reason"}} tells the client to drop
    the text so far, and the rules' answer follows as tokens. The same problems as chat_turn are
    raised by the first next(), before anything is stored."""
    turn = _prepare(message=message, user=user, session_id=session_id, language=language)
    return _stream(turn)


def _words(text: str) -> Iterator[dict[str, Any]]:
    for token in _TOKEN.findall(text):
        yield {"event": "token", "data": token}


def _stream(turn: _Turn) -> Iterator[dict[str, Any]]:
    yield {"event": "start", "data": {"session_id": str(turn.session.id)}}
    model = llm.chat_model("chat")
    answer: _Answer | None = _safety_answer(turn)
    if answer is not None:
        yield from _words(answer.text)
    elif model is None:
        answer = _rules_answer(turn, fallback(FallbackReason.NOT_CONFIGURED))
        yield from _words(answer.text)
    else:
        sent = bool(turn.notice)
        try:
            if turn.notice:
                yield from _words(f"{turn.notice}\n\n")
            for piece in agent.agent_stream(**_agent_arguments(turn, model)):
                if isinstance(piece, agent.AgentReply):
                    answer = _agent_answer(turn, piece)
                else:
                    sent = True
                    yield {"event": "token", "data": piece}
        except Exception as error:
            reason = fallback_for(error, what="chat stream")
            if sent:
                yield {"event": "reset", "data": {"fallback_reason": reason.reason.value}}
            answer = _rules_answer(turn, reason)
            yield from _words(answer.text)
        if answer is None:  # the agent ended without a reply: treated as an unusable answer
            answer = _rules_answer(turn, fallback(FallbackReason.INVALID_OUTPUT))
            if sent:
                yield {"event": "reset", "data": {"fallback_reason": FallbackReason.INVALID_OUTPUT.value}}
            yield from _words(answer.text)
    try:
        count = _store(turn, answer)
    except APIException as error:  # the session ended or expired while the answer was written
        yield {"event": "error", "data": api_problem(error)}
        return
    yield {"event": "done", "data": _result(turn, answer, count)}
    _fold(turn)
