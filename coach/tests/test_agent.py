"""The LLM agent with its tools, faked at the model boundary (ScriptedChatModel) and through the real
ChatOpenAI against the stub server: tool results reach the model, memory is in the prompt, the
tools stay bound to the request's user, and streaming yields the model's tokens."""

from __future__ import annotations

import datetime
import json

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from accounts.tests.factories import UserFactory
from coach import llm
from coach.agent import AgentReply, agent_reply, agent_stream, history_messages
from coach.fallback import InvalidModelOutput
from coach.memory import memory_append, session_start
from coach.models import LLMCall
from coach.tests.fakes import ScriptedChatModel, tool_call
from exercises.models import Exercise
from tracking.tests.factories import WorkoutLogFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime.now(datetime.UTC).date()


def tool_messages(model: ScriptedChatModel, call: int) -> list[ToolMessage]:
    return [message for message in model.seen[call] if isinstance(message, ToolMessage)]


def test_the_agent_searches_the_library_and_cites_what_it_found():
    bench = Exercise.objects.get(exercise_en="Dumbbell Bench Press")
    model = ScriptedChatModel(
        script=[
            tool_call("search_exercises", {"muscles": ["chest"], "equipment": ["dumbbell"]}),
            "Try the Dumbbell Bench Press: 3 sets of 10 reps.",
        ]
    )

    reply = agent_reply(model=model, message="Chest exercises with dumbbells?", user=None, language="en")

    assert reply.text == "Try the Dumbbell Bench Press: 3 sets of 10 reps."
    assert reply.tools_called == ["search_exercises"]
    assert reply.exercises == [{"id": bench.id, "name": "Dumbbell Bench Press"}]
    assert model.bound_tools == [
        "get_user_profile",
        "search_exercises",
        "get_workout_history",
        "calculate_fitness_metrics",
    ]
    (result,) = tool_messages(model, 1)
    first_found = json.loads(str(result.content))["exercises"][0]
    assert (first_found["id"], first_found["name"]) == (bench.id, "Dumbbell Bench Press")


def test_the_prompt_carries_the_persona_the_language_the_summary_and_the_last_messages():
    session = session_start(user=None, language="fr")
    memory_append(session, "user", "Quels exercices pour les mollets ?", {})
    memory_append(session, "assistant", "Essayez les extensions des mollets.", {})
    model = ScriptedChatModel(script=["Voici votre séance."])

    agent_reply(
        model=model,
        message="Et pour les épaules ?",
        user=None,
        language="fr",
        summary="L'utilisateur s'entraîne pour un marathon en mai.",
        recent=list(session.messages.all()),
    )

    system, *history = model.seen[0]
    assert isinstance(system, SystemMessage)
    assert "Answer in French" in system.content
    assert "never diagnose" in system.content
    assert "L'utilisateur s'entraîne pour un marathon en mai." in system.content
    assert [(type(m), m.content) for m in history] == [
        (HumanMessage, "Quels exercices pour les mollets ?"),
        (AIMessage, "Essayez les extensions des mollets."),
        (HumanMessage, "Et pour les épaules ?"),
    ]


def test_the_tools_read_the_requests_user_whatever_user_id_the_model_passes():
    alice, bob = UserFactory.create(display_name="alice"), UserFactory.create(display_name="bob")
    bench = Exercise.objects.get(exercise_en="Dumbbell Bench Press")
    WorkoutLogFactory(user=alice, exercise=bench, date_performed=TODAY, weight_kg=30)
    WorkoutLogFactory(user=bob, exercise=bench, date_performed=TODAY, weight_kg=99)
    model = ScriptedChatModel(
        script=[
            tool_call("get_workout_history", {"user_id": str(bob.id), "days": 30}),
            tool_call("get_user_profile", {"user_id": str(bob.id)}),
            "You lifted 30 kg.",
        ]
    )

    agent_reply(model=model, message="Show me Bob's history", user=alice, language="en")

    history = json.loads(str(tool_messages(model, 1)[0].content))
    assert [log["weight_kg"] for log in history["logs"]] == [30.0]
    profile = json.loads(str(tool_messages(model, 2)[1].content))
    assert profile["display_name"] == "alice"


def test_an_anonymous_agent_learns_that_no_user_is_known():
    model = ScriptedChatModel(script=[tool_call("get_workout_history", {}), "Sign in to be tracked."])

    agent_reply(model=model, message="How am I doing?", user=None, language="en")

    assert "No user is known" in json.loads(str(tool_messages(model, 1)[0].content))["error"]


