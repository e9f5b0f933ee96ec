"""The demo template plans are coherent programs a coach would sign, checked against the exercise library.

Plain pytest: no Django, no database. Run with
``python3 -m pytest -q -p no:django plans/tests/test_template_plans.py`` from the repository root.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from plans.demo.template_plans import template_plans

REPO_ROOT = Path(__file__).resolve().parents[2]

GOALS = {"strength", "muscle_gain", "fat_loss", "mobility", "endurance"}
DIFFICULTIES = {"beginner", "intermediate", "advanced"}
SETTINGS = {"home", "dumbbells", "gym"}
HOME_EQUIPMENT = {"body weight", "resistance band", "foam roller", "exercise ball"}
DUMBBELL_EQUIPMENT = HOME_EQUIPMENT | {"dumbbell", "bench"}
GYM_EQUIPMENT = {"barbell", "machine", "cable", "ez curl bar"}
NEVER_AT_HOME = {"other"} | GYM_EQUIPMENT
UPPER_BODY = {"chest", "lats", "middle back", "shoulders", "triceps", "biceps", "traps"}
LOWER_BODY = {"quadriceps", "hamstrings", "glutes", "calves", "adductors", "abductors"}
MAIN_CATEGORIES = {"cardio", "plyometrics", "powerlifting", "olympic weightlifting", "strongman"}
STAPLE = re.compile(r"squat|bench-press|deadlift|row|pull-?up|chin-up|push-?up|lunge|press|hip-thrust|dip|clean")
# A 3-day plan never trains two days in a row; a 6-day plan keeps one rest day.
MAX_CONSECUTIVE_DAYS = {3: 1, 4: 2, 5: 3, 6: 6}
ROW_KEYS = {
    "week_number",
    "day_number",
    "order",
    "exercise_slug",
    "sets",
    "reps",
    "duration_seconds",
    "rest_seconds",
    "notes_en",
    "notes_fr",
}
PLAN_KEYS = {
    "slug",
    "name_en",
    "name_fr",
    "description_en",
    "description_fr",
    "goal",
    "difficulty",
    "weeks",
    "days_per_week",
    "equipment_setting",
    "featured_order",
    "exercises",
}

PLANS = template_plans()
PLAN_IDS = [str(plan["slug"]) for plan in PLANS]


def exercises_path() -> Path:
    in_repo = REPO_ROOT / "exercises" / "data" / "exercises.json"
    return in_repo if in_repo.exists() else REPO_ROOT.parent / "shared" / "data" / "exercises.json"


@cache
def library() -> dict[str, dict[str, Any]]:
    with exercises_path().open(encoding="utf-8") as handle:
        return {str(item["slug"]): item for item in json.load(handle)}


def exercise_of(row: dict[str, Any]) -> dict[str, Any]:
    return library()[row["exercise_slug"]]


def rows(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return list(plan["exercises"])


def days_of_week(plan: dict[str, Any], week: int) -> dict[int, list[dict[str, Any]]]:
    by_day: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows(plan):
        if row["week_number"] == week:
            by_day[row["day_number"]].append(row)
    return dict(by_day)


def all_days(plan: dict[str, Any]) -> list[tuple[tuple[int, int], list[dict[str, Any]]]]:
    return [
        ((week, day), day_rows)
        for week in range(1, plan["weeks"] + 1)
        for day, day_rows in sorted(days_of_week(plan, week).items())
    ]


def dose(row: dict[str, Any]) -> int:
    return int(row["reps"] if row["reps"] is not None else row["duration_seconds"])


def weekly_volume(plan: dict[str, Any]) -> dict[int, int]:
    volume: Counter[int] = Counter()
    for row in rows(plan):
        volume[row["week_number"]] += row["sets"] * dose(row)
    return dict(volume)


def is_deload_week(plan: dict[str, Any], week: int) -> bool:
    return plan["weeks"] >= 8 and week % 4 == 0


def role(exercise: dict[str, Any]) -> int | None:
    """0 main lift or cardio, 1 accessory, 2 core, 3 stretch; None when the library does not say."""
    if exercise["category"] == "stretching":
        return 3
    if exercise["muscles"] and set(exercise["muscles"]) <= {"abdominals"}:
        return 2
    if exercise["category"] in MAIN_CATEGORIES or exercise["mechanic"] == "compound":
        return 0
    return 1 if exercise["mechanic"] == "isolation" else None


def worked_muscles(day_rows: list[dict[str, Any]]) -> Counter[str]:
    """Primary muscles of a day's loaded work (stretches and core work left out)."""
    muscles: Counter[str] = Counter()
    for row in day_rows:
        exercise = exercise_of(row)
        if role(exercise) in (2, 3):
            continue
        muscles.update(set(exercise["muscles"]) - {"abdominals"})
    return muscles


