"""The injury prevention agent on the real library: exercises that load a stated limitation are
flagged and replaced by safe substitutes, risky days (two heavy hinges, jumps beside heavy legs, too
many sets for a muscle) and exercises above the level are flagged, a body-weight warm-up and a
cool-down are added, in English or French; a model's review is used when it keeps the rules'
findings, and replaced by the rules' when it approves a plan the rules reject, or fails."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from coach.agents import agent
from coach.agents.base import AgentContext
from coach.agents.injury_prevention import AGENT, DAY_SETS_HIGH, InjuryInput, InjuryReview
from coach.safety import contraindication_reasons, limitation_areas
from coach.tests.fakes import ScriptedChatModel, structured, tool_call, use_model
from exercises.models import Exercise
from exercises.selectors import exercise_list, exercise_search

pytestmark = pytest.mark.django_db

EN = AgentContext(user=None, language="en")
FR = AgentContext(user=None, language="fr")


def _exercise(query: str, name: str) -> Exercise:
    """The library exercise called `name`, found the way a person finds it: by searching."""
    for exercise in exercise_search(exercise_list(), query=query)[:10]:
        if exercise.exercise_en == name:
            return exercise
    raise AssertionError(f"{name!r} not found by searching {query!r}")


@pytest.fixture
def lib() -> dict[str, Exercise]:
    return {
        "jump_squat": _exercise("jump squat", "Freehand Jump Squat"),
        "deadlift": _exercise("barbell deadlift", "Barbell Deadlift"),
        "good_morning": _exercise("good morning", "Good Morning"),
        "walking_lunge": _exercise("walking lunge", "Barbell Walking Lunge"),
        "bodyweight_lunge": _exercise("walking lunge", "Bodyweight Walking Lunge"),
        "row": _exercise("bent over row", "Bent Over Barbell Row"),
        "squat": _exercise("barbell squat", "Barbell Squat"),
        "leg_press": _exercise("leg press", "Leg Press"),
        "box_jump": _exercise("box jump", "Front Box Jump"),
        "pushups": _exercise("push up", "Pushups"),
        "leg_curl": _exercise("leg curl", "Lying Leg Curls"),
    }


def _day(*exercises: Exercise, week: int | None = 1, day: int | None = 1, sets: int = 4) -> list[dict[str, Any]]:
    return [{"exercise_id": e.id, "week": week, "day": day, "sets": sets, "reps": 8} for e in exercises]


def _review(
    exercises: list[dict[str, Any]], limitations: list[str], level: str | None = None, ctx: AgentContext = EN
) -> InjuryReview:
    data = InjuryInput.model_validate({"exercises": exercises, "limitations": limitations, "level": level})
    return AGENT.rules(data, ctx)


def _acceptance(lib: dict[str, Exercise]) -> InjuryInput:
    """What the acceptance script sends: four exercises on week 1 day 1, 4x8 each, a knee limitation."""
    exercises = _day(lib["jump_squat"], lib["deadlift"], lib["good_morning"], lib["walking_lunge"])
    return InjuryInput.model_validate({"exercises": exercises, "limitations": ["knee"]})


def _warnings(review: Any, kind: str, severity: str | None = None) -> list[Any]:
    return [w for w in review.warnings if w.kind == kind and (severity is None or w.severity == severity)]


def _assert_safe_routines(review: Any, limitations: list[str]) -> None:
    areas = limitation_areas(limitations)
    assert 5 * 60 <= sum(item.duration_seconds for item in review.warm_up) <= 10 * 60
    assert review.cool_down
    ids = [item.exercise_id for item in [*review.warm_up, *review.cool_down] if item.exercise_id is not None]
    for exercise in Exercise.objects.filter(id__in=ids):
        assert set(exercise.equipments) <= {"body weight"}, exercise.exercise_en
        assert exercise.category in {"stretching", "cardio"}, exercise.exercise_en
        assert not contraindication_reasons(exercise, areas, None), exercise.exercise_en


# ---- the rules -------------------------------------------------------------------------------------


def test_the_acceptance_plan_flags_the_knee_exercises_and_the_two_hinges_and_is_not_approved(lib):
    review = AGENT.rules(_acceptance(lib), EN)

    assert review.approved is False
    assert review.risk_level == "high"
    knee = _warnings(review, "limitation", "high")
    assert sorted(i for w in knee for i in w.exercise_ids) == sorted([lib["jump_squat"].id, lib["walking_lunge"].id])
    assert all("knee" in w.message and "see a health professional" in w.message for w in knee)
    hinges = _warnings(review, "combination", "high")
    assert len(hinges) == 1
    assert hinges[0].exercise_ids == [lib["deadlift"].id, lib["good_morning"].id]
    assert (hinges[0].week, hinges[0].day) == (1, 1)
    # the jumps beside the heavy lifts are worth a word, not a veto
    assert _warnings(review, "combination", "moderate")
    # one change per exercise to change, each naming its id: the two knee exercises and the second hinge
    assert len(review.required_changes) == 3
    for exercise in (lib["jump_squat"], lib["walking_lunge"], lib["good_morning"]):
        assert sum(f"exercise {exercise.id} " in change for change in review.required_changes) == 1
    assert review.reasoning[0].data["areas"] == ["knee"]
    _assert_safe_routines(review, ["knee"])


def test_substitutes_work_the_same_muscle_spare_the_limitation_and_clear_the_review(lib):
    data = _acceptance(lib)
    review = AGENT.rules(data, EN)

    replaced = {s.exercise_id: s.substitute_id for s in review.substitutions}
    assert set(replaced) == {lib["jump_squat"].id, lib["walking_lunge"].id, lib["good_morning"].id}
    assert len(set(replaced.values())) == len(replaced)  # a different substitute for each
    substitutes = Exercise.objects.in_bulk(replaced.values())
    originals = Exercise.objects.in_bulk(replaced)
    for original_id, substitute_id in replaced.items():
        substitute = substitutes[substitute_id]
        assert set(substitute.muscles) & set(originals[original_id].muscles)
        assert not contraindication_reasons(substitute, {"knee"}, None)
        assert substitute_id not in {item.exercise_id for item in data.exercises}
        # a change names only the exercise to change (a planner reading ids and names must not
        # take the substitute for the exercise to replace)
        assert not any(
            f"exercise {substitute_id} " in change or substitute.exercise_en in change
            for change in review.required_changes
        )
    # the planner applies them: the same day, reviewed again, passes
    revised = [
        {**item.model_dump(), "exercise_id": replaced.get(item.exercise_id, item.exercise_id)}
        for item in data.exercises
    ]
    again = _review(revised, ["knee"])
    assert again.approved is True
    assert not [w for w in again.warnings if w.severity == "high"]
    assert again.required_changes == []


def test_a_sound_day_without_limitations_is_approved_with_a_warm_up(lib):
    review = _review(_day(lib["squat"], lib["pushups"], lib["row"], sets=3), [], "intermediate")

    assert review.approved is True
    assert review.risk_level == "low"
    assert review.warnings == []
    assert review.substitutions == []
    assert review.required_changes == []
    _assert_safe_routines(review, [])
    assert review.warm_up[0].exercise_id is not None  # nothing rules out a light cardio start from the library


def test_a_lower_back_limitation_flags_the_spinal_loading_lifts_only(lib):
    exercises = _day(lib["deadlift"], lib["row"], lib["leg_press"], lib["pushups"], sets=3)
    review = _review(exercises, ["lower back pain"], "intermediate")

    flagged = {i for w in _warnings(review, "limitation", "high") for i in w.exercise_ids}
    assert flagged == {lib["deadlift"].id, lib["row"].id}
    assert {s.exercise_id for s in review.substitutions} == {lib["deadlift"].id, lib["row"].id}
    for substitution in review.substitutions:
        substitute = Exercise.objects.get(id=substitution.substitute_id)
        assert not contraindication_reasons(substitute, {"back"}, "intermediate")
    assert review.approved is False
    _assert_safe_routines(review, ["lower back pain"])


def test_a_french_review_reads_french_limitations_and_answers_in_french(lib):
    data = _acceptance(lib)
    review = _review([item.model_dump() for item in data.exercises], ["mal au genou"], "débutant", FR)

    knee = _warnings(review, "limitation", "high")
    assert len(knee) == 2
    assert all("genou" in w.message and "consultez un professionnel" in w.message for w in knee)
    assert lib["jump_squat"].exercise_fr in knee[0].message
    assert all(s.substitute_name == Exercise.objects.get(id=s.substitute_id).exercise_fr for s in review.substitutions)
    assert all(change.startswith("Remplacer l'exercice") for change in review.required_changes)
    assert "semaine 1, jour 1" in _warnings(review, "combination", "high")[0].message
    assert review.warm_up[0].name == "Marche rapide ou marche sur place"  # jumping jacks are out for a knee
    assert review.reasoning[0].decision == "Limitations lues comme zones du corps"


def test_heavy_hinges_count_per_day_and_exercises_without_a_day_are_one_day(lib):
    hinges = (lib["deadlift"], lib["good_morning"])
    apart = _day(hinges[0], day=1) + _day(hinges[1], day=3)
    undated = _day(*hinges, week=None, day=None)

    assert _review(apart, []).approved is True
    together = _review(undated, [])
    assert together.approved is False
    combination = _warnings(together, "combination", "high")[0]
    assert (combination.week, combination.day) == (None, None)
    assert "that day" in combination.message


def test_a_bent_over_row_is_a_heavy_hinge_only_when_heavy(lib):
    def day(reps: int) -> list[dict[str, Any]]:
        return [{**item, "reps": reps} for item in _day(lib["deadlift"], lib["row"], sets=3)]

    assert _review(day(10), [], "intermediate").approved is True
    heavy = _review(day(5), [], "intermediate")
    assert heavy.approved is False
    assert _warnings(heavy, "combination", "high")[0].exercise_ids == [lib["deadlift"].id, lib["row"].id]


def test_a_repeated_week_reports_a_risky_day_once(lib):
    weeks = [item for week in (1, 2, 3, 4) for item in _day(lib["deadlift"], lib["good_morning"], week=week)]
    review = _review(weeks, [])

    hinges = _warnings(review, "combination", "high")
    assert len(hinges) == 1
    assert (hinges[0].week, hinges[0].day) == (1, 1)
    assert "and 3 other days" in hinges[0].message
    assert len(review.required_changes) == 1
    assert f"exercise {lib['good_morning'].id} " in review.required_changes[0]


def test_jumps_beside_heavy_leg_lifts_are_a_moderate_warning_only(lib):
    review = _review(_day(lib["box_jump"], lib["squat"], sets=3), [], "intermediate")

    assert review.approved is True
    assert review.risk_level == "moderate"
    [combination] = review.warnings
    assert (combination.kind, combination.severity) == ("combination", "moderate")
    assert "jumps first" in combination.message
    assert review.required_changes == []


def test_too_many_sets_for_one_muscle_in_a_day(lib):
    quads = (lib["squat"], lib["leg_press"], lib["bodyweight_lunge"])
    moderate = _review(_day(*quads, sets=4), [], "intermediate")  # 12 sets for the quadriceps
    high = _review(_day(*quads, sets=6), [], "intermediate")  # 18

    [warning] = _warnings(moderate, "volume")
    assert warning.severity == "moderate"
    assert "12 sets for the quadriceps" in warning.message
    assert moderate.approved is True
    [warning] = _warnings(high, "volume")
    assert warning.severity == "high"
    assert sorted(warning.exercise_ids) == sorted(e.id for e in quads)
    assert high.approved is False
    assert any(str(DAY_SETS_HIGH) in change and str(lib["squat"].id) in change for change in high.required_changes)


def test_exercises_above_the_level(lib):
    advanced = Exercise.objects.filter(difficulty="advanced", category="strength", equipments=["barbell"]).first()
    assert advanced is not None
    beginner = _review(_day(advanced, lib["deadlift"], sets=3), [], "beginner")
    unknown = _review(_day(advanced, lib["deadlift"], sets=3), [], None)

    by_id = {w.exercise_ids[0]: w for w in _warnings(beginner, "level")}
    assert by_id[advanced.id].severity == "high"  # an advanced lift for a beginner: replaced
    assert by_id[lib["deadlift"].id].severity == "low"  # one step up: learn it light
    assert beginner.approved is False
    substitute = {s.exercise_id: s.substitute_id for s in beginner.substitutions}[advanced.id]
    assert Exercise.objects.get(id=substitute).difficulty == "beginner"
    assert _warnings(unknown, "level") == []


def test_no_jumping_flags_the_jumps_as_high_impact(lib):
    review = _review(_day(lib["jump_squat"], lib["leg_press"]), ["no jumping"])

    [warning] = _warnings(review, "limitation")
    assert warning.exercise_ids == [lib["jump_squat"].id]
    assert "high impact" in warning.message


def test_an_unknown_exercise_is_not_approved(lib):
    review = _review([*_day(lib["squat"], sets=3), {"exercise_id": 999_999, "week": 1, "day": 1}], [])

    assert review.approved is False
    assert any("999999" in change for change in review.required_changes)


def test_the_input_names_the_field_it_rejects():
    with pytest.raises(ValidationError) as error:
        InjuryInput.model_validate({"exercises": [{"exercise_id": 1, "day": 8, "sets": 0}]})

    assert {err["loc"][-1] for err in error.value.errors()} == {"day", "sets"}


# ---- the model -------------------------------------------------------------------------------------


def _model_review(lib: dict[str, Exercise], **changes: Any) -> dict[str, Any]:
    """A review a model could write for the acceptance plan: the rules' findings kept."""
    answer = AGENT.rules(_acceptance(lib), EN).model_dump(mode="json")
    answer["reasoning"] = [{"decision": "Flagged the knee exercises", "why": "Jumps and lunges load the knee."}]
    answer["required_changes"] = ["Replace the jump squat and the lunge; move the good morning."]
    return {**answer, **changes}


