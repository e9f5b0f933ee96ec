"""The workout planner on the real library: its rules lay the selection out over the weeks with
rest days, periodise (deload every 4th week), progress reps then sets within the volume step, apply
the injury review's substitutions and the validator's notes, and turn a progress analysis into
suggested changes with reasons; a model's draft is used when it validates, else the rules answer."""

from __future__ import annotations

from typing import Any

import pytest

from coach.agents import agent
from coach.agents.base import AgentContext
from coach.agents.exercise_selector import AGENT as SELECTOR
from coach.agents.exercise_selector import SelectorInput
from coach.agents.workout_planner import AGENT, PlanDraft, PlannerInput
from coach.plan_validation import max_next_volume, session_minutes_estimate, validate_plan, weekly_volumes
from coach.tests.fakes import ScriptedChatModel, structured, tool_call, use_model
from coach.workouts import WEEK_LAYOUT
from exercises.models import Exercise

pytestmark = pytest.mark.django_db

ANONYMOUS = AgentContext(user=None)
PROFILE: dict[str, Any] = {
    "goal": "hypertrophy",
    "level": "intermediate",
    "days_per_week": 4,
    "session_minutes": 60,
    "equipment": ["dumbbell", "bench"],
    "limitations": [],
}


def _selection(**changes: Any) -> dict[str, Any]:
    data = SelectorInput(**{**PROFILE, **changes})
    return SELECTOR.rules(data, ANONYMOUS).model_dump(mode="json")


def _input(weeks: int = 8, **changes: Any) -> PlannerInput:
    profile = {**PROFILE, **{k: v for k, v in changes.items() if k in PROFILE}}
    rest = {k: v for k, v in changes.items() if k not in PROFILE}
    rest.setdefault("selection", _selection(**{k: v for k, v in profile.items() if k in PROFILE}))
    return PlannerInput(weeks=weeks, **profile, **rest)


def _revise(data: PlannerInput, **changes: Any) -> PlannerInput:
    return PlannerInput.model_validate({**data.model_dump(), **changes})


def _problems(draft: PlanDraft, data: PlannerInput) -> list[str]:
    return validate_plan(
        draft.model_dump(mode="json"),
        weeks=data.weeks,
        days_per_week=data.days_per_week,
        session_minutes=data.session_minutes,
        equipment=data.equipment,
        limitations=data.limitations,
        level=data.level,
    )


def _ids(draft: PlanDraft) -> set[int]:
    return {item.exercise_id for week in draft.weeks for day in week.days for item in day.exercises}


# ---- generate ---------------------------------------------------------------------------------------


def test_an_eight_week_plan_has_rest_days_a_deload_every_fourth_week_and_passes_the_validator():
    data = _input(weeks=8)

    result = agent("workout_planner").run(data, ANONYMOUS)

    assert result.engine == "rules"
    draft = PlanDraft.model_validate(result.output)
    assert _problems(draft, data) == []
    assert [week.week for week in draft.weeks] == list(range(1, 9))
    assert [week.phase for week in draft.weeks] == ["base", "build", "peak", "deload"] * 2
    assert draft.deload_weeks == [4, 8]
    assert draft.suggestions == []
    assert draft.title == "8-week muscle gain plan, 4 days a week"
    for week in draft.weeks:
        assert [day.day for day in week.days] == [1, 2, 3, 4, 5, 6, 7]
        assert [day.day for day in week.days if not day.rest] == list(WEEK_LAYOUT[4])
        assert all(day.exercises == [] for day in week.days if day.rest)
        assert all(day.name == "Rest" for day in week.days if day.rest)
    volumes = weekly_volumes(draft.model_dump())
    assert volumes[3] <= round(volumes[2] * 0.7)  # the deload keeps about 60 % of the sets
    assert volumes[7] <= round(volumes[6] * 0.7)
    assert draft.weeks[3].volume_factor < 0.75
    for index in (1, 2, 5, 6):  # loading weeks after loading weeks
        assert volumes[index] <= max_next_volume(volumes[index - 1])
    sessions = [d for d in draft.weeks[0].days if not d.rest]
    assert all(session_minutes_estimate([e.model_dump() for e in d.exercises], 60) <= 60 for d in sessions)