def sentence_count(text: str) -> int:
    return len([part for part in re.split(r"(?<=[.!?])\s+", text.strip()) if part])


def share(flags: list[bool]) -> float:
    return sum(flags) / len(flags)


def mean_rest(plan: dict[str, Any]) -> float:
    return sum(int(row["rest_seconds"]) for row in rows(plan)) / len(rows(plan))


# ---- the catalogue as a whole --------------------------------------------------------------------------


def test_at_least_13_plans_with_unique_kebab_case_slugs() -> None:
    slugs = [plan["slug"] for plan in PLANS]
    assert len(PLANS) >= 13
    assert len(set(slugs)) == len(slugs)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug) for slug in slugs), slugs


def test_every_goal_is_covered_at_least_twice() -> None:
    goals = Counter(plan["goal"] for plan in PLANS)
    assert set(goals) == GOALS
    assert min(goals.values()) >= 2, goals


def test_all_difficulties_are_offered() -> None:
    assert {plan["difficulty"] for plan in PLANS} == DIFFICULTIES


def test_days_per_week_span_3_to_6() -> None:
    days = {plan["days_per_week"] for plan in PLANS}
    assert min(days) == 3
    assert max(days) == 6
    assert {3, 4, 5, 6} <= days


def test_plan_lengths_span_4_to_12_weeks() -> None:
    weeks = {plan["weeks"] for plan in PLANS}
    assert min(weeks) == 4
    assert max(weeks) == 12
    assert {4, 6, 8, 12} <= weeks


def test_each_equipment_setting_has_several_plans() -> None:
    settings = Counter(plan["equipment_setting"] for plan in PLANS)
    assert set(settings) == SETTINGS
    assert min(settings.values()) >= 3, settings


def test_featured_plans_are_numbered_from_1_in_order() -> None:
    featured = sorted(plan["featured_order"] for plan in PLANS if plan["featured_order"] is not None)
    assert 4 <= len(featured) <= 5
    assert featured == list(range(1, len(featured) + 1))


def test_gym_plans_together_use_barbell_machine_cable_and_ez_bar() -> None:
    used = {
        equipment
        for plan in PLANS
        if plan["equipment_setting"] == "gym"
        for row in rows(plan)
        for equipment in exercise_of(row)["equipments"]
    }
    assert used >= GYM_EQUIPMENT


def test_conditioning_plans_rest_less_than_strength_plans() -> None:
    def rest_of(goals: set[str]) -> float:
        chosen = [int(row["rest_seconds"]) for plan in PLANS if plan["goal"] in goals for row in rows(plan)]
        return sum(chosen) / len(chosen)

    assert rest_of({"fat_loss", "endurance"}) < rest_of({"strength"})


# ---- each plan -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("plan", PLANS, ids=PLAN_IDS)
def test_plan_fields(plan: dict[str, Any]) -> None:
    assert set(plan) == PLAN_KEYS
    assert plan["goal"] in GOALS
    assert plan["difficulty"] in DIFFICULTIES
    assert plan["equipment_setting"] in SETTINGS
    assert isinstance(plan["weeks"], int)
    assert isinstance(plan["days_per_week"], int)
    assert plan["featured_order"] is None or isinstance(plan["featured_order"], int)
    assert all(set(row) == ROW_KEYS for row in rows(plan))


@pytest.mark.parametrize("plan", PLANS, ids=PLAN_IDS)
def test_names_and_descriptions_are_bilingual(plan: dict[str, Any]) -> None:
    assert plan["name_en"].strip()
    assert plan["name_fr"].strip()
    assert plan["name_fr"] != plan["name_en"]
    assert plan["description_fr"] != plan["description_en"]
    for text in (plan["description_en"], plan["description_fr"]):
        assert 2 <= sentence_count(text) <= 4, text
        assert text.rstrip()[-1] in ".!?", text
    french = plan["name_fr"] + " " + plan["description_fr"]
    assert re.search(r"[àâçéèêëîïôûùœ]", french)
    assert re.search(r"\b(de|des|et|la|le|les|pour)\b", french)


