"""Chat sessions and the coach's memory of them: the last 10 messages verbatim and a running summary
of the older ones.

A session belongs to the user who started it, who alone may use or read it; an anonymous session
(no user) is usable by anyone holding its id. A session expires COACH_SESSION_TTL_HOURS (24) after
its last message, or after its start when it has none. Anonymous sessions are working memory only:
their messages are deleted when the session ends or expires. A user's session keeps its messages and,
when it ends, a summary of the whole conversation.

The summary comes from the cheap model (purpose "summary") when one is configured, else (or when the
model fails) from rules that list what was discussed: topics, muscles, exercises, pains and questions,
read from the messages' `context_data`, in the session's language.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from rest_framework.exceptions import NotFound

from coach import llm, safety
from coach.fallback import InvalidModelOutput, fallback_for
from coach.models import AgentSession, Conversation
from exercises.taxonomy import EQUIPMENT, MUSCLES, label
from movoai.errors import Conflict

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger("movoai.coach.memory")

RECENT_MESSAGES = 10
DEFAULT_TTL_HOURS = 24
MAX_SUMMARY_CHARS = 2000
SUMMARY_MAX_TOKENS = 400
PREVIEW_CHARS = 120
_QUOTE_CHARS = 80

NOT_FOUND_DETAIL = "No chat session with this id."
START_NEW = "Start a new session (POST /api/v1/ai/session/start) or send your message without a session_id."


# Time to live


def session_ttl() -> datetime.timedelta:
    """How long a session lives after its last message (COACH_SESSION_TTL_HOURS, default 24)."""
    return datetime.timedelta(hours=float(getattr(settings, "COACH_SESSION_TTL_HOURS", DEFAULT_TTL_HOURS)))


def session_expires_at(session: AgentSession) -> datetime.datetime:
    """When the session expires: its TTL after the last message, or after its start."""
    return (session.last_message_at or session.started_at) + session_ttl()


def session_is_expired(session: AgentSession, *, now: datetime.datetime | None = None) -> bool:
    """Whether the session is expired: marked so, or active and past its time to live."""
    if session.status == AgentSession.Status.EXPIRED:
        return True
    return session.status == AgentSession.Status.ACTIVE and session_expires_at(session) <= (now or timezone.now())


# Sessions


def session_start(*, user: User | None, language: str) -> AgentSession:
    """A new active chat session, for the user or anonymous (user None)."""
    return AgentSession.objects.create(user=user, language=language if language in ("en", "fr") else "en")


def _session_lookup(*, session_id: uuid.UUID | str, user: User | None, lock: bool = False) -> AgentSession:
    """The session with this id that `user` may use, else NotFound (also when it is another user's:
    a session id reveals nothing about sessions one may not use)."""
    try:
        key = session_id if isinstance(session_id, uuid.UUID) else uuid.UUID(str(session_id))
    except ValueError:
        raise NotFound(NOT_FOUND_DETAIL) from None
    sessions = AgentSession.objects.select_for_update() if lock else AgentSession.objects.all()
    session = sessions.filter(id=key).first()
    if session is None or (session.user_id is not None and (user is None or user.pk != session.user_id)):
        raise NotFound(NOT_FOUND_DETAIL)
    return session


def _expire(session: AgentSession) -> None:
    """Mark a session expired; an anonymous one loses its messages (its memory)."""
    with transaction.atomic():
        if session.user_id is None:
            session.messages.all().delete()
            session.summary, session.summarized_count = "", 0
        session.status = AgentSession.Status.EXPIRED
        session.save(update_fields=["status", "summary", "summarized_count"])


def session_ensure_usable(session: AgentSession) -> None:
    """Raise Conflict when the session cannot take messages any more (ended or expired)."""
    if session.status == AgentSession.Status.ENDED:
        raise Conflict(f"This chat session has ended. {START_NEW}")
    if session_is_expired(session):
        if session.status != AgentSession.Status.EXPIRED:
            _expire(session)
        hours = round(session_ttl().total_seconds() / 3600)
        raise Conflict(f"This chat session expired ({hours} hours without a message). {START_NEW}")


def session_get_active(*, session_id: uuid.UUID | str, user: User | None) -> AgentSession:
    """The active session `user` may chat in.

    NotFound: no such session, or another user's. Conflict (409): the session has ended or expired
    (an expired one is marked so on the way, and an anonymous one loses its messages)."""
    session = _session_lookup(session_id=session_id, user=user)
    session_ensure_usable(session)
    return session


def session_end(*, session_id: uuid.UUID | str, user: User | None) -> AgentSession:
    """End a session. A user's session keeps its messages and gets a summary of the whole
    conversation; an anonymous one loses its messages and summary (its memory is cleared).

    NotFound: no such session, or another user's. Conflict: it already ended or expired."""
    session = session_get_active(session_id=session_id, user=user)
    summary, covered = session.summary, session.summarized_count
    if session.user_id is not None:
        messages = list(session.messages.all())
        if messages:
            summary = _summarize(session, messages, start=session.summarized_count)
            covered = len(messages)
    with transaction.atomic():
        session = _session_lookup(session_id=session.id, user=user, lock=True)
        usable = session.status == AgentSession.Status.ACTIVE
        if usable:
            if session.user_id is None:
                session.messages.all().delete()
                summary, covered = "", 0
            session.summary, session.summarized_count = summary, covered
            session.status = AgentSession.Status.ENDED
            session.ended_at = timezone.now()
            session.save(update_fields=["summary", "summarized_count", "status", "ended_at"])
    if not usable:  # ended or expired meanwhile
        session_ensure_usable(session)
    return session