def test_reps_rise_to_the_top_of_the_range_then_a_set_is_added():
    draft = AGENT.rules(_input(weeks=4), ANONYMOUS)

    def doses(week: int) -> dict[tuple[int, int], Any]:
        return {(d.day, e.exercise_id): e for d in draft.weeks[week - 1].days for e in d.exercises}

    one, two, three, four = doses(1), doses(2), doses(3), doses(4)
    assert {e.reps for e in one.values()} <= {10, 11}  # 8-12 and 10-12: the middle
    for key, first in one.items():
        assert two[key].sets == first.sets  # week 2: reps first ...
        assert two[key].reps == 12
        assert "Up from last week" in two[key].notes
        assert four[key].sets < max(first.sets, three[key].sets)  # week 4: the deload
    added = [key for key in one if three[key].sets == two[key].sets + 1]
    assert added, "no set was added in week 3"
    for key in added:  # ... then a set, reps back to the bottom of the range
        assert three[key].reps == 8 if one[key].reps == 10 else three[key].reps == 10
        assert three[key].notes.startswith("One more set")
    volumes = weekly_volumes(draft.model_dump())
    assert volumes[0] == volumes[1] < volumes[2] <= max_next_volume(volumes[1])  # within the step
    adjustments = draft.reasoning[0].data["adjustments"]
    assert any("left out to leave room for more sets" in change for change in adjustments)


def test_a_four_week_plan_deloads_in_week_four_and_short_plans_do_not_deload():
    four = AGENT.rules(_input(weeks=4), ANONYMOUS)
    three = AGENT.rules(_input(weeks=3), ANONYMOUS)

    assert four.deload_weeks == [4]
    assert four.weeks[3].phase == "deload"
    assert three.deload_weeks == []
    assert [week.phase for week in three.weeks] == ["base", "build", "peak"]


def test_short_sessions_are_trimmed_to_their_minutes():
    data = _input(weeks=4, session_minutes=20, goal="strength")

    draft = AGENT.rules(data, ANONYMOUS)

    assert _problems(draft, data) == []
    for week in draft.weeks:
        for day in week.days:
            if not day.rest:
                assert session_minutes_estimate([e.model_dump() for e in day.exercises], 20) <= 20


def test_the_injury_reviews_substitutions_replace_the_exercise_in_every_week():
    data = _input(weeks=4)
    first = AGENT.rules(data, ANONYMOUS)
    flagged = next(d for d in first.weeks[0].days if not d.rest).exercises[0]
    substitute = Exercise.objects.get(exercise_en="Incline Dumbbell Press")
    if flagged.exercise_id == substitute.id:
        substitute = Exercise.objects.get(exercise_en="Dumbbell Flyes")

    revised = AGENT.rules(
        _revise(data, substitutions=[{"exercise_id": flagged.exercise_id, "substitute_id": substitute.id}]),
        ANONYMOUS,
    )

    assert flagged.exercise_id not in _ids(revised)
    assert substitute.id in _ids(revised)
    assert all(
        substitute.id in {e.exercise_id for e in day.exercises}
        for week in revised.weeks
        for day in week.days
        if day.name == next(d for d in first.weeks[0].days if not d.rest).name and not day.rest
    )
    assert _problems(revised, data) == []
    revision = next(step for step in revised.reasoning if step.decision == "Revised the draft as the reviews asked.")
    assert revision.data["replaced"][0]["by"] == substitute.id


def test_a_validator_note_naming_an_exercise_replaces_it_with_one_for_the_same_muscle():
    data = _input(weeks=4)
    first = AGENT.rules(data, ANONYMOUS)
    day = next(d for d in first.weeks[1].days if not d.rest)
    named = day.exercises[1]
    note = f"week 2, day {day.day}, exercise 2 ({named.name}): ruled out (the user rejected it)"
    muscles = set(Exercise.objects.get(id=named.exercise_id).muscles)

    revised = AGENT.rules(
        _revise(
            data,
            revision_notes=[note, "week 3: 99 sets in all, more than 10% over week 2's 80", "make it fun"],
            previous_draft=first.model_dump(mode="json"),
        ),
        ANONYMOUS,
    )

    assert named.exercise_id not in _ids(revised)
    revision = next(step for step in revised.reasoning if step.decision == "Revised the draft as the reviews asked.")
    replacement = Exercise.objects.get(id=revision.data["replaced"][0]["by"])
    assert muscles & set(replacement.muscles)
    assert revision.data["met_by_construction"] == ["week 3: 99 sets in all, more than 10% over week 2's 80"]
    assert revision.data["not_understood"] == ["make it fun"]
    assert _problems(revised, data) == []


