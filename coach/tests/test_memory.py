"""Chat sessions and the coach's memory on the real database: who may use a session, expiry after
24 hours, ending (summary kept for a user, memory cleared for anonymous), the last 10 messages plus
a running summary, and the purge."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.exceptions import NotFound

from accounts.tests.factories import UserFactory
from coach import memory
from coach.memory import (
    RECENT_MESSAGES,
    conversation_get,
    memory_append,
    memory_context,
    memory_fold,
    session_end,
    session_get_active,
    session_start,
    sessions_purge_expired,
    summarize_rules,
    user_conversations,
)
from coach.models import AgentSession, Conversation, LLMCall
from coach.tests.fakes import ScriptedChatModel, use_model
from movoai.errors import Conflict

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    return UserFactory.create(display_name="alice")


@pytest.fixture
def bob():
    return UserFactory.create(display_name="bob")


def exchange(session, question, answer, *, intent="find_exercises", muscles=(), exercises=(), pain=()):
    """One question and its answer, with the context data the chat service stores."""
    memory_append(
        session,
        "user",
        question,
        {"intent": intent, "muscles": list(muscles), "equipment": [], "pain_areas": list(pain), "language": "en"},
    )
    memory_append(
        session,
        "assistant",
        answer,
        {"engine": "rules", "intent": intent, "exercises": [dict(e) for e in exercises], "language": "en"},
    )


def age(session, hours):
    """Move the session's last activity back in time."""
    AgentSession.objects.filter(id=session.id).update(
        last_message_at=timezone.now() - datetime.timedelta(hours=hours),
        started_at=timezone.now() - datetime.timedelta(hours=hours),
    )
    session.refresh_from_db()


# Who may use a session


def test_an_anonymous_session_is_usable_by_whoever_holds_its_id(alice):
    session = session_start(user=None, language="fr")

    assert session_get_active(session_id=str(session.id), user=None) == session
    assert session_get_active(session_id=session.id, user=alice) == session
    assert (session.status, session.language) == ("active", "fr")


def test_a_users_session_is_theirs_alone_and_others_learn_nothing(alice, bob):
    session = session_start(user=alice, language="en")

    assert session_get_active(session_id=session.id, user=alice) == session
    for stranger in (bob, None):
        with pytest.raises(NotFound) as refused:
            session_get_active(session_id=session.id, user=stranger)
        assert str(refused.value.detail) == memory.NOT_FOUND_DETAIL
        with pytest.raises(NotFound):
            conversation_get(session_id=session.id, user=stranger)
        with pytest.raises(NotFound):
            session_end(session_id=session.id, user=stranger)


@pytest.mark.parametrize("session_id", [uuid.uuid4(), "not-a-uuid", ""])
def test_an_unknown_or_malformed_session_id_is_not_found(session_id):
    with pytest.raises(NotFound):
        session_get_active(session_id=session_id, user=None)


# Expiry


def test_a_session_expires_24_hours_after_its_last_message_and_an_anonymous_one_forgets():
    session = session_start(user=None, language="en")
    exchange(session, "Which exercises for chest?", "Try the Dumbbell Bench Press.")
    age(session, 23)
    assert session_get_active(session_id=session.id, user=None) == session

    age(session, 25)
    with pytest.raises(Conflict) as refused:
        session_get_active(session_id=session.id, user=None)

    assert "expired" in str(refused.value.detail)
    assert "Start a new session" in str(refused.value.detail)
    session.refresh_from_db()
    assert session.status == "expired"
    assert not Conversation.objects.filter(session=session).exists()
    with pytest.raises(NotFound):
        conversation_get(session_id=session.id, user=None)
    assert not AgentSession.objects.filter(id=session.id).exists()


def test_a_session_without_messages_expires_24_hours_after_it_started():
    session = session_start(user=None, language="en")
    age(session, 25)
    AgentSession.objects.filter(id=session.id).update(last_message_at=None)

    with pytest.raises(Conflict):
        session_get_active(session_id=session.id, user=None)