def sessions_purge_expired(*, now: datetime.datetime | None = None) -> int:
    """Delete anonymous sessions that expired or ended more than a TTL ago, with their messages,
    and mark users' sessions past their TTL expired (their messages stay). Returns how many
    sessions were deleted or marked."""
    now = now or timezone.now()
    cutoff = now - session_ttl()
    idle = Q(last_message_at__lte=cutoff) | Q(last_message_at__isnull=True, started_at__lte=cutoff)
    anonymous = AgentSession.objects.filter(user__isnull=True)
    with transaction.atomic():
        stale = anonymous.filter(
            (Q(status=AgentSession.Status.ACTIVE) & idle)
            | Q(status=AgentSession.Status.EXPIRED)
            | Q(status=AgentSession.Status.ENDED, ended_at__lte=cutoff)
        )
        stale_ids = list(stale.values_list("id", flat=True))
        Conversation.objects.filter(session_id__in=stale_ids).delete()
        AgentSession.objects.filter(id__in=stale_ids).delete()
        marked = (
            AgentSession.objects.filter(user__isnull=False, status=AgentSession.Status.ACTIVE)
            .filter(idle)
            .update(status=AgentSession.Status.EXPIRED)
        )
    return len(stale_ids) + marked


# Messages and memory


def memory_append(
    session: AgentSession, role: str, message: str, context_data: dict[str, Any] | None = None
) -> Conversation:
    """Store one message of the session (role "user" or "assistant") and move its last activity."""
    entry = Conversation.objects.create(
        session=session, user_id=session.user_id, role=role, message=message, context_data=context_data or {}
    )
    session.last_message_at = entry.timestamp
    session.save(update_fields=["last_message_at", "language"])
    return entry


def memory_context(session: AgentSession) -> tuple[str, list[Conversation]]:
    """What the coach remembers before answering: the running summary of the older messages and the
    last RECENT_MESSAGES messages verbatim, oldest first. Folds first when more than
    RECENT_MESSAGES messages are still outside the summary (a fold an earlier turn skipped)."""
    memory_fold(session)
    recent = list(session.messages.order_by("-timestamp", "-id")[:RECENT_MESSAGES])
    recent.reverse()
    return session.summary, recent


def memory_fold(session: AgentSession) -> bool:
    """Fold the messages older than the last RECENT_MESSAGES into the session's summary.

    The summary is written (the model may take a while: no lock is held meanwhile) only if no other
    fold advanced the session in between. Returns whether the summary changed."""
    total = session.messages.count()
    start = session.summarized_count
    end = total - RECENT_MESSAGES
    if end <= start:
        return False
    messages = list(session.messages.all()[:end])
    summary = _summarize(session, messages, start=start)
    with transaction.atomic():
        current = AgentSession.objects.select_for_update().get(id=session.id)
        if current.summarized_count != start:
            session.summary, session.summarized_count = current.summary, current.summarized_count
            return False
        current.summary, current.summarized_count = summary, end
        current.save(update_fields=["summary", "summarized_count"])
    session.summary, session.summarized_count = summary, end
    return True


# Summaries


def _summarize(session: AgentSession, messages: Sequence[Conversation], *, start: int) -> str:
    """The new summary of `messages` (all the messages it covers, oldest first): the model extends
    the previous summary with messages[start:]; the rules rebuild it from all of them."""
    model = llm.chat_model("summary", max_tokens=SUMMARY_MAX_TOKENS)
    if model is not None:
        try:
            return _summarize_with_model(model, session, messages[start:])
        except Exception as error:
            fallback_for(error, what="chat summary")
    return summarize_rules(messages, language=session.language)