def test_without_a_selection_the_planner_asks_the_selectors_rules():
    data = PlannerInput(weeks=6, days_per_week=3, goal="muscle_gain", level="beginner", session_minutes=40)

    draft = AGENT.rules(data, ANONYMOUS)

    assert draft.reasoning[0].data["source"] == "selector_rules"
    assert _problems(draft, data) == []
    assert draft.deload_weeks == [4]


def test_french_plan():
    draft = AGENT.rules(_input(weeks=4), AgentContext(user=None, language="fr"))

    assert draft.title == "Programme prise de muscle : 4 semaines, 4 jours par semaine"
    assert draft.weeks[0].days[2].name == "Repos"
    assert draft.weeks[3].days[0].exercises[0].notes.startswith("Décharge")


# ---- optimize ---------------------------------------------------------------------------------------


def _current_plan(weeks: int = 4, *, with_deload: bool = True) -> dict[str, Any]:
    draft = AGENT.rules(_input(weeks=weeks), ANONYMOUS).model_dump(mode="json")
    if not with_deload:
        for week in draft["weeks"]:
            week["phase"] = "base"
            week["days"] = draft["weeks"][0]["days"]
    return {"plan_id": 42, "weeks": draft["weeks"]}


def _optimize(analysis: dict[str, Any] | None, weeks: int = 4, **changes: Any) -> PlanDraft:
    data = PlannerInput(
        mode="optimize",
        weeks=weeks,
        days_per_week=4,
        goal="hypertrophy",
        level="intermediate",
        session_minutes=60,
        equipment=["dumbbell", "bench"],
        analysis=analysis,
        current_plan=changes.pop("current_plan", None) or _current_plan(),
        **changes,
    )
    return AGENT.rules(data, ANONYMOUS)


def _analysis(**changes: Any) -> dict[str, Any]:
    base = {
        "has_history": True,
        "workouts_count": 20,
        "sessions_per_week": 3.5,
        "adherence": 0.85,
        "streak_days": 3,
        "plateaus": [],
        "recovery": {"recent_muscles": [], "fatigue": "low", "avg_rpe": 7.0, "rest_recommended": False},
    }
    return {**base, **changes}


def test_a_short_plateau_calls_for_more_load_and_a_long_one_for_a_similar_exercise():
    bench = Exercise.objects.get(exercise_en="Dumbbell Bench Press")
    curl = Exercise.objects.get(exercise_en="Dumbbell Bicep Curl")
    plateaus = [
        {"exercise_id": bench.id, "name": bench.exercise_en, "weeks_flat": 2, "suggestion": ""},
        {"exercise_id": curl.id, "name": curl.exercise_en, "weeks_flat": 5, "suggestion": ""},
    ]

    draft = _optimize(_analysis(plateaus=plateaus))

    by_exercise = {s.exercise_id: s for s in draft.suggestions}
    assert by_exercise[bench.id].change == "progress_load"
    assert "flat for 2 weeks" in by_exercise[bench.id].why
    replace = by_exercise[curl.id]
    assert replace.change == "replace"
    assert replace.suggested_exercise_id is not None
    similar = Exercise.objects.get(id=replace.suggested_exercise_id)
    assert "biceps" in similar.muscles
    assert set(similar.equipments) <= {"dumbbell", "bench", "body weight"}
    assert "5 weeks" in replace.why
    assert len(draft.weeks) == 4  # the current plan, as it is


def test_high_fatigue_calls_for_a_deload_and_less_volume():
    recovery = {"recent_muscles": ["chest"], "fatigue": "high", "avg_rpe": 9.2, "rest_recommended": True}

    draft = _optimize(_analysis(recovery=recovery))

    changes = [s.change for s in draft.suggestions]
    assert "deload" in changes
    assert "reduce_volume" in changes
    assert "average RPE 9.2" in next(s.why for s in draft.suggestions if s.change == "deload")


