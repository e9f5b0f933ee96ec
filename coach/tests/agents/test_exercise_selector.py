"""The exercise selector on the real library: its rules keep to the equipment, the limitations, the
level and the exercises to avoid, never load a muscle two training days running, keep today's session
off recovering muscles and give whole reps; a model's selection is used when it passes `check`, and
replaced by the rules' when it names an unknown or ruled-out exercise."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest

from accounts.tests.factories import UserFactory
from coach.agents import agent
from coach.agents.base import AgentContext
from coach.agents.exercise_selector import AGENT, SelectorInput, SelectorOutput
from coach.models import LLMCall
from coach.plan_validation import loaded_muscles
from coach.safety import contraindication_reasons
from coach.tests.fakes import ScriptedChatModel, structured, tool_call, use_model
from coach.workouts import WEEK_LAYOUT
from exercises.models import Exercise
from plans.models import PlanExercise
from tracking.tests.factories import UserPlanFactory, WorkoutLogFactory

pytestmark = pytest.mark.django_db

ANONYMOUS = AgentContext(user=None)
DUMBBELLS = SelectorInput(
    goal="strength", level="intermediate", days_per_week=3, session_minutes=45, equipment=["dumbbell"]
)


def _input(**changes: Any) -> SelectorInput:
    return DUMBBELLS.model_copy(update=changes)


def _items(output: SelectorOutput) -> list[Any]:
    return [exercise for session in output.sessions for exercise in session.exercises]


def _library(output: SelectorOutput) -> list[Exercise]:
    by_id = Exercise.objects.in_bulk([e.exercise_id for e in _items(output)])
    return [by_id[e.exercise_id] for e in _items(output)]


# ---- the rules -------------------------------------------------------------------------------------


def test_a_dumbbell_week_has_one_session_per_day_with_whole_reps_and_only_dumbbells():
    result = agent("exercise_selector").run(DUMBBELLS, ANONYMOUS)

    assert result.engine == "rules"
    assert result.fallback_reason == "not_configured"
    output = SelectorOutput.model_validate(result.output)
    assert output.split == "full_body"
    assert output.rest_day is False
    assert [s.index for s in output.sessions] == [1, 2, 3]
    assert [s.name for s in output.sessions] == ["Full body A", "Full body B", "Full body C"]
    for exercise in _items(output):
        assert isinstance(exercise.reps, int)
        assert exercise.duration_seconds is None or exercise.reps is None
        assert 1 <= exercise.sets <= 10
        assert 15 <= exercise.rest_seconds <= 300
        assert exercise.muscles
    for exercise in _library(output):
        assert set(exercise.equipments) <= {"dumbbell", "body weight"}, exercise.exercise_en
    # strength reps 4-6 become 5, the range said in the reason
    heavy = [e for e in _items(output) if e.reps == 5]
    assert heavy
    assert "Start at 5 reps (range 4-6)" in heavy[0].reason
    assert result.output["reasoning"][0]["decision"].startswith("Chose from")


def test_the_exercises_to_avoid_are_never_chosen_and_others_take_their_place():
    first = AGENT.rules(DUMBBELLS, ANONYMOUS)
    avoided = [session.exercises[0].exercise_id for session in first.sessions]

    again = AGENT.rules(_input(avoid_exercise_ids=avoided), ANONYMOUS)

    assert not set(avoided) & {e.exercise_id for e in _items(again)}
    assert all(len(session.exercises) >= 2 for session in again.sessions)
    assert again.reasoning[0].data["avoided_exercise_ids"] == sorted(set(avoided))


@pytest.mark.parametrize("limitation", ["knee", "back", "shoulder"])
def test_nothing_that_loads_a_stated_limitation_is_chosen(limitation):
    output = AGENT.rules(_input(equipment=[], limitations=[limitation], days_per_week=4), ANONYMOUS)

    assert _items(output)
    for exercise in _library(output):
        assert contraindication_reasons(exercise, {limitation}, "intermediate") == [], exercise.exercise_en


def test_a_beginner_gets_no_advanced_exercise():
    output = AGENT.rules(_input(level="beginner", equipment=[], days_per_week=5, goal="hypertrophy"), ANONYMOUS)
    assert all(exercise.difficulty != "advanced" for exercise in _library(output))


@pytest.mark.parametrize(
    ("days", "equipment"), [(6, []), (5, []), (4, ["dumbbell"]), (6, ["body weight"]), (5, ["resistance band"])]
)
def test_no_muscle_is_loaded_on_two_consecutive_training_days(days, equipment):
    output = AGENT.rules(_input(days_per_week=days, equipment=equipment, goal="hypertrophy"), ANONYMOUS)

    layout = WEEK_LAYOUT[days]
    ids = [e.exercise_id for e in _items(output)]
    muscles_of = {i: e.muscles for i, e in Exercise.objects.in_bulk(ids).items()}
    loaded = [loaded_muscles([e.model_dump() for e in s.exercises], muscles_of) for s in output.sessions]
    assert len(output.sessions) == days
    for index in range(1, days):
        if layout[index] == layout[index - 1] + 1:
            assert not loaded[index] & loaded[index - 1], (index, output.sessions[index].name)


def test_mobility_is_stretches_held_for_seconds():
    output = AGENT.rules(_input(goal="mobility", level="beginner", equipment=[]), ANONYMOUS)

    assert output.split == "mobility"
    assert {exercise.category for exercise in _library(output)} == {"stretching"}
    assert all(e.reps is None and e.duration_seconds == 45 for e in _items(output))


def test_french_names_and_reasons():
    output = AGENT.rules(DUMBBELLS, AgentContext(user=None, language="fr"))

    assert output.sessions[0].name == "Corps entier A"
    bench = Exercise.objects.get(exercise_en="Dumbbell Bench Press")
    assert bench.exercise_fr
    names = {e.exercise_id: e.name for e in _items(output)}
    if bench.id in names:
        assert names[bench.id] == bench.exercise_fr
    assert any("Commencez à 5 répétitions (fourchette 4-6)" in e.reason for e in _items(output))
    assert output.reasoning[0].decision.startswith("Choix parmi")


# ---- today ------------------------------------------------------------------------------------------


def test_today_is_one_session_that_leaves_the_recovering_muscles_alone():
    data = _input(
        mode="today", equipment=[], days_per_week=4, goal="general_fitness", recent_muscles=["chest", "quadriceps"]
    )

    output = AGENT.rules(data, ANONYMOUS)

    assert output.rest_day is False
    assert len(output.sessions) == 1
    session = output.sessions[0]
    assert session.name == "Upper body"  # the week's session that trains the least of chest and legs
    assert len(session.exercises) >= 2
    for exercise in _library(output):
        assert not {"chest", "quadriceps"} & set(exercise.muscles), exercise.exercise_en


def test_today_is_a_rest_day_when_recovery_says_so():
    output = AGENT.rules(_input(mode="today", rest_recommended=True, recent_muscles=["chest"]), ANONYMOUS)

    assert output.rest_day is True
    assert output.sessions == []
    assert output.reasoning[0].decision == "Rest today."


def test_the_users_log_counts_as_recent_training_and_brings_the_next_load():
    bench = PlanExercise.objects.filter(exercise__exercise_en="Dumbbell Bench Press", plan__is_template=True).first()
    assert bench is not None
    user_plan = UserPlanFactory.create(plan=bench.plan)
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    WorkoutLogFactory(
        user_plan=user_plan, plan_exercise=bench, date_performed=yesterday, weight_kg=20, reps_completed=8
    )
    ctx = AgentContext(user=user_plan.user)

    today = AGENT.rules(_input(mode="today", equipment=["dumbbell"]), ctx)
    week = AGENT.rules(_input(days_per_week=3), ctx)

    assert all("chest" not in exercise.muscles for exercise in _items(today))
    reasons = [e.reason for e in _items(week) if e.exercise_id == bench.exercise_id]
    assert reasons, "the exercise the user logs is preferred"
    assert f"Last time ({yesterday.isoformat()}): 3 x 8 at 20 kg" in reasons[0]


# ---- the model --------------------------------------------------------------------------------------


def _answer(output: SelectorOutput) -> dict[str, Any]:
    answer = output.model_dump(mode="json")
    answer["reasoning"] = [{"decision": "Full body three times", "why": "Three days a week", "data": {}}]
    return answer


def test_a_valid_model_selection_is_used_and_the_candidates_tool_keeps_to_the_equipment(monkeypatch):
    valid = _answer(AGENT.rules(DUMBBELLS, ANONYMOUS))
    for session in valid["sessions"]:
        for exercise in session["exercises"]:
            exercise["reason"] = "Chosen by the model."
    model = ScriptedChatModel(
        script=[tool_call("list_candidates", {"muscles": ["chest"], "limit": 5}), structured("SelectorOutput", valid)]
    )
    use_model(monkeypatch, model)
    user = UserFactory.create()

    result = AGENT.run(DUMBBELLS, AgentContext(user=user))

    assert result.engine == "llm"
    assert result.fallback_reason is None
    assert result.output["sessions"][0]["exercises"][0]["reason"] == "Chosen by the model."
    assert result.output["reasoning"][0]["decision"] == "Full body three times"
    assert "list_candidates" in model.bound_tools
    assert "Suggested sessions" in model.prompt_text(0)
    tool_answer = json.loads(str(model.seen[1][-1].content))
    assert tool_answer["count"] == 5
    listed = Exercise.objects.in_bulk([row["id"] for row in tool_answer["exercises"]])
    assert all("chest" in e.muscles and set(e.equipments) <= {"dumbbell", "body weight"} for e in listed.values())
    assert all(isinstance(row["suggested"]["reps"], int) for row in tool_answer["exercises"])
    assert LLMCall.objects.filter(user=user, agent="exercise_selector").count() == 2


def test_a_model_selection_with_a_ruled_out_exercise_falls_back_to_the_rules(monkeypatch):
    answer = _answer(AGENT.rules(_input(limitations=["knee"]), ANONYMOUS))
    barbell = Exercise.objects.get(exercise_en="Barbell Bench Press - Medium Grip")
    lunges = Exercise.objects.get(exercise_en="Dumbbell Lunges")
    answer["sessions"][0]["exercises"][0].update(exercise_id=barbell.id, name=barbell.exercise_en)
    answer["sessions"][1]["exercises"][0].update(exercise_id=lunges.id, name=lunges.exercise_en)
    answer["sessions"][2]["exercises"][0].update(exercise_id=999_999)
    use_model(monkeypatch, ScriptedChatModel(script=[structured("SelectorOutput", answer)]))
    data = _input(limitations=["knee"])

    problems = AGENT.check(SelectorOutput.model_validate(answer), data, ANONYMOUS)
    result = AGENT.run(data, ANONYMOUS)

    assert "session 1, exercise 1 (Barbell Bench Press - Medium Grip): ruled out (needs barbell)" in problems
    assert any(p.startswith("session 2, exercise 1 (Dumbbell Lunges): ruled out (jumps, lunges") for p in problems)
    assert any(p.endswith("exercise id 999999 does not exist") for p in problems)
    assert result.engine == "rules"
    assert result.fallback_reason == "invalid_output"
    chosen = {e["exercise_id"] for s in result.output["sessions"] for e in s["exercises"]}
    assert not {barbell.id, lunges.id, 999_999} & chosen


def test_check_rejects_bad_doses_wrong_session_counts_and_avoided_exercises():
    output = AGENT.rules(DUMBBELLS, ANONYMOUS)
    avoided = output.sessions[0].exercises[1].exercise_id
    broken = output.model_copy(deep=True)
    first = broken.sessions[0].exercises[0]
    first.sets, first.rest_seconds, first.reps = 0, 500, 80
    broken.sessions[1].exercises[0].name = "Something else"
    broken.sessions = broken.sessions[:2]

    problems = AGENT.check(broken, _input(avoid_exercise_ids=[avoided]), ANONYMOUS)

    assert "2 sessions, 3 asked" in problems
    where = f"session 1, exercise 1 ({first.name})"
    assert f"{where}: sets 0 outside 1-10" in problems
    assert f"{where}: rest 500 s outside 15-300" in problems
    assert f"{where}: reps 80 outside 1-50" in problems
    assert any(p.endswith(f"exercise {avoided} is to be avoided") for p in problems)
    assert any("the name of exercise" in p for p in problems)
    assert AGENT.check(output, DUMBBELLS, ANONYMOUS) == []


def test_check_in_today_mode_wants_one_session_off_recent_muscles_or_a_rest_day_asked_for():
    data = _input(mode="today", equipment=[], recent_muscles=["chest"])
    output = AGENT.rules(data, ANONYMOUS)
    assert AGENT.check(output, data, ANONYMOUS) == []

    chest = Exercise.objects.filter(exercise_en__in=["Dumbbell Bench Press", "Dumbbell Flyes"]).order_by("id")
    heavy = output.model_copy(deep=True)
    for position, exercise in enumerate(chest):
        heavy.sessions[0].exercises[position].exercise_id = exercise.id
        heavy.sessions[0].exercises[position].name = exercise.exercise_en
    resting = SelectorOutput(split="full_body", sessions=[], rest_day=True)

    assert "today's session loads chest, trained in the last two days" in AGENT.check(heavy, data, ANONYMOUS)
    assert AGENT.check(resting, data, ANONYMOUS) == ["a rest day although recovery does not ask for one"]
    assert AGENT.check(resting, data.model_copy(update={"rest_recommended": True}), ANONYMOUS) == []
