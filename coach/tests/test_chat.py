"""The chat service end to end on the real database: sessions, memory over 12+ turns, the rules when
no model is configured, the agent when one is (fake model, and the real ChatOpenAI against the stub
server), the fallback on any model failure, streaming, and what is (not) stored."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, SystemMessage
from langchain_core.outputs import ChatGenerationChunk
from rest_framework.exceptions import NotFound, ValidationError

from accounts.tests.factories import UserFactory
from coach.chat import chat_stream, chat_turn
from coach.memory import RECENT_MESSAGES, conversation_get, session_end, session_start
from coach.models import AgentSession, Conversation
from coach.tests.fakes import ScriptedChatModel, tool_call, use_model
from exercises.models import Exercise
from movoai.errors import Conflict

pytestmark = pytest.mark.django_db

RESULT_KEYS = {
    "session_id",
    "reply",
    "engine",
    "fallback_reason",
    "fallback_detail",
    "language",
    "intent",
    "exercises",
    "message_count",
}
# The acceptance check's 12 turns, the first one carrying a fact (calves) the summary must keep.
TWELVE_TURNS = [
    "Which exercises for my calves?",
    "Explain the dumbbell bench press.",
    "Plan a week of training for me.",
    "How am I doing?",
    "What should I do today?",
    "Which exercises for the back?",
    "Explain the goblet squat.",
    "Give me a leg workout.",
    "How many sets should I do?",
    "What about rest days?",
    "Which exercises for shoulders?",
    "Remind me what we talked about.",
]


@pytest.fixture
def alice():
    return UserFactory.create(display_name="alice")


@pytest.fixture
def bob():
    return UserFactory.create(display_name="bob")


def events_of(stream: Iterator[dict[str, Any]]) -> list[dict[str, Any]]:
    return list(stream)


def tokens_of(events: list[dict[str, Any]]) -> str:
    return "".join(event["data"] for event in events if event["event"] == "token")


class FailsMidStream(ScriptedChatModel):
    """A model whose stream breaks after two tokens (a dropped connection)."""

    def _stream(self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> Iterator[Any]:
        for token in ("Try ", "the "):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=token))
            if run_manager:
                run_manager.on_llm_new_token(token, chunk=chunk)
            yield chunk
        raise ConnectionError("the model's stream broke")


# The rules engine (no model configured)


def test_a_first_message_starts_a_session_and_the_rules_answer():
    result = chat_turn(message="Which exercises for chest with dumbbells?", user=None)

    assert set(result) == RESULT_KEYS
    assert (result["engine"], result["fallback_reason"]) == ("rules", "not_configured")
    assert result["fallback_detail"]
    assert (result["language"], result["intent"], result["message_count"]) == ("en", "find_exercises", 2)
    assert result["exercises"][0] == {"id": 222, "name": "Dumbbell Bench Press"}
    question, answer = Conversation.objects.filter(session_id=result["session_id"])
    assert (question.role, question.message, question.user) == (
        "user",
        "Which exercises for chest with dumbbells?",
        None,
    )
    assert answer.message == result["reply"]
    assert answer.context_data["engine"] == "rules"
    assert answer.context_data["fallback_reason"] == "not_configured"
    assert answer.context_data["exercise_ids"] == [e["id"] for e in result["exercises"]]
    assert question.context_data["muscles"] == ["chest"]


def test_a_users_chat_is_saved_as_theirs(alice):
    result = chat_turn(message="How am I doing?", user=alice)

    session = AgentSession.objects.get(id=result["session_id"])
    assert session.user == alice
    assert set(Conversation.objects.filter(session=session).values_list("user", flat=True)) == {alice.id}
    assert "no workouts logged" in result["reply"]


def test_a_french_question_gets_a_french_answer_and_a_short_follow_up_stays_french():
    first = chat_turn(message="Quels exercices pour les abdos ?", user=None)
    follow_up = chat_turn(message="ok", user=None, session_id=first["session_id"])

    assert first["language"] == "fr"
    assert first["reply"].startswith("Voici")
    assert follow_up["language"] == "fr"
    assert follow_up["reply"].startswith("Je ne suis pas sûr")


def test_the_language_asked_wins_over_the_messages():
    result = chat_turn(message="Which exercises for chest?", user=None, language="fr")

    assert result["language"] == "fr"
    assert result["reply"].startswith("Voici")


def chat_twelve_turns() -> tuple[str, dict[str, Any]]:
    """The twelve turns in one session: its id and the last result."""
    session_id: str | None = None
    result: dict[str, Any] = {}
    for message in TWELVE_TURNS:
        result = chat_turn(message=message, user=None, session_id=session_id)
        session_id = result["session_id"]
    assert session_id is not None
    return session_id, result


def test_twelve_turns_keep_the_last_ten_messages_and_a_summary_with_the_first_fact():
    session_id, result = chat_twelve_turns()

    conversation = conversation_get(session_id=session_id, user=None)
    session = AgentSession.objects.get(id=session_id)
    assert result["message_count"] == len(conversation["messages"]) == 24
    assert session.summarized_count == 24 - RECENT_MESSAGES
    assert "calves" in conversation["summary"]
    assert '"Which exercises for my calves?"' in conversation["summary"]
    assert conversation["messages"][-2]["message"] == "Remind me what we talked about."
    # the 12th turn answered from the memory
    assert result["intent"] == "recap"
    assert "Here is what we talked about:" in result["reply"]
    assert "calves" in result["reply"]


def test_after_twelve_turns_the_model_gets_the_summary_and_the_last_ten_messages(monkeypatch):
    session_id, _ = chat_twelve_turns()
    model = ScriptedChatModel(script=["Earlier you asked about your calves.", "The user asked about calves."])
    use_model(monkeypatch, model)

    result = chat_turn(message="What did I ask first?", user=None, session_id=session_id)

    assert result["engine"] == "llm"
    system, *history = model.seen[0]
    assert isinstance(system, SystemMessage)
    assert "Summary of the earlier conversation" in system.content
    assert "calves" in system.content
    assert len(history) == RECENT_MESSAGES + 1
    assert isinstance(history[-1], HumanMessage)
    assert history[-1].content == "What did I ask first?"
    # message 1 itself is no longer among the verbatim messages: only the summary carries it
    assert TWELVE_TURNS[0] not in [message.content for message in history]
    assert history[0].content == TWELVE_TURNS[7]
    # the next fold asked the model for the summary
    assert "You keep the memory of a conversation" in model.prompt_text(1)
    assert AgentSession.objects.get(id=session_id).summary == "The user asked about calves."


# Sessions


def test_an_ended_session_refuses_more_chat_and_stores_nothing():
    session_id = chat_turn(message="hello", user=None)["session_id"]
    session_end(session_id=session_id, user=None)

    with pytest.raises(Conflict) as refused:
        chat_turn(message="What should I do today?", user=None, session_id=session_id)

    assert "new session" in str(refused.value.detail)
    assert not Conversation.objects.filter(session_id=session_id).exists()


def test_a_session_idle_for_25_hours_has_expired():
    session_id = chat_turn(message="hello", user=None)["session_id"]
    AgentSession.objects.filter(id=session_id).update(last_message_at=timezone.now() - datetime.timedelta(hours=25))

    with pytest.raises(Conflict) as refused:
        chat_turn(message="hello again", user=None, session_id=session_id)

    assert "expired" in str(refused.value.detail)
    with pytest.raises(NotFound):
        conversation_get(session_id=session_id, user=None)


def test_another_user_cannot_continue_or_read_a_users_session(alice, bob):
    session_id = chat_turn(message="Which exercises for chest?", user=alice)["session_id"]

    for stranger in (bob, None):
        with pytest.raises(NotFound):
            chat_turn(message="hi", user=stranger, session_id=session_id)
        with pytest.raises(NotFound):
            chat_stream(message="hi", user=stranger, session_id=session_id)
        with pytest.raises(NotFound):
            conversation_get(session_id=session_id, user=stranger)
    assert Conversation.objects.filter(session_id=session_id).count() == 2


def test_a_started_session_is_used_by_the_chat():
    session = session_start(user=None, language="en")

    result = chat_turn(message="hello", user=None, session_id=str(session.id))

    assert result["session_id"] == str(session.id)
    assert result["intent"] == "greeting"


def test_an_abusive_message_is_refused_before_anything_is_stored():
    with pytest.raises(ValidationError) as refused:
        chat_turn(message="fuck you coach", user=None)

    assert "abusive" in str(refused.value.detail)
    assert not AgentSession.objects.exists()
    assert not Conversation.objects.exists()


# The model, and the fallback to the rules


def test_the_agent_answers_when_a_model_is_configured(monkeypatch):
    model = ScriptedChatModel(
        script=[
            tool_call("search_exercises", {"query": "dumbbell bench press"}),
            "The Dumbbell Bench Press is a great start.",
        ]
    )
    use_model(monkeypatch, model)

    result = chat_turn(message="Chest exercise with dumbbells?", user=None)

    assert (result["engine"], result["fallback_reason"], result["fallback_detail"]) == ("llm", None, None)
    assert result["reply"] == "The Dumbbell Bench Press is a great start."
    assert result["exercises"] == [{"id": 222, "name": "Dumbbell Bench Press"}]
    answer = Conversation.objects.get(role="assistant")
    assert (answer.context_data["engine"], answer.context_data["exercise_ids"]) == ("llm", [222])


def test_a_failing_agent_falls_back_to_the_rules_with_the_reason(monkeypatch):
    use_model(monkeypatch, ScriptedChatModel(script=[RuntimeError("model exploded")]))

    result = chat_turn(message="Which exercises for chest with dumbbells?", user=None)

    assert (result["engine"], result["fallback_reason"]) == ("rules", "model_error")
    assert "failed" in result["fallback_detail"]
    assert result["exercises"]
    assert Conversation.objects.get(role="assistant").context_data["fallback_reason"] == "model_error"


def test_an_agent_answer_without_text_is_invalid_output(monkeypatch):
    use_model(monkeypatch, ScriptedChatModel(script=[AIMessage(content="")]))

    result = chat_turn(message="Which exercises for chest?", user=None)

    assert (result["engine"], result["fallback_reason"]) == ("rules", "invalid_output")


def test_the_real_client_answers_then_falls_back_on_an_error_and_a_timeout(openai_stub):
    openai_stub.reply("Do three sets of ten goblet squats.").fail(500).hang(3.0)

    answered = chat_turn(message="Leg exercise?", user=None)
    session_id = answered["session_id"]
    failed = chat_turn(message="Which exercises for chest?", user=None, session_id=session_id)
    timed_out = chat_turn(message="Which exercises for chest?", user=None, session_id=session_id)

    assert (answered["engine"], answered["reply"]) == ("llm", "Do three sets of ten goblet squats.")
    assert (failed["engine"], failed["fallback_reason"]) == ("rules", "model_error")
    assert (timed_out["engine"], timed_out["fallback_reason"]) == ("rules", "timeout")
    assert failed["exercises"]
    assert timed_out["message_count"] == 6


# Streaming


def test_the_rules_stream_their_answer_word_by_word_then_the_result():
    events = events_of(chat_stream(message="Which exercises for the back?", user=None))

    start, *tokens, done = events
    assert start == {"event": "start", "data": {"session_id": done["data"]["session_id"]}}
    assert len(tokens) > 10
    assert {event["event"] for event in tokens} == {"token"}
    assert tokens_of(events) == done["data"]["reply"]
    assert set(done["data"]) == RESULT_KEYS
    assert done["data"]["engine"] == "rules"
    assert Conversation.objects.get(role="assistant").message == done["data"]["reply"]


def test_problems_surface_when_the_stream_is_asked_for_before_any_event():
    session_id = chat_turn(message="hello", user=None)["session_id"]
    session_end(session_id=session_id, user=None)

    with pytest.raises(Conflict):
        chat_stream(message="hello", user=None, session_id=session_id)
    with pytest.raises(ValidationError):
        chat_stream(message="kill yourself", user=None)


def test_the_model_streams_its_own_tokens(monkeypatch):
    use_model(monkeypatch, ScriptedChatModel(script=["Rest 90 seconds between sets."]))

    events = events_of(chat_stream(message="How long should I rest?", user=None))

    assert tokens_of(events) == "Rest 90 seconds between sets."
    assert events[-1]["data"]["engine"] == "llm"
    assert Conversation.objects.get(role="assistant").message == "Rest 90 seconds between sets."


def test_a_model_failing_mid_stream_is_reset_and_replaced_by_the_rules(monkeypatch):
    use_model(monkeypatch, FailsMidStream(script=["unused"]))

    events = events_of(chat_stream(message="Which exercises for chest with dumbbells?", user=None))

    names = [event["event"] for event in events]
    reset = names.index("reset")
    assert names[:reset] == ["start", "token", "token"]
    assert events[reset]["data"] == {"fallback_reason": "model_error"}
    done = events[-1]["data"]
    assert (done["engine"], done["fallback_reason"]) == ("rules", "model_error")
    assert tokens_of(events[reset:]) == done["reply"]
    # nothing partial was stored: the answer kept is the rules' one
    assert Conversation.objects.get(role="assistant").message == done["reply"]
    assert not done["reply"].startswith("Try the")


def test_the_real_client_streams_tokens_through_the_chat(openai_stub):
    openai_stub.reply("Squats build strong legs.")

    events = events_of(chat_stream(message="Legs?", user=None))

    assert [event["data"] for event in events if event["event"] == "token"] == ["Squats", " build", " strong", " legs."]
    assert (events[-1]["data"]["engine"], events[-1]["data"]["reply"]) == ("llm", "Squats build strong legs.")
    assert openai_stub.requests[0]["stream"] is True


def test_a_session_ended_while_the_answer_streams_stores_nothing_and_says_why():
    session = session_start(user=None, language="en")
    stream = chat_stream(message="Which exercises for chest?", user=None, session_id=session.id)
    assert next(stream)["event"] == "start"
    session_end(session_id=session.id, user=None)

    rest = list(stream)

    assert rest[-1]["event"] == "error"
    assert rest[-1]["data"]["status"] == 409
    assert not Conversation.objects.filter(session=session).exists()


def test_the_exercises_named_exist_in_the_library():
    result = chat_turn(message="Quels exercices pour les abdos ?", user=None)

    names = dict(
        Exercise.objects.filter(id__in=[e["id"] for e in result["exercises"]]).values_list("id", "exercise_fr")
    )
    assert {e["id"]: e["name"] for e in result["exercises"]} == names


# Pain, whichever engine answers


def test_with_pain_the_model_is_told_and_its_answer_follows_the_notice(monkeypatch):
    model = ScriptedChatModel(
        script=[tool_call("search_exercises", {"query": "bridge"}), "Try the Butt Lift (Bridge): 3 sets of 12."]
    )
    use_model(monkeypatch, model)

    result = chat_turn(message="My knee hurts, what can I do for my glutes?", user=None)

    assert result["engine"] == "llm"
    notice, answer = result["reply"].split("\n\n")
    assert "see a doctor or a physiotherapist" in notice
    assert answer == "Try the Butt Lift (Bridge): 3 sets of 12."
    assert "The user mentions pain or an injury (knee)" in model.seen[0][0].content


def test_a_model_recommending_an_exercise_that_loads_the_painful_area_is_overruled(monkeypatch):
    use_model(
        monkeypatch,
        ScriptedChatModel(
            script=[tool_call("search_exercises", {"query": "jump squat"}), "Do the Freehand Jump Squat, 3 sets of 10."]
        ),
    )

    result = chat_turn(message="My knee hurts, what leg exercises can I do?", user=None)

    assert (result["engine"], result["fallback_reason"]) == ("rules", "invalid_output")
    assert "Jump Squat" not in result["reply"]
    assert "see a doctor" in result["reply"]


def test_an_exercise_loading_the_painful_area_is_caught_even_without_a_search(monkeypatch):
    use_model(monkeypatch, ScriptedChatModel(script=["Lunges are great: try the barbell walking lunge."]))

    result = chat_turn(message="J'ai mal au genou, quoi faire pour les jambes ?", user=None)

    assert (result["engine"], result["fallback_reason"]) == ("rules", "invalid_output")
    assert "consultez un médecin" in result["reply"]


def test_a_streamed_answer_to_pain_starts_with_the_notice(monkeypatch):
    use_model(monkeypatch, ScriptedChatModel(script=["Rest it and train your upper body."]))

    events = events_of(chat_stream(message="J'ai mal au genou", user=None))

    text = tokens_of(events)
    assert text.startswith("Je ne peux pas poser de diagnostic.")
    assert text.endswith("\n\nRest it and train your upper body.")
    assert text == events[-1]["data"]["reply"]


def test_the_users_limitations_reach_the_model_and_bound_its_answer(monkeypatch):
    user = UserFactory.create(display_name="carol", limitations=["genou droit"])
    model = ScriptedChatModel(script=["Try the Barbell Walking Lunge."])
    use_model(monkeypatch, model)

    result = chat_turn(message="Give me a leg exercise", user=user)

    assert "The user's profile records limitations (knee)" in model.seen[0][0].content
    assert (result["engine"], result["fallback_reason"]) == ("rules", "invalid_output")
    assert "I left out exercises that load the knee." in result["reply"]