def test_the_model_review_is_used_when_it_keeps_the_findings(lib, monkeypatch):
    answer = _model_review(lib)
    model = ScriptedChatModel(
        script=[
            tool_call("exercise_facts", {"exercise_ids": [lib["jump_squat"].id]}),
            tool_call("find_substitutes", {"exercise_id": lib["walking_lunge"].id}),
            structured("InjuryReview", answer),
        ]
    )
    use_model(monkeypatch, model)

    result = agent("injury_prevention").run(_acceptance(lib), EN)

    assert result.engine == "llm"
    assert result.output["required_changes"] == answer["required_changes"]
    assert result.output["reasoning"][0]["decision"] == "Flagged the knee exercises"
    assert {"exercise_facts", "find_substitutes", "mobility_options"} <= set(model.bound_tools)
    # the model was told what the checks found, and its tools answered from the library
    assert f'"exercise_ids": [{lib["jump_squat"].id}]' in model.prompt_text(0)
    tool_answers = model.prompt_text(1) + model.prompt_text(2)
    assert "jumps, lunges and deep knee bends load the knee" in tool_answers
    assert '"substitutes"' in tool_answers


def test_a_model_approving_a_knee_loading_plan_falls_back_to_the_rules(lib, monkeypatch):
    approving = _model_review(
        lib,
        approved=True,
        risk_level="low",
        warnings=[],
        substitutions=[],
        required_changes=[],
    )
    use_model(monkeypatch, ScriptedChatModel(script=[structured("InjuryReview", approving)]))

    result = AGENT.run(_acceptance(lib), EN)

    assert result.engine == "rules"
    assert result.fallback_reason == "invalid_output"
    assert result.output["approved"] is False
    assert len(result.output["required_changes"]) == 3