def test_the_time_to_live_comes_from_settings(settings):
    settings.COACH_SESSION_TTL_HOURS = 1
    session = session_start(user=None, language="en")
    age(session, 2)

    with pytest.raises(Conflict):
        session_get_active(session_id=session.id, user=None)


def test_a_users_expired_conversation_stays_readable_by_them(alice):
    session = session_start(user=alice, language="en")
    exchange(session, "Which exercises for chest?", "Try the Dumbbell Bench Press.")
    age(session, 30)

    conversation = conversation_get(session_id=session.id, user=alice)

    assert conversation["status"] == "expired"
    assert [m["message"] for m in conversation["messages"]] == [
        "Which exercises for chest?",
        "Try the Dumbbell Bench Press.",
    ]
    with pytest.raises(Conflict):
        session_get_active(session_id=session.id, user=alice)


# Ending


def test_ending_a_users_session_keeps_the_conversation_with_a_summary(alice):
    session = session_start(user=alice, language="en")
    exchange(
        session,
        "Which exercises for my calves?",
        "Try Standing Calf Raises.",
        muscles=["calves"],
        exercises=[{"id": 1, "name": "Standing Calf Raises"}],
    )

    ended = session_end(session_id=session.id, user=alice)

    assert ended.status == "ended"
    assert ended.ended_at is not None
    assert "calves" in ended.summary
    assert "Standing Calf Raises" in ended.summary
    assert Conversation.objects.filter(session=session).count() == 2
    with pytest.raises(Conflict) as refused:
        session_get_active(session_id=session.id, user=alice)
    assert "ended" in str(refused.value.detail)


def test_ending_an_anonymous_session_clears_its_memory():
    session = session_start(user=None, language="en")
    exchange(session, "Which exercises for chest?", "Try the Dumbbell Bench Press.")

    ended = session_end(session_id=session.id, user=None)

    assert (ended.status, ended.summary) == ("ended", "")
    assert not Conversation.objects.filter(session=session).exists()
    assert conversation_get(session_id=session.id, user=None)["messages"] == []


def test_ending_twice_is_a_conflict():
    session = session_start(user=None, language="en")
    session_end(session_id=session.id, user=None)

    with pytest.raises(Conflict):
        session_end(session_id=session.id, user=None)


# Memory: the last 10 messages and a running summary


def test_memory_keeps_the_last_ten_messages_and_summarises_the_older_ones():
    session = session_start(user=None, language="en")
    exchange(session, "Which exercises for my calves?", "Try Standing Calf Raises.", muscles=["calves"])
    for turn in range(2, 7):
        exchange(session, f"Question {turn}", f"Answer {turn}", intent="unknown")
    assert session.summary == ""

    assert memory_fold(session) is True

    summary, recent = memory_context(session)
    assert len(recent) == RECENT_MESSAGES
    assert [m.message for m in recent][:2] == ["Question 2", "Answer 2"]
    assert recent[-1].message == "Answer 6"
    assert session.summarized_count == 2
    # the fact of message 1, no longer among the recent messages, is in the summary
    assert "calves" in summary
    assert '"Which exercises for my calves?"' in summary
    assert memory_fold(session) is False


def test_memory_context_catches_up_a_fold_that_was_skipped():
    session = session_start(user=None, language="en")
    for turn in range(1, 9):
        exchange(session, f"Question {turn}", f"Answer {turn}", intent="unknown")

    summary, recent = memory_context(session)

    assert session.summarized_count == 16 - RECENT_MESSAGES
    assert "Question 1" in summary
    assert recent[0].message == "Question 4"


def test_the_summary_is_written_in_the_sessions_language():
    session = session_start(user=None, language="fr")
    exchange(session, "J'ai mal au genou", "Consultez un professionnel.", intent="unknown", pain=["knee"])

    summary = summarize_rules(list(session.messages.all()), language="fr")

    assert summary.startswith("Plus tôt dans cette conversation (2 messages)")
    assert "Douleur signalée : genou" in summary
    assert "« J'ai mal au genou »" in summary