def test_low_adherence_calls_for_fewer_days_and_shorter_sessions():
    draft = _optimize(_analysis(adherence=0.4))

    changes = {s.change: s.why for s in draft.suggestions}
    assert "You completed 40% of planned sessions: 3 days a week" in changes["add_rest_day"]
    assert "reduce_volume" in changes


def test_without_history_a_plan_without_deload_gets_one_and_good_progress_gets_a_set():
    no_history = _optimize(None, current_plan=_current_plan(6, with_deload=False), weeks=6)
    steady = _optimize(_analysis(adherence=0.95))

    assert [(s.change, s.week) for s in no_history.suggestions] == [("deload", 4)]
    assert no_history.reasoning[1].data == {"has_history": False}
    assert [s.change for s in steady.suggestions] == ["add_set"]


# ---- the model --------------------------------------------------------------------------------------


def test_a_valid_model_draft_is_used(monkeypatch):
    data = _input(weeks=4)
    answer = AGENT.rules(data, ANONYMOUS).model_dump(mode="json")
    answer["title"] = "Your 4-week hypertrophy block"
    curl = Exercise.objects.get(exercise_en="Dumbbell Bicep Curl")
    model = ScriptedChatModel(
        script=[tool_call("similar_exercises", {"exercise_id": curl.id, "limit": 3}), structured("PlanDraft", answer)]
    )
    use_model(monkeypatch, model)

    result = AGENT.run(data, ANONYMOUS)

    assert result.engine == "llm"
    assert result.output["title"] == "Your 4-week hypertrophy block"
    assert "similar_exercises" in model.bound_tools
    assert '"similar"' in model.prompt_text()  # the tool's answer reached the model
    assert '"deload_weeks": [4]' in model.prompt_text(0)


def test_a_model_draft_that_fails_the_validator_falls_back_to_the_rules(monkeypatch):
    data = _input(weeks=4)
    answer = AGENT.rules(data, ANONYMOUS).model_dump(mode="json")
    for day in answer["weeks"][1]["days"]:
        for item in day["exercises"]:
            item["sets"] += 2  # a jump in volume
    answer["weeks"] = answer["weeks"][:3]
    use_model(monkeypatch, ScriptedChatModel(script=[structured("PlanDraft", answer)]))

    problems = AGENT.check(PlanDraft.model_validate(answer), data, ANONYMOUS)
    result = AGENT.run(data, ANONYMOUS)

    assert "the plan has 3 weeks, 4 asked" in problems
    assert any(p.startswith("week 2: ") and "more than 10% over week 1's" in p for p in problems)
    assert result.engine == "rules"
    assert result.fallback_reason == "invalid_output"
    assert len(result.output["weeks"]) == 4


def test_a_model_suggestion_with_an_unknown_exercise_falls_back_to_the_rules_suggestions(monkeypatch):
    answer = {
        "title": "Changes",
        "summary": "One change",
        "weeks": [],
        "deload_weeks": [],
        "suggestions": [{"change": "replace", "exercise_id": 999_999, "suggested_exercise_id": None, "why": "x"}],
    }
    use_model(monkeypatch, ScriptedChatModel(script=[structured("PlanDraft", answer)]))
    data = PlannerInput(
        mode="optimize", weeks=4, days_per_week=4, current_plan=_current_plan(), analysis=_analysis(adherence=0.4)
    )

    problems = AGENT.check(PlanDraft.model_validate(answer), data, ANONYMOUS)
    result = AGENT.run(data, ANONYMOUS)

    assert problems == [
        "suggestion 1 (replace): exercise id 999999 does not exist",
        "suggestion 1 (replace): a replacement names no exercise",
    ]
    assert result.fallback_reason == "invalid_output"
    assert {s["change"] for s in result.output["suggestions"]} >= {"add_rest_day", "reduce_volume"}