def test_a_model_proposing_a_contraindicated_substitute_or_an_unknown_id_falls_back(lib, monkeypatch):
    answer = _model_review(lib)
    answer["substitutions"][0]["substitute_id"] = lib["bodyweight_lunge"].id  # a lunge, for a knee
    unknown = _model_review(lib)
    unknown["warnings"][0]["exercise_ids"] = [999_999]
    model = ScriptedChatModel(script=[structured("InjuryReview", answer), structured("InjuryReview", unknown)])
    use_model(monkeypatch, model)

    contraindicated = AGENT.run(_acceptance(lib), EN)
    unknown_id = AGENT.run(_acceptance(lib), EN)

    assert (contraindicated.engine, contraindicated.fallback_reason) == ("rules", "invalid_output")
    assert (unknown_id.engine, unknown_id.fallback_reason) == ("rules", "invalid_output")
    assert model.calls == 2


def test_a_model_error_falls_back_to_the_rules(lib, monkeypatch):
    use_model(monkeypatch, ScriptedChatModel(script=[RuntimeError("provider down")]))

    result = AGENT.run(_acceptance(lib), FR)

    assert result.engine == "rules"
    assert result.fallback_reason == "model_error"
    assert result.output["approved"] is False
    assert result.output["warnings"][0]["message"].startswith(lib["jump_squat"].exercise_fr)


def test_without_a_model_the_rules_answer(lib, monkeypatch):
    use_model(monkeypatch, None)

    result = AGENT.run(_acceptance(lib), EN)

    assert (result.engine, result.fallback_reason) == ("rules", "not_configured")
    assert result.as_record()["reasoning"] == result.output["reasoning"]