_LANGUAGE_NAMES = {"en": "English", "fr": "French"}


def _summarize_with_model(model: Any, session: AgentSession, messages: Sequence[Conversation]) -> str:
    language = _LANGUAGE_NAMES.get(session.language, "English")
    instructions = (
        "You keep the memory of a conversation between a user and a fitness coach. Write an updated summary "
        f"in {language}, at most 150 words, plain text. Keep what the coach needs later: the user's goals, facts "
        "about them (pain or injuries mentioned, equipment, schedule, level, preferences), the exercises discussed "
        "by their names, plans made and open questions. Never add a medical diagnosis."
    )
    transcript = "\n".join(
        f"{'User' if entry.role == Conversation.Role.USER else 'Coach'}: {entry.message}" for entry in messages
    )
    prompt: list[BaseMessage] = [
        SystemMessage(instructions),
        HumanMessage(f"Summary so far:\n{session.summary or '(none)'}\n\nNew messages:\n{transcript}"),
    ]
    answer = llm.invoke_recorded(model, prompt, purpose="summary", user=session.user)
    text = str(answer.text).strip() if isinstance(answer, BaseMessage) else ""
    if not text:
        raise InvalidModelOutput("the summary is empty")
    return text[:MAX_SUMMARY_CHARS]


_TOPICS: dict[str, tuple[str, str]] = {
    "find_exercises": ("exercise ideas", "des idées d'exercices"),
    "explain_exercise": ("how to do an exercise", "la bonne exécution d'un exercice"),
    "plan_week": ("a weekly plan", "un programme de la semaine"),
    "progress": ("progress so far", "les progrès réalisés"),
    "today": ("what to do today", "la séance du jour"),
    "recap": ("a recap of the conversation", "un récapitulatif de la conversation"),
    "pain": ("pain or an injury", "une douleur ou une blessure"),
    "greeting": ("greetings", "des salutations"),
    "help": ("what the coach can do", "ce que le coach sait faire"),
    "unknown": ("other questions", "d'autres questions"),
}