def test_the_model_summarises_when_configured_and_the_rules_when_it_fails(monkeypatch):
    session = session_start(user=None, language="en")
    exchange(session, "I train for a marathon in May", "Great goal.", intent="unknown")
    for turn in range(2, 7):
        exchange(session, f"Question {turn}", f"Answer {turn}", intent="unknown")
    model = ScriptedChatModel(script=["The user trains for a marathon in May."])
    use_model(monkeypatch, model)

    memory_fold(session)

    assert session.summary == "The user trains for a marathon in May."
    assert "User: I train for a marathon in May" in model.prompt_text()
    assert "English" in model.prompt_text()
    assert LLMCall.objects.filter(purpose="summary").count() == 1

    exchange(session, "Question 7", "Answer 7", intent="unknown")
    use_model(monkeypatch, ScriptedChatModel(script=[RuntimeError("model down")]))
    memory_fold(session)

    assert session.summarized_count == 4
    assert session.summary.startswith("Earlier in this conversation (4 messages)")
    assert '"I train for a marathon in May"' in session.summary


# Reads


def test_a_conversation_has_its_messages_oldest_first_and_when_it_expires():
    session = session_start(user=None, language="en")
    exchange(session, "Which exercises for chest?", "Try the Dumbbell Bench Press.")

    conversation = conversation_get(session_id=session.id, user=None)

    assert conversation["session_id"] == str(session.id)
    assert conversation["status"] == "active"
    assert conversation["message_count"] == 2
    assert [m["role"] for m in conversation["messages"]] == ["user", "assistant"]
    assert conversation["messages"][1]["engine"] == "rules"
    expires = datetime.datetime.fromisoformat(conversation["expires_at"])
    last = datetime.datetime.fromisoformat(conversation["last_message_at"])
    assert expires - last == datetime.timedelta(hours=24)


def test_a_user_sees_their_conversations_newest_first_with_a_preview(alice, bob):
    first = session_start(user=alice, language="en")
    exchange(first, "Which exercises for chest?", "Try the Dumbbell Bench Press.")
    second = session_start(user=alice, language="fr")
    exchange(second, "Bonjour", "Bonjour !", intent="greeting")
    exchange(second, "Où j'en suis ?", "Aucune séance.", intent="progress")
    session_start(user=bob, language="en")

    conversations = user_conversations(user=alice)

    assert [c["session_id"] for c in conversations] == [str(second.id), str(first.id)]
    assert [(c["message_count"], c["preview"]) for c in conversations] == [
        (4, "Bonjour"),
        (2, "Which exercises for chest?"),
    ]
    assert user_conversations(user=bob)[0]["message_count"] == 0


def test_the_purge_deletes_expired_anonymous_sessions_and_marks_users_ones(alice):
    stale = session_start(user=None, language="en")
    exchange(stale, "hello", "Hello!", intent="greeting")
    age(stale, 25)
    fresh = session_start(user=None, language="en")
    idle = session_start(user=alice, language="en")
    exchange(idle, "hello", "Hello!", intent="greeting")
    age(idle, 25)

    assert sessions_purge_expired() == 2

    assert not AgentSession.objects.filter(id=stale.id).exists()
    assert not Conversation.objects.filter(session_id=stale.id).exists()
    idle.refresh_from_db()
    assert idle.status == "expired"
    assert idle.messages.count() == 2
    fresh.refresh_from_db()
    assert fresh.status == "active"
    assert sessions_purge_expired() == 0


def test_the_purge_command_reports_what_it_did(capsys):
    age(session_start(user=None, language="en"), 30)

    call_command("purge_chat_sessions")

    assert "chat sessions purged or expired: 1" in capsys.readouterr().out