@pytest.mark.parametrize("plan", PLANS, ids=PLAN_IDS)
def test_every_exercise_exists_in_the_library(plan: dict[str, Any]) -> None:
    missing = sorted({row["exercise_slug"] for row in rows(plan)} - set(library()))
    assert not missing


@pytest.mark.parametrize("plan", PLANS, ids=PLAN_IDS)
def test_rows_are_ordered_and_cover_every_week(plan: dict[str, Any]) -> None:
    keys = [(row["week_number"], row["day_number"], row["order"]) for row in rows(plan)]
    assert keys == sorted(keys)
    assert {week for week, _, _ in keys} == set(range(1, plan["weeks"] + 1))
    for week in range(1, plan["weeks"] + 1):
        for day, day_rows in days_of_week(plan, week).items():
            assert 1 <= day <= 7
            assert 4 <= len(day_rows) <= 7, (week, day)
            assert [row["order"] for row in day_rows] == list(range(1, len(day_rows) + 1))
            slugs = [row["exercise_slug"] for row in day_rows]
            assert len(set(slugs)) == len(slugs), (week, day)


@pytest.mark.parametrize("plan", PLANS, ids=PLAN_IDS)
def test_training_days_leave_rest_days_between(plan: dict[str, Any]) -> None:
    per_week = plan["days_per_week"]
    week_one = sorted(days_of_week(plan, 1))
    assert len(week_one) == per_week
    for week in range(2, plan["weeks"] + 1):
        assert len(days_of_week(plan, week)) <= per_week
    # Longest run of consecutive training days, Sunday to Monday included.
    trained = [day in week_one for day in range(1, 8)]
    longest = run = 0
    for flag in trained + trained:
        run = run + 1 if flag else 0
        longest = max(longest, run)
    assert longest <= MAX_CONSECUTIVE_DAYS[per_week], week_one


@pytest.mark.parametrize("plan", PLANS, ids=PLAN_IDS)
def test_each_row_has_sets_rest_and_exactly_one_of_reps_or_duration(plan: dict[str, Any]) -> None:
    for row in rows(plan):
        assert isinstance(row["sets"], int)
        assert row["sets"] >= 1
        assert (row["reps"] is None) != (row["duration_seconds"] is None), row
        assert dose(row) >= 1
        assert isinstance(row["rest_seconds"], int)
        assert row["rest_seconds"] >= 0
        assert isinstance(row["notes_en"], str)
        assert isinstance(row["notes_fr"], str)


@pytest.mark.parametrize("plan", PLANS, ids=PLAN_IDS)
def test_holds_stretches_and_cardio_are_timed(plan: dict[str, Any]) -> None:
    for row in rows(plan):
        exercise = exercise_of(row)
        if exercise["category"] in {"cardio", "stretching"} or exercise["force"] == "static":
            assert row["duration_seconds"] is not None, row


@pytest.mark.parametrize("plan", [p for p in PLANS if p["goal"] != "mobility"], ids=lambda p: str(p["slug"]))
def test_days_open_with_a_main_lift_and_end_with_core_or_stretching(plan: dict[str, Any]) -> None:
    for (week, day), day_rows in all_days(plan):
        roles = [role(exercise_of(row)) for row in day_rows]
        assert roles[0] == 0, (week, day, day_rows[0]["exercise_slug"])
        known = [value for value in roles if value is not None]
        assert known == sorted(known), (week, day, [row["exercise_slug"] for row in day_rows])


@pytest.mark.parametrize("plan", PLANS, ids=PLAN_IDS)
def test_no_muscle_is_hammered_on_consecutive_days(plan: dict[str, Any]) -> None:
    for week in range(1, plan["weeks"] + 1):
        days = days_of_week(plan, week)
        for day in days:
            following = days.get(day + 1) if day < 7 else days_of_week(plan, week + 1).get(1)
            if following is None:
                continue
            today = {m for m, count in worked_muscles(days[day]).items() if count >= 2}
            tomorrow = {m for m, count in worked_muscles(following).items() if count >= 2}
            assert not today & tomorrow, (week, day, today & tomorrow)


@pytest.mark.parametrize("plan", [p for p in PLANS if p["goal"] != "mobility"], ids=lambda p: str(p["slug"]))
def test_each_week_trains_upper_and_lower_body(plan: dict[str, Any]) -> None:
    muscles: set[str] = set()
    for day_rows in days_of_week(plan, 1).values():
        muscles |= set(worked_muscles(day_rows))
    assert muscles & UPPER_BODY, muscles
    assert muscles & LOWER_BODY, muscles