def test_the_injury_reviews_and_the_workflows_notes_are_understood():
    data = _input(weeks=4)
    first = AGENT.rules(data, ANONYMOUS)
    days = [d for d in first.weeks[0].days if not d.rest]
    flagged, moved, rejected = days[0].exercises[0], days[1].exercises[-1], days[2].exercises[1]
    substitute = next(
        e
        for e in Exercise.objects.filter(muscles__overlap=Exercise.objects.get(id=flagged.exercise_id).muscles[:1])
        .filter(equipments__contained_by=["dumbbell", "bench", "body weight"], difficulty="beginner")
        .order_by("id")
        if e.id not in _ids(first)
    )
    notes = [
        f"injury review: Replace exercise {flagged.exercise_id} ({flagged.name}) with exercise {substitute.id} "
        f"({substitute.exercise_en}): it loads the knee.",
        f"injury review: Move exercise {moved.exercise_id} ({moved.name}) to another day: a second heavy hinge.",
        f"week 1, day {days[2].day}: {rejected.name} (id {rejected.exercise_id}) was rejected by the user's "
        "feedback; replace it",
        "injury review: Cut sets of exercises 1, 2 on week 1, day 1: 18 sets for the chest, at most 16.",
    ]

    revised = AGENT.rules(
        _revise(
            data,
            revision_notes=notes,
            substitutions=[{"exercise_id": flagged.exercise_id, "substitute_id": substitute.id}],
            previous_draft=first.model_dump(mode="json"),
        ),
        ANONYMOUS,
    )

    ids = _ids(revised)
    assert substitute.id in ids  # the substitute stays: "with exercise ..." names it, it is not a target
    assert not {flagged.exercise_id, moved.exercise_id, rejected.exercise_id} & ids
    revision = next(step for step in revised.reasoning if step.decision == "Revised the draft as the reviews asked.")
    assert {"exercise_id": moved.exercise_id, "session": 2} in revision.data["removed"]  # "move": removed
    assert any(r["exercise_id"] == rejected.exercise_id for r in revision.data["replaced"])
    assert revision.data["done_by_substitutions"] == [notes[0]]
    assert revision.data["met_by_construction"] == [notes[3]]
    assert revision.data["not_understood"] == []
    assert _problems(revised, data) == []


def test_a_stored_plan_with_missing_fields_and_a_lighter_fourth_week_is_read():
    stored = _current_plan(8)
    for week in stored["weeks"]:
        week.pop("phase")
        week.pop("volume_factor")
        for day in week["days"]:
            for item in day["exercises"]:
                item["notes"] = None
    stored["weeks"][0]["days"][0]["exercises"][0]["rest_seconds"] = None

    draft = _optimize(None, current_plan=stored, weeks=8)

    assert len(draft.weeks) == 8
    assert draft.weeks[0].days[0].exercises[0].rest_seconds == 60
    assert draft.suggestions == []  # its weeks 4 and 8 are lighter: deloads, nothing to suggest


def test_the_progression_step_is_a_setting(settings):
    settings.AGENT_PROGRESSION_STEP = 0.0
    flat = AGENT.rules(_input(weeks=8), ANONYMOUS)
    settings.AGENT_PROGRESSION_STEP = 0.10
    rising = AGENT.rules(_input(weeks=8), ANONYMOUS)

    flat_volumes = weekly_volumes(flat.model_dump())
    assert flat_volumes[:3] == [flat_volumes[0]] * 3  # no set added: reps only
    assert max(weekly_volumes(rising.model_dump())) > flat_volumes[0]


def test_the_analysis_marks_the_exercises_that_stalled():
    data = _input(weeks=4)
    first = next(d for d in AGENT.rules(data, ANONYMOUS).weeks[0].days if not d.rest).exercises[0]
    analysis = _analysis(plateaus=[{"exercise_id": first.exercise_id, "name": first.name, "weeks_flat": 3}])

    draft = AGENT.rules(_revise(data, analysis=analysis), ANONYMOUS)

    item = next(e for d in draft.weeks[0].days for e in d.exercises if e.exercise_id == first.exercise_id)
    assert "Flat for 3 weeks in your logs" in item.notes
    assert draft.reasoning[-1].data["plateaued_in_plan"] == [first.exercise_id]
    assert _problems(draft, data) == []
