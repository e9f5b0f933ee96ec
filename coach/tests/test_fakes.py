"""The test doubles behave like the models they stand for: the scripted model drives a real
`create_agent` tool loop and `with_structured_output`, and the stub server answers the real client."""

from __future__ import annotations

import pytest
from langchain.agents import create_agent
from langchain_core.tools import tool
from pydantic import BaseModel

from coach.llm import chat_model
from coach.tests.fakes import ScriptedChatModel, structured, tool_call
from coach.tests.openai_stub import OpenAIStub


class Reps(BaseModel):
    exercise: str
    reps: int


@tool
def count_sets(exercise: str) -> str:
    """How many sets of an exercise were logged."""
    return f"{exercise}: 4 sets"


def test_the_scripted_model_drives_a_real_agent_tool_loop():
    model = ScriptedChatModel(script=[tool_call("count_sets", {"exercise": "squat"}), "You did 4 sets of squats."])
    agent = create_agent(model, tools=[count_sets])

    result = agent.invoke({"messages": [{"role": "user", "content": "How many squat sets?"}]})

    assert result["messages"][-1].content == "You did 4 sets of squats."
    assert model.bound_tools == ["count_sets"]
    assert "squat: 4 sets" in model.prompt_text()  # the tool's answer reached the model


def test_the_scripted_model_gives_structured_output_and_raises_scripted_errors():
    model = ScriptedChatModel(script=[structured("Reps", {"exercise": "push-up", "reps": 12}), TimeoutError()])

    assert model.with_structured_output(Reps).invoke("How many push-ups?") == Reps(exercise="push-up", reps=12)
    with pytest.raises(TimeoutError):
        model.invoke("again")


@pytest.mark.django_db
def test_the_stub_server_answers_tool_calls_to_the_real_client(openai_stub: OpenAIStub):
    lunges = {"exercise": "lunge", "reps": 10}
    openai_stub.reply_tool_call("Reps", lunges).reply("done").reply_tool_call("Reps", lunges)
    model = chat_model("chat")
    assert model is not None

    assert model.with_structured_output(Reps).invoke("lunges?") == Reps(exercise="lunge", reps=10)
    assert model.invoke("and now?").content == "done"
    # ChatOpenAI asks for structured output with a JSON schema named after the class
    assert openai_stub.requests[0]["response_format"]["json_schema"]["name"] == "Reps"
    assert model.with_structured_output(Reps, method="function_calling").invoke("again") == Reps(
        exercise="lunge", reps=10
    )