@pytest.mark.parametrize(
    "plan", [p for p in PLANS if p["goal"] in {"strength", "muscle_gain"}], ids=lambda p: str(p["slug"])
)
def test_strength_and_muscle_days_open_with_a_staple_lift(plan: dict[str, Any]) -> None:
    for day, day_rows in days_of_week(plan, 1).items():
        assert STAPLE.search(day_rows[0]["exercise_slug"]), (day, day_rows[0]["exercise_slug"])


@pytest.mark.parametrize("plan", [p for p in PLANS if p["difficulty"] == "beginner"], ids=lambda p: str(p["slug"]))
def test_beginner_plans_use_beginner_friendly_exercises(plan: dict[str, Any]) -> None:
    levels = [library()[slug]["difficulty"] for slug in {row["exercise_slug"] for row in rows(plan)}]
    assert "advanced" not in levels
    assert share([level in {"beginner", "intermediate"} for level in levels]) >= 0.75, levels


@pytest.mark.parametrize("plan", [p for p in PLANS if p["goal"] == "mobility"], ids=lambda p: str(p["slug"]))
def test_mobility_plans_are_timed_stretches(plan: dict[str, Any]) -> None:
    assert all(row["duration_seconds"] is not None for row in rows(plan))
    assert share([exercise_of(row)["category"] == "stretching" for row in rows(plan)]) >= 0.8


@pytest.mark.parametrize(
    "plan", [p for p in PLANS if p["goal"] in {"fat_loss", "endurance"}], ids=lambda p: str(p["slug"])
)
def test_conditioning_plans_use_cardio_or_intervals_at_short_rest(plan: dict[str, Any]) -> None:
    first_week = [row for row in rows(plan) if row["week_number"] == 1]
    conditioning = [
        exercise_of(row)["category"] in {"cardio", "plyometrics"} or row["duration_seconds"] is not None
        for row in first_week
    ]
    assert share(conditioning) >= 0.3
    assert mean_rest(plan) <= 60


@pytest.mark.parametrize("plan", PLANS, ids=PLAN_IDS)
def test_volume_rises_above_week_one(plan: dict[str, Any]) -> None:
    volume = weekly_volume(plan)
    for week in range(2, plan["weeks"] + 1):
        if not is_deload_week(plan, week):
            assert volume[week] > volume[1], (week, volume)
    assert volume[2] > volume[1]
    assert volume[plan["weeks"] - 1] > volume[1]


@pytest.mark.parametrize("plan", PLANS, ids=PLAN_IDS)
def test_plans_of_8_weeks_or_more_deload_every_fourth_week(plan: dict[str, Any]) -> None:
    volume = weekly_volume(plan)
    deloads = [week for week in range(1, plan["weeks"] + 1) if is_deload_week(plan, week)]
    if plan["weeks"] >= 8:
        assert deloads
    for week in range(1, plan["weeks"] + 1):
        week_rows = [row for row in rows(plan) if row["week_number"] == week]
        if week in deloads:
            assert volume[week] <= 0.65 * volume[week - 1], (week, volume)
            assert all(row["notes_en"].startswith("Deload week: ") for row in week_rows)
            assert all(row["notes_fr"].startswith("Semaine de décharge : ") for row in week_rows)
        else:
            assert not any("deload" in row["notes_en"].lower() for row in week_rows), week
            assert not any("décharge" in row["notes_fr"].lower() for row in week_rows), week


@pytest.mark.parametrize("plan", PLANS, ids=PLAN_IDS)
def test_exercises_match_the_equipment_setting(plan: dict[str, Any]) -> None:
    equipments = [set(exercise_of(row)["equipments"]) for row in rows(plan)]
    setting = plan["equipment_setting"]
    if setting in {"home", "dumbbells"}:
        assert all(equipment and not equipment & NEVER_AT_HOME for equipment in equipments)
    if setting == "home":
        assert share([equipment <= HOME_EQUIPMENT for equipment in equipments]) >= 0.9
    elif setting == "dumbbells":
        assert share([equipment <= DUMBBELL_EQUIPMENT for equipment in equipments]) >= 0.9
        assert any("dumbbell" in equipment for equipment in equipments)
    else:
        assert any(equipment & GYM_EQUIPMENT for equipment in equipments)
