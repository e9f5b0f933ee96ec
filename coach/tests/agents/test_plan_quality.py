"""Plan quality over 30 varied people (levels, goals, equipment from body weight only to a full gym,
knee, back, shoulder and other limitations, 2-6 days, 4-12 weeks, 15-90 minutes, English and
French): the exercise selector then the workout planner, both by their rules, as the plan generation
workflow runs them without a model. Every plan passes the validator, and what a person would notice
holds: deload weeks where promised, volume rising gently, nothing that loads their limitation.

The 30 plans are built once for the module and read by every test."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from coach.agents.base import AgentContext
from coach.agents.exercise_selector import AGENT as SELECTOR
from coach.agents.exercise_selector import SelectorInput
from coach.agents.workout_planner import AGENT as PLANNER
from coach.agents.workout_planner import PlanDraft, PlannerInput
from coach.plan_validation import (
    deload_week_numbers,
    expected_deload_weeks,
    max_next_volume,
    validate_plan,
    weekly_volumes,
)
from coach.safety import contraindication_reasons
from coach.validation import level_code, request_areas
from exercises.models import Exercise

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Profile:
    goal: str
    level: str
    equipment: tuple[str, ...]
    limitations: tuple[str, ...]
    days: int
    weeks: int
    minutes: int
    language: str = "en"


PROFILES = (
    Profile("strength", "beginner", (), (), 3, 4, 45),
    Profile("strength", "intermediate", ("barbell", "bench", "dumbbell"), ("back",), 4, 8, 60),
    Profile("strength", "advanced", ("gym",), (), 5, 12, 75),
    Profile("hypertrophy", "beginner", ("dumbbell",), ("knee",), 3, 6, 45, "fr"),
    Profile("hypertrophy", "intermediate", ("dumbbell", "bench"), (), 4, 8, 60),
    Profile("hypertrophy", "advanced", (), ("shoulder",), 6, 12, 90),
    Profile("endurance", "beginner", ("body weight",), (), 3, 4, 30),
    Profile("endurance", "intermediate", ("resistance band",), ("knee",), 4, 6, 40),
    Profile("endurance", "advanced", ("kettlebell",), ("wrist",), 5, 8, 45),
    Profile("weight_loss", "beginner", ("body weight",), ("knee", "back"), 3, 4, 30, "fr"),
    Profile("weight_loss", "intermediate", ("dumbbell",), ("no jumping",), 4, 8, 45),
    Profile("weight_loss", "advanced", ("gym",), ("ankle",), 5, 10, 60),
    Profile("mobility", "beginner", (), ("back",), 2, 4, 20),
    Profile("mobility", "intermediate", ("body weight",), (), 4, 6, 30),
    Profile("mobility", "advanced", (), ("knee",), 6, 5, 25),
    Profile("general_fitness", "beginner", ("dumbbell",), (), 2, 4, 40),
    Profile("general_fitness", "intermediate", ("body weight",), ("shoulder",), 3, 12, 35, "fr"),
    Profile("general_fitness", "advanced", ("barbell",), (), 4, 9, 50),
    Profile("muscle_gain", "beginner", ("machine", "cable"), (), 5, 4, 60),
    Profile("fat_loss", "intermediate", ("dumbbell", "pull-up bar"), ("knee",), 6, 8, 40),
    Profile("strength", "beginner", ("body weight",), ("shoulder",), 2, 5, 20),
    Profile("hypertrophy", "intermediate", ("gym",), ("knee", "back"), 5, 7, 70),
    Profile("endurance", "beginner", (), ("hip",), 6, 4, 25),
    Profile("weight_loss", "beginner", ("resistance band", "body weight"), ("elbow",), 3, 11, 35),
    Profile("strength", "advanced", ("dumbbell",), ("knee",), 6, 12, 60, "fr"),
    Profile("hypertrophy", "advanced", ("body weight",), (), 4, 8, 45),
    Profile("general_fitness", "beginner", (), ("neck", "wrist"), 5, 6, 30),
    Profile("mobility", "beginner", ("gym mat",), ("shoulder",), 3, 8, 15),
    Profile("strength", "intermediate", ("kettlebell",), ("back",), 3, 4, 30),
    Profile("endurance", "advanced", ("gym",), (), 2, 12, 90, "fr"),
)


@dataclass
class Result:
    profile: Profile
    draft: PlanDraft
    problems: list[str]
    volumes: list[int]


def _plan(profile: Profile) -> Result:
    ctx = AgentContext(user=None, language=profile.language)
    selection = SELECTOR.rules(
        SelectorInput(
            goal=profile.goal,
            level=profile.level,
            days_per_week=profile.days,
            session_minutes=profile.minutes,
            equipment=list(profile.equipment),
            limitations=list(profile.limitations),
        ),
        ctx,
    )
    draft = PLANNER.rules(
        PlannerInput(
            weeks=profile.weeks,
            days_per_week=profile.days,
            goal=profile.goal,
            level=profile.level,
            session_minutes=profile.minutes,
            selection=selection.model_dump(mode="json"),
            equipment=list(profile.equipment),
            limitations=list(profile.limitations),
        ),
        ctx,
    )
    dumped = draft.model_dump(mode="json")
    problems = validate_plan(
        dumped,
        weeks=profile.weeks,
        days_per_week=profile.days,
        session_minutes=profile.minutes,
        equipment=list(profile.equipment),
        limitations=list(profile.limitations),
        level=profile.level,
    )
    return Result(profile, draft, problems, weekly_volumes(dumped))


@pytest.fixture(scope="module")
def results(django_db_setup: Any, django_db_blocker: Any) -> list[Result]:
    # read-only work, shared by the tests: built once, outside the tests' transactions
    with django_db_blocker.unblock():
        return [_plan(profile) for profile in PROFILES]


def _exercises(result: Result) -> list[Exercise]:
    ids = {e.exercise_id for week in result.draft.weeks for day in week.days for e in day.exercises}
    return list(Exercise.objects.filter(id__in=ids))


def test_the_profiles_are_varied():
    assert len(PROFILES) == 30
    assert {p.days for p in PROFILES} == {2, 3, 4, 5, 6}
    assert min(p.weeks for p in PROFILES) == 4
    assert max(p.weeks for p in PROFILES) == 12
    assert {p.level for p in PROFILES} == {"beginner", "intermediate", "advanced"}
    assert {"knee", "back", "shoulder"} <= {area for p in PROFILES for area in p.limitations}
    assert {("body weight",), ("dumbbell",), ("gym",)} <= {p.equipment for p in PROFILES}


def test_every_plan_passes_the_validator(results):
    failing = {f"{r.profile}": r.problems[:5] for r in results if r.problems}
    passed = len(results) - len(failing)
    print(f"\nvalidator pass rate: {passed}/{len(results)} ({passed / len(results):.0%})")
    assert failing == {}


def test_weekly_volume_never_jumps_more_than_the_step_except_after_a_deload(results):
    for result in results:
        deloads = deload_week_numbers(result.draft.model_dump())
        for week in range(2, len(result.volumes) + 1):
            before, now = result.volumes[week - 2], result.volumes[week - 1]
            if week - 1 in deloads or week in deloads:
                continue
            assert now <= max_next_volume(before), (result.profile, result.volumes)


def test_deload_weeks_come_every_fourth_week_and_are_lighter(results):
    ratios = []
    for result in results:
        expected = expected_deload_weeks(result.profile.weeks)
        assert expected, result.profile  # every profile has 4 weeks or more
        assert result.draft.deload_weeks == expected, result.profile
        for week in expected:
            assert result.draft.weeks[week - 1].phase == "deload"
            before, deload = result.volumes[week - 2], result.volumes[week - 1]
            assert deload < before, (result.profile, result.volumes)
            ratios.append(deload / before)
    print(f"\ndeload weeks: {len(ratios)}, sets kept on average {sum(ratios) / len(ratios):.0%}")
    assert sum(ratios) / len(ratios) <= 0.7


def test_no_exercise_loads_a_stated_limitation(results):
    limited = [r for r in results if r.profile.limitations]
    knee = [r for r in limited if "knee" in r.profile.limitations]
    assert len(knee) >= 5
    for result in limited:
        areas = request_areas(result.profile.limitations)
        for exercise in _exercises(result):
            assert contraindication_reasons(exercise, areas, level_code(result.profile.level)) == [], (
                result.profile,
                exercise.exercise_en,
            )
    for result in knee:
        names = " ".join(e.exercise_en.lower() for e in _exercises(result))
        assert "lunge" not in names, result.profile
        assert "jump" not in names, result.profile


def test_equipment_is_what_the_person_has(results):
    for result in results:
        if not result.profile.equipment or "gym" in result.profile.equipment:
            continue
        allowed = set(result.profile.equipment) | {"body weight"}
        for exercise in _exercises(result):
            assert set(exercise.equipments) <= allowed, (result.profile, exercise.exercise_en)


def test_every_plan_progresses_from_week_one_and_keeps_its_training_days(results):
    with_sets_added = 0
    for result in results:
        weeks = result.draft.weeks
        first = {(d.day, e.exercise_id): e for d in weeks[0].days for e in d.exercises}
        second = {(d.day, e.exercise_id): e for d in weeks[1].days for e in d.exercises}
        assert first.keys() == second.keys()
        harder = [
            key
            for key, item in first.items()
            if (second[key].reps or 0) > (item.reps or 0)
            or (second[key].duration_seconds or 0) > (item.duration_seconds or 0)
        ]
        assert harder, (result.profile, "week 2 is no harder than week 1")
        if max(result.volumes) > result.volumes[0]:
            with_sets_added += 1
        for week in weeks:
            assert sum(1 for day in week.days if not day.rest) == result.profile.days
    print(f"\nplans adding sets over the weeks: {with_sets_added}/{len(results)}")
    assert with_sets_added >= len(results) // 2