def _unique(values: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value and value not in seen:
            seen[value] = None
    return list(seen)


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _QUOTE_CHARS else text[: _QUOTE_CHARS - 1].rstrip() + "…"


@dataclass(frozen=True)
class ConversationTopics:
    """What a run of messages was about, read from their context data."""

    message_count: int
    intents: list[str]
    muscles: list[str]
    equipment: list[str]
    exercises: list[str]
    pain_areas: list[str]
    questions: list[str]


def conversation_topics(messages: Sequence[Conversation]) -> ConversationTopics:
    """The topics, muscles, equipment, exercises (names), pain areas and questions of `messages`."""
    user_messages = [entry for entry in messages if entry.role == Conversation.Role.USER]
    coach_messages = [entry for entry in messages if entry.role != Conversation.Role.USER]

    def listed(entries: list[Conversation], key: str) -> list[str]:
        return _unique(str(v) for e in entries for v in (e.context_data.get(key) or []) if isinstance(v, str))

    exercise_names = _unique(
        str(exercise.get("name") or "")
        for entry in coach_messages
        for exercise in entry.context_data.get("exercises") or []
        if isinstance(exercise, dict)
    )
    intents = _unique(str(entry.context_data.get("intent") or "") for entry in user_messages)
    pain = listed(user_messages, "pain_areas")
    if pain and "pain" not in intents:
        intents.append("pain")
    return ConversationTopics(
        message_count=len(messages),
        intents=[intent for intent in intents if intent in _TOPICS],
        muscles=listed(user_messages, "muscles"),
        equipment=listed(user_messages, "equipment"),
        exercises=exercise_names,
        pain_areas=pain,
        questions=_unique(_quote(entry.message) for entry in user_messages),
    )


def _questions_shown(questions: list[str]) -> list[str]:
    # the first two questions (how it started) and the last three (where it went)
    return questions if len(questions) <= 5 else [*questions[:2], *questions[-3:]]


def summarize_rules(messages: Sequence[Conversation], *, language: str) -> str:
    """A summary of `messages` built by rules, in the language: the topics, muscles, equipment,
    exercises and pains discussed, and some of the questions asked."""
    topics = conversation_topics(messages)
    french = language == "fr"
    index = 1 if french else 0
    lines = [
        f"Plus tôt dans cette conversation ({topics.message_count} messages) :"
        if french
        else f"Earlier in this conversation ({topics.message_count} messages):"
    ]

    def line(en: str, fr: str, values: list[str]) -> None:
        if values:
            lines.append(f"- {fr} : {', '.join(values)}." if french else f"- {en}: {', '.join(values)}.")

    interesting = [intent for intent in topics.intents if intent not in ("greeting", "unknown")] or topics.intents
    line("Topics", "Sujets", [_TOPICS[intent][index] for intent in interesting])
    line("Muscles", "Muscles", [(label(MUSCLES, code, language) or code).lower() for code in topics.muscles])
    line("Equipment", "Matériel", [(label(EQUIPMENT, code, language) or code).lower() for code in topics.equipment])
    line("Exercises discussed", "Exercices évoqués", topics.exercises[:10])
    if topics.pain_areas:
        areas = [safety.area_label(area, language) for area in topics.pain_areas]
        lines.append(
            f"- Douleur signalée : {', '.join(areas)} (conseil donné : consulter un professionnel de santé)."
            if french
            else f"- Pain mentioned: {', '.join(areas)} (advised to see a health professional)."
        )
    questions = _questions_shown(topics.questions)
    if questions:
        quoted = "; ".join(f"« {q} »" if french else f'"{q}"' for q in questions)
        lines.append(f"- Questions posées : {quoted}." if french else f"- Questions asked: {quoted}.")
    return "\n".join(lines)[:MAX_SUMMARY_CHARS]


# Reads


def _message_data(entry: Conversation) -> dict[str, Any]:
    context = entry.context_data or {}
    return {
        "role": entry.role,
        "message": entry.message,
        "timestamp": entry.timestamp.isoformat(),
        "engine": context.get("engine"),
        "fallback_reason": context.get("fallback_reason"),
        "intent": context.get("intent"),
        "language": context.get("language"),
        "exercises": context.get("exercises") or [],
    }


def _iso(moment: datetime.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _status(session: AgentSession, now: datetime.datetime) -> str:
    return AgentSession.Status.EXPIRED.value if session_is_expired(session, now=now) else str(session.status)


def session_data(session: AgentSession, *, message_count: int | None = None) -> dict[str, Any]:
    """A session as the API shows it (without its messages)."""
    data: dict[str, Any] = {
        "session_id": str(session.id),
        "status": _status(session, timezone.now()),
        "language": session.language,
        "user_id": str(session.user_id) if session.user_id else None,
        "started_at": _iso(session.started_at),
        "last_message_at": _iso(session.last_message_at),
        "ended_at": _iso(session.ended_at),
        "expires_at": _iso(session_expires_at(session)) if session.status == AgentSession.Status.ACTIVE else None,
        "summary": session.summary,
    }
    data["message_count"] = session.messages.count() if message_count is None else message_count
    return data


def conversation_get(*, session_id: uuid.UUID | str, user: User | None) -> dict[str, Any]:
    """A session with its messages, oldest first.

    NotFound: no such session, another user's, or an anonymous session that expired (deleted on the
    way: its memory is gone). A user's expired or ended session stays readable by its user."""
    session = _session_lookup(session_id=session_id, user=user)
    if session.status == AgentSession.Status.ACTIVE and session_is_expired(session):
        _expire(session)
    if session.user_id is None and session.status == AgentSession.Status.EXPIRED:
        session.delete()
        raise NotFound(NOT_FOUND_DETAIL)
    messages = [_message_data(entry) for entry in session.messages.all()]
    return {**session_data(session, message_count=len(messages)), "messages": messages}


def user_conversations(*, user: User) -> list[dict[str, Any]]:
    """The user's chat sessions, newest first: status, message count, the first question (preview)
    and the summary."""
    sessions = (
        AgentSession.objects.filter(user=user).annotate(message_total=Count("messages")).order_by("-started_at", "-id")
    )
    first_questions: dict[uuid.UUID, str] = dict(
        Conversation.objects.filter(session__user=user, role=Conversation.Role.USER)
        .order_by("session_id", "timestamp", "id")
        .distinct("session_id")
        .values_list("session_id", "message")
    )
    conversations = []
    for session in sessions:
        preview = " ".join(first_questions.get(session.id, "").split())
        if len(preview) > PREVIEW_CHARS:
            preview = preview[: PREVIEW_CHARS - 1].rstrip() + "…"
        data = session_data(session, message_count=session.message_total)
        conversations.append({**data, "preview": preview})
    return conversations
