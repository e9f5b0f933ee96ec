"""Nutrition advisor: Mifflin-St Jeor x activity, the goal's adjustment with its safe floors, macros
that add up, both goal vocabularies, French, and the model path (its numbers checked against the
formula)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from coach.agents import agent
from coach.agents.base import AgentContext
from coach.agents.nutrition_advisor import AGENT, NutritionInput
from coach.tests.fakes import ScriptedChatModel, structured, use_model

pytestmark = pytest.mark.django_db

EN = AgentContext(user=None, language="en")
FR = AgentContext(user=None, language="fr")


def _profile(**changes: Any) -> NutritionInput:
    """The acceptance case: 30, male, 80 kg, 180 cm, moderately active, fat loss."""
    fields: dict[str, Any] = {
        "age": 30,
        "sex": "male",
        "weight_kg": 80,
        "height_cm": 180,
        "activity_level": "moderately_active",
        "goal": "fat_loss",
    }
    return NutritionInput(**{**fields, **changes})


def _macro_kcal(output: Any) -> int:
    macros = output.macros
    return int(macros.protein_g * 4 + macros.carbs_g * 4 + macros.fat_g * 9)


def test_the_acceptance_case_gets_a_20_percent_deficit_and_macros_that_add_up():
    guidance = AGENT.rules(_profile(), EN)

    # 10 x 80 + 6.25 x 180 - 5 x 30 + 5 = 1780; x 1.55 = 2759; -20 % = 2207
    assert (guidance.bmr_kcal, guidance.maintenance_kcal, guidance.target_calories) == (1780, 2759, 2207)
    assert 1200 <= guidance.target_calories <= 4500
    assert abs(_macro_kcal(guidance) - guidance.target_calories) <= 0.02 * guidance.target_calories
    assert guidance.macros.protein_g == 176  # 2.2 g/kg for fat loss
    assert guidance.protein_g_per_kg == 2.2
    assert 0.25 <= guidance.macros.fat_g * 9 / guidance.target_calories <= 0.30 + 0.005
    assert guidance.guidance
    assert "not medical advice" in guidance.disclaimer
    assert [step.data.get("target_calories") for step in guidance.reasoning if "target_calories" in step.data] == [2207]


def test_the_agent_is_found_by_name_and_answers_with_its_rules_without_a_model(monkeypatch):
    use_model(monkeypatch, None)

    result = agent("nutrition_advisor").run(_profile(), EN)

    assert (result.engine, result.fallback_reason) == ("rules", "not_configured")
    assert result.output["target_calories"] == 2207
    assert result.as_record()["reasoning"] == result.output["reasoning"]


@pytest.mark.parametrize(
    ("level", "maintenance"),
    [
        ("sedentary", 2136),  # 1780 x 1.2
        ("lightly_active", 2448),  # 1780 x 1.375 = 2447.5, rounded half up
        ("moderately_active", 2759),  # 1780 x 1.55
        ("very_active", 3071),  # 1780 x 1.725 = 3070.5
        ("extra_active", 3382),  # 1780 x 1.9
    ],
)
def test_each_activity_level_multiplies_the_bmr_by_its_factor(level, maintenance):
    guidance = AGENT.rules(_profile(activity_level=level, goal="maintenance"), EN)

    assert guidance.maintenance_kcal == maintenance
    assert guidance.target_calories == guidance.maintenance_kcal


def test_a_woman_uses_the_female_equation_and_never_goes_under_1200_kcal():
    # 10 x 55 + 6.25 x 160 - 5 x 50 - 161 = 1139; x 1.2 = 1367; -20 % would be 1094
    guidance = AGENT.rules(_profile(age=50, sex="female", weight_kg=55, height_cm=160, activity_level="sedentary"), EN)

    assert (guidance.bmr_kcal, guidance.maintenance_kcal, guidance.target_calories) == (1139, 1367, 1200)
    assert any("1200 kcal" in line for line in guidance.guidance)
    assert abs(_macro_kcal(guidance) - 1200) <= 24


def test_a_man_never_goes_under_1500_kcal():
    # 10 x 65 + 6.25 x 170 - 5 x 60 + 5 = 1418 (rounded); x 1.2 = 1702; -20 % would be 1362
    guidance = AGENT.rules(_profile(age=60, weight_kg=65, height_cm=170, activity_level="sedentary"), EN)

    assert guidance.target_calories == 1500


def test_the_floor_never_raises_the_target_above_maintenance():
    # 10 x 50 + 6.25 x 150 - 5 x 60 - 161 = 977 (rounded); x 1.2 = 1172, under the 1200 floor already
    guidance = AGENT.rules(_profile(age=60, sex="female", weight_kg=50, height_cm=150, activity_level="sedentary"), EN)

    assert guidance.target_calories == guidance.maintenance_kcal == 1172


def test_muscle_gain_adds_10_percent_and_both_vocabularies_agree():
    plan_goal = AGENT.rules(_profile(goal="muscle_gain"), EN)
    coach_goal = AGENT.rules(_profile(goal="hypertrophy"), EN)

    assert plan_goal.target_calories == round(2759 * 1.1) == 3035
    assert plan_goal.model_dump() == coach_goal.model_dump()
    assert plan_goal.protein_g_per_kg == 2.0


@pytest.mark.parametrize(
    ("plan_code", "coach_code"), [("fat_loss", "weight_loss"), ("muscle_gain", "hypertrophy"), ("strength", "strength")]
)
def test_plan_and_coach_goal_codes_give_the_same_numbers(plan_code, coach_code):
    plan_goal = AGENT.rules(_profile(goal=plan_code), EN)

    assert plan_goal.model_dump() == AGENT.rules(_profile(goal=coach_code), EN).model_dump()


@pytest.mark.parametrize("goal", ["strength", "endurance", "general_fitness", "maintenance", "mobility"])
def test_other_goals_eat_at_maintenance_with_protein_in_range_and_macros_that_add_up(goal):
    guidance = AGENT.rules(_profile(goal=goal), EN)

    assert guidance.target_calories == guidance.maintenance_kcal == 2759
    assert 1.6 <= guidance.protein_g_per_kg <= 2.2
    assert abs(_macro_kcal(guidance) - 2759) <= 0.02 * 2759
    assert 0.25 <= guidance.macros.fat_g * 9 / 2759 <= 0.305


def test_protein_for_a_heavy_person_stays_a_sensible_share_of_the_calories():
    guidance = AGENT.rules(_profile(age=45, sex="female", weight_kg=150, height_cm=165, activity_level="sedentary"), EN)

    assert guidance.macros.protein_g * 4 <= 0.35 * guidance.target_calories
    assert guidance.protein_g_per_kg < 1.6
    assert guidance.macros.carbs_g > 0
    assert abs(_macro_kcal(guidance) - guidance.target_calories) <= 0.02 * guidance.target_calories


def test_a_teenager_gets_no_deficit_and_is_sent_to_a_doctor_or_dietitian():
    guidance = AGENT.rules(_profile(age=16, weight_kg=60, height_cm=170), EN)

    assert guidance.target_calories == guidance.maintenance_kcal
    assert any("Under 18" in line and "dietitian" in line for line in guidance.guidance)


def test_the_guidance_covers_protein_per_meal_hydration_vegetables_and_timing():
    text = " ".join(AGENT.rules(_profile(), EN).guidance)

    assert "176 g of protein" in text
    assert "3 to 4 meals" in text
    assert "2.8 L of water" in text  # 35 ml/kg
    assert "vegetables" in text
    assert "before training" in text
    disclaimer = AGENT.disclaimer(EN)
    for words in ("not medical advice", "pregnant", "eating disorder", "doctor", "dietitian"):
        assert words in disclaimer


def test_french_guidance_and_disclaimer():
    guidance = AGENT.rules(_profile(), FR)

    assert guidance.target_calories == 2207
    assert "176 g de protéines" in guidance.guidance[0]
    assert "2,8 L" in guidance.guidance[1]
    assert "pas un avis médical" in guidance.disclaimer
    assert "grossesse" in guidance.disclaimer
    assert guidance.reasoning[0].decision == "Besoin énergétique estimé"


@pytest.mark.parametrize(
    ("field", "value"),
    [("goal", "keto"), ("age", 5), ("weight_kg", 10), ("height_cm", 300), ("activity_level", "couch"), ("sex", "x")],
)
def test_bad_input_names_the_field(field, value):
    with pytest.raises(ValidationError) as error:
        _profile(**{field: value})

    assert error.value.errors()[0]["loc"][0] == field


# ---------------------------------------------------------------- the model path


def _answer(**changes: Any) -> dict[str, Any]:
    answer = AGENT.rules(_profile(), EN).model_dump(mode="json")
    answer["guidance"] = ["Have a palm of protein at every meal.", "Drink water through the day."]
    answer["reasoning"] = [{"decision": "Copied the formula", "why": "The numbers were computed.", "data": {}}]
    return {**answer, **changes}


def test_a_valid_model_answer_is_used(monkeypatch):
    model = ScriptedChatModel(script=[structured("NutritionGuidance", _answer())])
    use_model(monkeypatch, model)

    result = AGENT.run(_profile(), EN)

    assert (result.engine, result.fallback_reason) == ("llm", None)
    assert result.output["guidance"][0] == "Have a palm of protein at every meal."
    assert result.output["target_calories"] == 2207
    # the model was given the computed numbers to copy
    assert '"target_calories": 2207' in model.prompt_text()


@pytest.mark.parametrize(
    "changes",
    [
        {"target_calories": 1700},  # 23 % under the formula
        {"macros": {"protein_g": 176, "carbs_g": 260, "fat_g": 74}},  # adds up to 2410 kcal, not 2207
        {"disclaimer": " "},
    ],
)
def test_a_model_answer_off_the_formula_falls_back_to_the_rules(monkeypatch, changes):
    use_model(monkeypatch, ScriptedChatModel(script=[structured("NutritionGuidance", _answer(**changes))]))

    result = AGENT.run(_profile(), EN)

    assert (result.engine, result.fallback_reason) == ("rules", "invalid_output")
    assert result.output["target_calories"] == 2207
    assert result.output["guidance"] == AGENT.rules(_profile(), EN).model_dump(mode="json")["guidance"]


def test_a_model_error_falls_back_to_the_rules(monkeypatch):
    use_model(monkeypatch, ScriptedChatModel(script=[TimeoutError()]))

    result = AGENT.run(_profile(), FR)

    assert (result.engine, result.fallback_reason) == ("rules", "timeout")
    assert "avis médical" in result.output["disclaimer"]