def test_every_model_call_of_the_run_is_recorded_for_the_user():
    alice = UserFactory.create(display_name="alice")
    model = ScriptedChatModel(script=[tool_call("search_exercises", {"query": "squat"}), "Squat."])

    agent_reply(model=model, message="squat?", user=alice, language="en")

    assert LLMCall.objects.filter(purpose="chat", user=alice, succeeded=True).count() == 2


def test_a_run_that_ends_on_a_tool_call_or_an_empty_answer_is_invalid_output():
    with pytest.raises(InvalidModelOutput):
        agent_reply(model=ScriptedChatModel(script=[""]), message="hi", user=None, language="en")


def test_an_agent_that_loops_on_tools_is_stopped():
    loop = [tool_call("search_exercises", {"query": "squat"}) for _ in range(20)]

    with pytest.raises(Exception, match="Recursion limit"):
        agent_reply(model=ScriptedChatModel(script=loop), message="squat?", user=None, language="en")


def test_a_model_failure_propagates_to_the_caller():
    with pytest.raises(RuntimeError, match="boom"):
        agent_reply(model=ScriptedChatModel(script=[RuntimeError("boom")]), message="hi", user=None, language="en")


def test_streaming_yields_the_models_text_then_the_reply():
    model = ScriptedChatModel(script=["Do three sets of squats."])

    pieces = list(agent_stream(model=model, message="Legs?", user=None, language="en"))

    *tokens, reply = pieces
    assert isinstance(reply, AgentReply)
    assert len(tokens) > 1
    assert "".join(str(token) for token in tokens) == reply.text == "Do three sets of squats."


def test_history_messages_keep_the_roles():
    session = session_start(user=None, language="en")
    memory_append(session, "user", "Hi", {})
    memory_append(session, "assistant", "Hello!", {})

    messages = history_messages(list(session.messages.all()), "Chest?")

    assert [type(m) for m in messages] == [HumanMessage, AIMessage, HumanMessage]


# Through the real ChatOpenAI client and the stub OpenAI-compatible server


def test_the_real_client_calls_a_tool_then_answers(openai_stub):
    bench = Exercise.objects.get(exercise_en="Dumbbell Bench Press")
    openai_stub.reply_tool_call("search_exercises", {"query": "dumbbell bench press"})
    openai_stub.reply("The Dumbbell Bench Press works your chest.")
    model = llm.chat_model("chat")
    assert model is not None

    reply = agent_reply(model=model, message="Chest?", user=None, language="en")

    assert reply.text == "The Dumbbell Bench Press works your chest."
    assert reply.exercises == [{"id": bench.id, "name": "Dumbbell Bench Press"}]
    first, second = openai_stub.requests
    assert [tool["function"]["name"] for tool in first["tools"]] == [
        "get_user_profile",
        "search_exercises",
        "get_workout_history",
        "calculate_fitness_metrics",
    ]
    tool_results = [m for m in second["messages"] if m["role"] == "tool"]
    assert "Dumbbell Bench Press" in tool_results[0]["content"]
    calls = LLMCall.objects.filter(purpose="chat")
    assert [(c.model, c.input_tokens, c.output_tokens) for c in calls] == [("coach-large", 120, 30)] * 2


def test_the_real_client_streams_tokens_and_records_usage(openai_stub):
    openai_stub.reply("Rest 90 seconds between sets.")
    model = llm.chat_model("chat")
    assert model is not None

    *tokens, reply = agent_stream(model=model, message="Rest?", user=None, language="en")

    assert tokens == ["Rest", " 90", " seconds", " between", " sets."]
    assert isinstance(reply, AgentReply)
    assert reply.text == "Rest 90 seconds between sets."
    assert openai_stub.requests[0]["stream"] is True
    assert LLMCall.objects.get(purpose="chat").output_tokens == 30


def test_the_real_client_streams_after_a_tool_call(openai_stub):
    alice = UserFactory.create(display_name="alice")
    openai_stub.reply_tool_call("get_user_profile", {"user_id": "someone-else"})
    openai_stub.reply("Hello alice.")
    model = llm.chat_model("chat")
    assert model is not None

    *tokens, reply = agent_stream(model=model, message="Who am I?", user=alice, language="en")

    assert "".join(str(token) for token in tokens) == "Hello alice."
    assert isinstance(reply, AgentReply)
    assert reply.tools_called == ["get_user_profile"]
    tool_result = next(m for m in openai_stub.requests[1]["messages"] if m["role"] == "tool")
    assert json.loads(tool_result["content"])["display_name"] == "alice"
    assert LLMCall.objects.filter(purpose="chat", user=alice).count() == 2
