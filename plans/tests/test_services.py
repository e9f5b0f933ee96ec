"""Writes to workout plans: the template loader (idempotent, stable ids, all or nothing) and the
featured order; each content change reaches the cached API."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.test import override_settings

from movoai import cache_keys
from plans.demo.template_plans import template_plans
from plans.models import PlanExercise, WorkoutPlan
from plans.services import UnknownExercise, plan_featured_order_set, template_plans_load

pytestmark = pytest.mark.django_db

SQUAT_SLUG = "barbell-squat"


def plan_spec(slug: str = "alices-test-routine", **changes: Any) -> dict[str, Any]:
    """A small template spec: one week, one day, two plan exercises."""
    row = {
        "week_number": 1,
        "day_number": 1,
        "sets": 3,
        "reps": 5,
        "duration_seconds": None,
        "rest_seconds": 120,
        "notes_en": "Brace before each rep.",
        "notes_fr": "Gainez-vous avant chaque répétition.",
    }
    spec: dict[str, Any] = {
        "slug": slug,
        "name_en": "Test Routine",
        "name_fr": "Routine de test",
        "description_en": "Squats and planks.",
        "description_fr": "Squats et gainage.",
        "goal": "strength",
        "difficulty": "beginner",
        "weeks": 1,
        "days_per_week": 1,
        "equipment_setting": "gym",
        "featured_order": None,
        "exercises": [
            {**row, "order": 1, "exercise_slug": SQUAT_SLUG},
            {**row, "order": 2, "exercise_slug": "plank", "reps": None, "duration_seconds": 30},
        ],
    }
    spec.update(changes)
    return spec


def plan_exercise_ids() -> dict[tuple[str, int, int, int], int]:
    rows = PlanExercise.objects.filter(plan__is_template=True).values_list(
        "plan__slug", "week_number", "day_number", "order_in_day", "id"
    )
    return {(slug, week, day, order): row_id for slug, week, day, order, row_id in rows}


def test_reloading_the_demo_plans_changes_nothing():
    plans = template_plans()

    first = template_plans_load(plans=plans)
    second = template_plans_load(plans=plans)

    for result in (first, second):
        assert result.created == 0
        assert result.updated == 0
        assert result.unchanged == len(plans) == 14


def test_a_new_plan_is_created_once():
    first = template_plans_load(plans=[plan_spec()])
    second = template_plans_load(plans=[plan_spec()])

    assert (first.created, first.updated, first.unchanged) == (1, 0, 0)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 1)
    plan = WorkoutPlan.objects.get(slug="alices-test-routine")
    assert plan.is_template
    assert plan.source == WorkoutPlan.Source.TEMPLATE
    assert plan.created_by is None
    assert [(pe.order_in_day, pe.exercise.slug) for pe in plan.plan_exercises.order_by("order_in_day")] == [
        (1, SQUAT_SLUG),
        (2, "plank"),
    ]


def test_plan_exercise_ids_survive_a_reload():
    before = plan_exercise_ids()

    template_plans_load(plans=template_plans())

    assert plan_exercise_ids() == before
    assert len(before) == PlanExercise.objects.filter(plan__is_template=True).count() > 2000


def test_a_changed_dose_is_updated_in_place(django_capture_on_commit_callbacks):
    plans = template_plans()
    row = plans[0]["exercises"][0]
    key = (plans[0]["slug"], row["week_number"], row["day_number"], row["order"])
    ids_before = plan_exercise_ids()
    edited = copy.deepcopy(plans)
    edited[0]["exercises"][0]["reps"] = row["reps"] + 3
    edited[0]["exercises"][0]["notes_fr"] = "Nouvelle consigne."

    with django_capture_on_commit_callbacks() as callbacks:
        result = template_plans_load(plans=edited)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 13)
    assert plan_exercise_ids() == ids_before
    plan_exercise = PlanExercise.objects.get(id=ids_before[key])
    assert plan_exercise.reps == row["reps"] + 3
    assert plan_exercise.notes_fr == "Nouvelle consigne."
    assert callbacks == [cache_keys.content_changed]


def test_a_changed_dose_reaches_the_cached_plan_detail(api, django_capture_on_commit_callbacks):
    template_plans_load(plans=[plan_spec()])
    plan = WorkoutPlan.objects.get(slug="alices-test-routine")
    url = f"/api/v1/workout-plans/{plan.id}"
    assert api.get(url).json()["schedule"][0]["days"][0]["exercises"][0]["sets"] == 3

    edited = plan_spec()
    edited["exercises"][0]["sets"] = 5
    with django_capture_on_commit_callbacks(execute=True):
        template_plans_load(plans=[edited])

    assert api.get(url).json()["schedule"][0]["days"][0]["exercises"][0]["sets"] == 5


def test_a_plan_exercise_dropped_from_the_spec_is_deleted():
    template_plans_load(plans=[plan_spec()])
    shorter = plan_spec()
    shorter["exercises"] = shorter["exercises"][:1]

    result = template_plans_load(plans=[shorter])

    assert result.updated == 1
    plan = WorkoutPlan.objects.get(slug="alices-test-routine")
    assert [pe.exercise.slug for pe in plan.plan_exercises.all()] == [SQUAT_SLUG]


def test_an_unknown_exercise_slug_aborts_the_whole_load():
    plans = template_plans()
    edited = copy.deepcopy(plans)
    edited[0]["name_en"] = "Renamed Before The Failure"
    bad = plan_spec(slug="plan-with-a-typo")
    bad["exercises"][1]["exercise_slug"] = "planck"
    ids_before = plan_exercise_ids()

    with pytest.raises(UnknownExercise, match="planck"):
        template_plans_load(plans=[*edited, bad])

    assert WorkoutPlan.objects.get(slug=plans[0]["slug"]).name_en == plans[0]["name_en"]
    assert not WorkoutPlan.objects.filter(slug="plan-with-a-typo").exists()
    assert plan_exercise_ids() == ids_before


def test_unchanged_content_keeps_the_cache(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        template_plans_load(plans=template_plans())

    assert callbacks == []


def test_featuring_a_plan_bumps_the_content_version(django_capture_on_commit_callbacks):
    plan = WorkoutPlan.objects.get(slug="home-bodyweight-strength")
    version = cache_keys.content_version()

    with django_capture_on_commit_callbacks(execute=True):
        plan_featured_order_set(plan=plan, featured_order=7)

    plan.refresh_from_db()
    assert plan.is_featured is True
    assert plan.featured_order == 7
    assert cache_keys.content_version() == version + 1


def test_with_the_cache_down_featuring_a_plan_still_succeeds(settings, django_capture_on_commit_callbacks):
    """Staff saving in the back-office with Redis down must not get an error for a saved change."""
    plan = WorkoutPlan.objects.get(slug="home-bodyweight-strength")
    unreachable = {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}}

    with override_settings(CACHES=unreachable), django_capture_on_commit_callbacks(execute=True):
        plan_featured_order_set(plan=plan, featured_order=6)

    plan.refresh_from_db()
    assert plan.featured_order == 6
