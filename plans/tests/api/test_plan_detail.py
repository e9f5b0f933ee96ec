"""GET /api/v1/workout-plans/{id}: a template plan's schedule, week by week, seven days a week."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from plans.models import PlanExercise, WorkoutPlan
from plans.tests.factories import PlanExerciseFactory, WorkoutPlanFactory

pytestmark = pytest.mark.django_db


def url(plan_id: int | str) -> str:
    return f"/api/v1/workout-plans/{plan_id}"


def detail(api: APIClient, plan: WorkoutPlan, **params: str) -> dict[str, Any]:
    response = api.get(url(plan.id), params)
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def served_plan_exercises(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [entry for week in body["schedule"] for day in week["days"] for entry in day["exercises"]]


def test_the_schedule_has_every_week_and_seven_days_a_week(api, twelve_week_plan):
    body = detail(api, twelve_week_plan)

    assert body["name"] == twelve_week_plan.name_en
    assert [week["week_number"] for week in body["schedule"]] == list(range(1, 13))
    for week in body["schedule"]:
        assert [day["day_number"] for day in week["days"]] == [1, 2, 3, 4, 5, 6, 7]
        training_days = [day for day in week["days"] if not day["is_rest_day"]]
        assert len(training_days) == week["training_days"] == twelve_week_plan.days_per_week
        assert all(day["exercises"] for day in training_days)


def test_rest_days_are_marked_and_carry_no_exercises(api, four_week_plan):
    trained_days = set(PlanExercise.objects.filter(plan=four_week_plan).values_list("day_number", flat=True))

    for week in detail(api, four_week_plan)["schedule"]:
        for day in week["days"]:
            assert day["is_rest_day"] is (day["day_number"] not in trained_days)
            if day["is_rest_day"]:
                assert day["exercises"] == []


def test_plan_exercises_come_in_week_day_order_and_all_of_them(api, twelve_week_plan):
    body = detail(api, twelve_week_plan)
    stored = PlanExercise.objects.filter(plan=twelve_week_plan).order_by("week_number", "day_number", "order_in_day")

    assert [entry["id"] for entry in served_plan_exercises(body)] == [pe.id for pe in stored]
    assert body["exercise_count"] == len(stored)
    for week in body["schedule"]:
        for day in week["days"]:
            assert [entry["order"] for entry in day["exercises"]] == list(range(1, len(day["exercises"]) + 1))


def test_each_plan_exercise_has_its_dose_notes_and_exercise_summary(api, four_week_plan):
    stored = {pe.id: pe for pe in PlanExercise.objects.filter(plan=four_week_plan).select_related("exercise")}

    entries = served_plan_exercises(detail(api, four_week_plan))

    assert len(entries) == len(stored)
    for entry in entries:
        plan_exercise = stored[entry["id"]]
        assert entry["sets"] == plan_exercise.sets >= 1
        assert entry["reps"] == plan_exercise.reps
        assert entry["duration_seconds"] == plan_exercise.duration_seconds
        assert (entry["reps"] is None) != (entry["duration_seconds"] is None)
        assert entry["rest_seconds"] == plan_exercise.rest_seconds
        assert entry["notes"] == plan_exercise.notes
        summary = entry["exercise"]
        assert summary["id"] == plan_exercise.exercise_id
        assert summary["slug"] == plan_exercise.exercise.slug
        assert summary["name"] == plan_exercise.exercise.exercise_en
        assert summary["thumbnail_url"] == (summary["male_gif_urls"] or [None])[0]
        assert {"fallback", "male_source", "female_source"} <= set(summary["media"])
    assert sum(1 for entry in entries if entry["exercise"]["thumbnail_url"]) > len(entries) / 2


def test_timed_holds_are_served_as_durations(api, four_week_plan):
    entries = served_plan_exercises(detail(api, four_week_plan))

    timed = [entry for entry in entries if entry["duration_seconds"] is not None]
    assert timed
    assert all(entry["reps"] is None and entry["duration_seconds"] > 0 for entry in timed)


@pytest.mark.parametrize(
    ("slug", "deload_weeks"),
    [
        ("beginner-full-body-strength", [4, 8]),
        ("endurance-engine-gym", [4, 8]),
        ("advanced-strength-squat-bench-deadlift", [4, 8, 12]),
        ("push-pull-legs-hypertrophy", [4, 8, 12]),
        ("home-hiit-fat-burner", []),
        ("home-bodyweight-strength", []),
    ],
)
def test_deload_weeks_are_marked(api, slug, deload_weeks):
    body = detail(api, WorkoutPlan.objects.get(slug=slug))

    assert [week["week_number"] for week in body["schedule"] if week["is_deload"]] == deload_weeks


def test_every_plan_of_eight_weeks_or_more_marks_a_deload_every_fourth_week(api):
    for plan in WorkoutPlan.objects.filter(is_template=True, weeks__gte=8):
        schedule = detail(api, plan)["schedule"]
        marked = [week["week_number"] for week in schedule if week["is_deload"]]
        assert marked == list(range(4, plan.weeks + 1, 4)), plan.slug


def test_a_week_lighter_than_the_one_before_is_a_deload(api):
    plan = WorkoutPlanFactory.create(weeks=3)
    for week_number, sets in ((1, 4), (2, 2), (3, 4)):
        PlanExerciseFactory.create(plan=plan, week_number=week_number, order_in_day=1, sets=sets)

    schedule = detail(api, plan)["schedule"]

    assert [week["is_deload"] for week in schedule] == [False, True, False]


def test_lang_fr_gives_french_notes_and_names(api, twelve_week_plan):
    stored = {pe.id: pe for pe in PlanExercise.objects.filter(plan=twelve_week_plan).select_related("exercise")}

    body = detail(api, twelve_week_plan, lang="fr")

    assert body["name"] == twelve_week_plan.name_fr
    entries = served_plan_exercises(body)
    assert all(entry["notes"] == stored[entry["id"]].notes_fr for entry in entries)
    deload_notes = [entry["notes"] for entry in entries if stored[entry["id"]].week_number == 4]
    assert deload_notes
    assert all(note.startswith("Semaine de décharge") for note in deload_notes)
    french_names = [entry["exercise"]["name"] for entry in entries if stored[entry["id"]].exercise.exercise_fr]
    assert french_names
    assert all(
        entry["exercise"]["name"] == stored[entry["id"]].exercise.exercise_fr
        for entry in entries
        if stored[entry["id"]].exercise.exercise_fr
    )


def test_a_note_missing_in_french_falls_back_to_english(api):
    plan = WorkoutPlanFactory.create()
    PlanExerciseFactory.create(plan=plan, notes="Keep your back flat.", notes_fr="")

    entry = served_plan_exercises(detail(api, plan, lang="fr"))[0]

    assert entry["notes"] == "Keep your back flat."


def test_english_and_french_details_are_cached_apart(api, four_week_plan):
    english = detail(api, four_week_plan, lang="en")
    french = detail(api, four_week_plan, lang="fr")

    assert english["name"] == four_week_plan.name_en
    assert french["name"] == four_week_plan.name_fr
    assert detail(api, four_week_plan, lang="en")["name"] == four_week_plan.name_en


def assert_not_found_problem(response: Any) -> None:
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404
    assert body["title"]
    assert body["type"].startswith("https://")
    assert body["detail"]


def test_an_unknown_id_is_a_404_problem(api):
    last_id = WorkoutPlan.objects.order_by("-id").values_list("id", flat=True)[0]

    assert_not_found_problem(api.get(url(last_id + 1000)))


def test_a_users_own_plan_is_not_served_as_a_template(api, alices_plan):
    response = api.get(url(alices_plan.id))

    assert_not_found_problem(response)
    assert "Alice" not in response.content.decode()


def test_a_huge_id_is_a_404_problem_not_a_crash(api):
    assert_not_found_problem(api.get(url("99999999999999999999")))


def test_an_unknown_parameter_is_a_400_problem(api, four_week_plan):
    response = api.get(url(four_week_plan.id), {"expand": "all"})

    assert response.status_code == 400
    assert "expand" in response.json()["errors"]


def test_a_404_is_not_cached(api):
    draft = WorkoutPlanFactory.create(is_template=False, source=WorkoutPlan.Source.CUSTOM)
    assert api.get(url(draft.id)).status_code == 404

    draft.is_template = True
    draft.save()

    assert api.get(url(draft.id)).status_code == 200
