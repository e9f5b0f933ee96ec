"""tracking.progress.user_progress: the figures of a user's progress, computed in SQL from the logs.

Alice follows the demo "Beginner Full-Body Strength" template (3 days a week). Today is her date,
given explicitly here; the time zone that decides it is tested through the API.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from accounts.models import User
from accounts.tests.factories import UserFactory
from exercises.models import Exercise
from plans.models import PlanExercise, WorkoutPlan
from tracking import progress
from tracking.models import UserPlan
from tracking.tests.factories import UserPlanFactory, WorkoutLogFactory

pytestmark = pytest.mark.django_db

WEDNESDAY = datetime.date(2025, 3, 12)


def days(*offsets: int, today: datetime.date = WEDNESDAY) -> list[datetime.date]:
    return [today + datetime.timedelta(days=offset) for offset in offsets]


def progress_of(user: User, today: datetime.date = WEDNESDAY, lang: str = "en") -> dict[str, Any]:
    return progress.user_progress(user=user, today=today, lang=lang)


def log_days(log_workout, *dates: datetime.date) -> None:
    for day in dates:
        log_workout(day)


# ---- totals ---------------------------------------------------------------------------------
def test_totals_add_up_sets_reps_and_volume_of_every_log(alice, log_workout):
    # The acceptance script's logs: today twice, the two days before, and 10 days ago.
    for offset, sets, reps, weight in [
        (0, 3, 8, "60"),
        (0, 2, 10, "50"),
        (-1, 4, 6, "70"),
        (-2, 3, 10, "55"),
        (-10, 3, 12, "40"),
    ]:
        log_workout(WEDNESDAY + datetime.timedelta(days=offset), sets, reps, weight)

    totals = progress_of(alice)["totals"]

    assert totals == {
        "workouts": 4,
        "exercises_completed": 5,
        "sets": 15,
        "reps": 3 * 8 + 2 * 10 + 4 * 6 + 3 * 10 + 3 * 12,
        "volume_kg": 60 * 24 + 50 * 20 + 70 * 24 + 55 * 30 + 40 * 36.0,
        "first_workout": "2025-03-02",
        "last_workout": "2025-03-12",
    }


def test_volume_is_exact_to_the_cent_with_fractional_weights(alice, log_workout):
    # 0.1 + 0.2 is not 0.3 in floats: the sum is done in numeric and rounded once, at the end.
    for weight in ["0.10", "0.20", "22.55", "1.15"]:
        log_workout(WEDNESDAY, sets=1, reps=1, weight=weight)
    log_workout(WEDNESDAY, sets=3, reps=7, weight="33.33")

    body = progress_of(alice)

    assert body["totals"]["volume_kg"] == 723.93  # 24.00 + 3 x 7 x 33.33
    assert isinstance(body["totals"]["volume_kg"], float)


def test_logs_without_weight_or_sets_count_as_logs_and_days_but_add_no_volume(alice, log_workout):
    log_workout(WEDNESDAY, sets=4, reps=15, weight=None)
    log_workout(WEDNESDAY - datetime.timedelta(days=1), sets=None, reps=None, weight=None, duration_seconds=600)

    totals = progress_of(alice)["totals"]

    assert (totals["workouts"], totals["exercises_completed"], totals["sets"], totals["reps"]) == (2, 2, 4, 60)
    assert totals["volume_kg"] == 0.0


def test_the_largest_counts_the_schema_allows_do_not_overflow(alice, log_workout):
    log_workout(WEDNESDAY, sets=50, reps=1000, weight="1000")

    totals = progress_of(alice)["totals"]

    assert (totals["reps"], totals["volume_kg"]) == (50_000, 50_000_000.0)


def test_a_user_without_logs_has_zeros_and_empty_sections(alice):
    body = progress_of(alice)

    assert body["totals"] == {
        "workouts": 0,
        "exercises_completed": 0,
        "sets": 0,
        "reps": 0,
        "volume_kg": 0.0,
        "first_workout": None,
        "last_workout": None,
    }
    assert body["streaks"] == {"current_days": 0, "longest_days": 0}
    assert body["weekly_streak"] == {"current_weeks": 0, "longest_weeks": 0, "target_days_per_week": 3}
    assert [week["logs"] for week in body["weekly_summary"]] == [0] * 12
    assert (body["muscles"], body["personal_records"], body["plans"]) == ([], [], [])


def test_only_the_users_own_logs_count(alice, log_workout, strength_plan, strength_plan_exercises):
    bob_plan = UserPlanFactory.create(user=UserFactory.create(display_name="Bob"), plan=strength_plan)
    WorkoutLogFactory.create(user_plan=bob_plan, plan_exercise=strength_plan_exercises[0], date_performed=WEDNESDAY)
    log_workout(WEDNESDAY - datetime.timedelta(days=3))

    body = progress_of(alice)

    assert (body["totals"]["exercises_completed"], body["streaks"]["current_days"]) == (1, 0)


# ---- day streaks ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("offsets", "current", "longest"),
    [
        pytest.param([0, -1, -2], 3, 3, id="three days up to today"),
        pytest.param([0, 0, -1, -1, -2], 3, 3, id="several logs a day count the day once"),
        pytest.param([-1, -2], 2, 2, id="today not trained yet: the streak runs up to yesterday"),
        pytest.param([-2, -3, -4], 0, 3, id="neither today nor yesterday: broken"),
        pytest.param([0, -1, -3, -4, -5, -6], 2, 4, id="a gap: the current run is the last one"),
        pytest.param([0, -2, -4], 1, 1, id="every other day"),
        pytest.param([-1, -10, -11, -12, -13, -14], 1, 5, id="the longest run long ago"),
    ],
)
def test_day_streaks(alice, log_workout, offsets, current, longest):
    log_days(log_workout, *days(*offsets))

    assert progress_of(alice)["streaks"] == {"current_days": current, "longest_days": longest}


def test_a_streak_runs_across_a_month_end(alice, log_workout):
    # 2025 is not a leap year: 27 and 28 February, then 1 and 2 March.
    march_2 = datetime.date(2025, 3, 2)
    log_days(log_workout, *days(-3, -2, -1, 0, today=march_2))

    assert progress_of(alice, today=march_2)["streaks"] == {"current_days": 4, "longest_days": 4}


def test_a_streak_runs_across_a_leap_day(alice, log_workout):
    march_1 = datetime.date(2024, 3, 1)
    log_days(log_workout, datetime.date(2024, 2, 28), datetime.date(2024, 2, 29), march_1)

    assert progress_of(alice, today=march_1)["streaks"]["current_days"] == 3


def test_a_streak_runs_across_a_year_end(alice, log_workout):
    new_year = datetime.date(2025, 1, 2)
    log_days(log_workout, datetime.date(2024, 12, 30), datetime.date(2024, 12, 31), datetime.date(2025, 1, 1))

    # 2 January not trained yet: the streak from 30 December is still alive.
    assert progress_of(alice, today=new_year)["streaks"] == {"current_days": 3, "longest_days": 3}
    # A day later it is broken, and remains the longest.
    assert progress_of(alice, today=new_year + datetime.timedelta(days=1))["streaks"] == {
        "current_days": 0,
        "longest_days": 3,
    }


def test_a_month_without_training_breaks_the_streak(alice, log_workout):
    log_days(log_workout, datetime.date(2025, 1, 30), datetime.date(2025, 1, 31), datetime.date(2025, 3, 1))

    streaks = progress_of(alice, today=datetime.date(2025, 3, 1))["streaks"]

    assert streaks == {"current_days": 1, "longest_days": 2}


# ---- weekly streak --------------------------------------------------------------------------
def train_weeks(log_workout, days_per_week: list[int], this_week: datetime.date) -> None:
    """Train the first n days (Monday on) of consecutive weeks, the last one being this week."""
    first = progress.week_start(this_week) - datetime.timedelta(weeks=len(days_per_week) - 1)
    for index, count in enumerate(days_per_week):
        monday = first + datetime.timedelta(weeks=index)
        log_days(log_workout, *(monday + datetime.timedelta(days=day) for day in range(count)))


@pytest.mark.parametrize(
    ("days_per_week", "current", "longest"),
    [
        pytest.param([3, 3, 4, 3], 4, 4, id="every week met, this one included"),
        pytest.param([3, 3, 4, 1], 3, 3, id="this week in progress does not break the streak"),
        pytest.param([3, 3, 4, 0], 3, 3, id="this week not started"),
        pytest.param([3, 2, 3, 3], 2, 2, id="a short week breaks it"),
        pytest.param([3, 3, 3, 2, 1], 0, 3, id="last week short: broken"),
        pytest.param([3, 0, 0, 0, 3], 1, 1, id="weeks without training"),
    ],
)
def test_weekly_streak_counts_weeks_meeting_the_plans_days(
    alice, alices_plan, log_workout, days_per_week, current, longest
):
    # Wednesday 12 March: this week has had 3 days (Monday to Wednesday) at most.
    train_weeks(log_workout, days_per_week, WEDNESDAY)

    weekly = progress_of(alice)["weekly_streak"]

    assert weekly == {"current_weeks": current, "longest_weeks": longest, "target_days_per_week": 3}


def test_weekly_streak_runs_across_a_year_end(alice, log_workout):
    # ISO weeks starting Monday 23 and 30 December 2024 (the second one ends in 2025), then 6 January.
    train_weeks(log_workout, [3, 3, 3], datetime.date(2025, 1, 8))

    weekly = progress_of(alice, today=datetime.date(2025, 1, 8))["weekly_streak"]

    assert (weekly["current_weeks"], weekly["longest_weeks"]) == (3, 3)


def test_the_target_is_the_most_recently_started_active_plan(alice, alices_plan, log_workout):
    four_days = WorkoutPlan.objects.get(slug="advanced-strength-squat-bench-deadlift")
    six_days = WorkoutPlan.objects.get(slug="push-pull-legs-hypertrophy")
    UserPlanFactory.create(user=alice, plan=four_days, start_date=datetime.date(2025, 2, 1))
    UserPlanFactory.create(user=alice, plan=six_days, start_date=datetime.date(2025, 3, 1), status="paused")
    train_weeks(log_workout, [4, 3], WEDNESDAY)

    weekly = progress_of(alice)["weekly_streak"]

    # The paused six-day plan started later but is not active: four days a week.
    assert weekly == {"current_weeks": 1, "longest_weeks": 1, "target_days_per_week": 4}


def test_without_an_active_plan_the_target_is_the_most_recent_plan(alice):
    for slug, start in [
        ("push-pull-legs-hypertrophy", datetime.date(2025, 1, 1)),
        ("advanced-strength-squat-bench-deadlift", datetime.date(2025, 2, 1)),
    ]:
        UserPlanFactory.create(user=alice, plan=WorkoutPlan.objects.get(slug=slug), start_date=start, status="paused")

    assert progress_of(alice)["weekly_streak"]["target_days_per_week"] == 4


# ---- weekly summary -------------------------------------------------------------------------
def test_the_weekly_summary_has_the_last_12_weeks_oldest_first(alice, log_workout):
    log_workout(WEDNESDAY, sets=3, reps=8, weight="60")
    log_workout(WEDNESDAY, sets=2, reps=10, weight="50")
    log_workout(datetime.date(2025, 3, 10), sets=4, reps=6, weight="70")  # Monday of this week
    log_workout(datetime.date(2025, 3, 9), sets=3, reps=10, weight="55")  # Sunday of the week before
    log_workout(datetime.date(2024, 12, 23), sets=5, reps=5, weight="100")  # Monday 11 weeks before this one
    log_workout(datetime.date(2024, 12, 22), sets=5, reps=5, weight="100")  # 12 weeks before: left out

    weeks = progress_of(alice)["weekly_summary"]

    assert [week["week_start"] for week in weeks] == [
        (datetime.date(2024, 12, 23) + datetime.timedelta(weeks=n)).isoformat() for n in range(12)
    ]
    assert weeks[-1] == {
        "week_start": "2025-03-10",
        "workouts": 2,
        "logs": 3,
        "sets": 9,
        "reps": 68,
        "volume_kg": 1440 + 1000 + 1680.0,
    }
    assert weeks[-2] == {
        "week_start": "2025-03-03",
        "workouts": 1,
        "logs": 1,
        "sets": 3,
        "reps": 30,
        "volume_kg": 1650.0,
    }
    assert weeks[0] == {
        "week_start": "2024-12-23",
        "workouts": 1,
        "logs": 1,
        "sets": 5,
        "reps": 25,
        "volume_kg": 2500.0,
    }
    assert all(week["logs"] == 0 and week["volume_kg"] == 0.0 for week in weeks[1:-2])


def test_the_weekly_summary_of_a_sunday_ends_with_the_week_it_closes(alice, log_workout):
    sunday = datetime.date(2025, 3, 16)
    log_days(log_workout, datetime.date(2025, 3, 10), sunday)

    weeks = progress_of(alice, today=sunday)["weekly_summary"]

    assert (weeks[-1]["week_start"], weeks[-1]["workouts"], len(weeks)) == ("2025-03-10", 2, 12)


# ---- per muscle -----------------------------------------------------------------------------
def test_volume_per_primary_muscle(alice, log_workout, strength_plan_exercises):
    squat, bench = (
        next(pe for pe in strength_plan_exercises if pe.exercise.slug == slug)
        for slug in ("barbell-squat", "barbell-bench-press-medium-grip")
    )
    sumo = Exercise.objects.get(slug="sumo-squats")  # primary muscles: glutes and quadriceps
    log_workout(WEDNESDAY, sets=5, reps=5, weight="100", plan_exercise=squat)
    log_workout(WEDNESDAY, sets=3, reps=10, weight="60", plan_exercise=bench)
    log_workout(WEDNESDAY, sets=2, reps=10, weight="20", plan_exercise=squat, exercise=sumo)

    muscles = progress_of(alice)["muscles"]

    # The log's own exercise wins over its plan exercise's; each primary muscle gets the whole log.
    assert muscles == [
        {"muscle": "quadriceps", "label": "Quadriceps", "sets": 7, "reps": 45, "volume_kg": 2900.0},
        {"muscle": "chest", "label": "Chest", "sets": 3, "reps": 30, "volume_kg": 1800.0},
        {"muscle": "glutes", "label": "Glutes", "sets": 2, "reps": 20, "volume_kg": 400.0},
    ]


def test_a_log_without_its_own_exercise_uses_its_plan_exercises(alice, log_workout, strength_plan_exercises):
    bench = next(pe for pe in strength_plan_exercises if pe.exercise.slug == "barbell-bench-press-medium-grip")
    log_workout(WEDNESDAY, sets=3, reps=10, weight="60", plan_exercise=bench, exercise=None)

    body = progress_of(alice, lang="fr")

    assert body["muscles"] == [{"muscle": "chest", "label": "Pectoraux", "sets": 3, "reps": 30, "volume_kg": 1800.0}]
    assert [record["exercise_id"] for record in body["personal_records"]] == [bench.exercise_id]


# ---- personal records -----------------------------------------------------------------------
def test_personal_records_with_the_brzycki_one_rep_max(alice, log_workout, strength_plan_exercises):
    squat = next(pe for pe in strength_plan_exercises if pe.exercise.slug == "barbell-squat")
    log_workout(datetime.date(2025, 3, 1), sets=3, reps=10, weight="80", plan_exercise=squat)  # 1RM 106.67
    log_workout(datetime.date(2025, 3, 5), sets=5, reps=5, weight="100", plan_exercise=squat)  # 1RM 112.50
    log_workout(datetime.date(2025, 3, 8), sets=1, reps=2, weight="100", plan_exercise=squat)  # 1RM 102.86
    log_workout(datetime.date(2025, 3, 9), sets=1, reps=3, weight="100", plan_exercise=squat)  # 1RM 105.88

    (record,) = progress_of(alice, lang="fr")["personal_records"]

    assert record == {
        "exercise_id": squat.exercise_id,
        "exercise_name": "Squat à la barre",
        "exercise_name_language": "fr",
        "best_weight_kg": 100.0,
        "reps_at_best_weight": 5,
        "estimated_one_rep_max_kg": 112.5,
        "date": "2025-03-05",
    }


def test_the_one_rep_max_is_the_best_over_every_log_not_the_heaviest(alice, log_workout, strength_plan_exercises):
    bench = next(pe for pe in strength_plan_exercises if pe.exercise.slug == "barbell-bench-press-medium-grip")
    log_workout(WEDNESDAY, sets=1, reps=1, weight="90", plan_exercise=bench)  # 1RM 90
    log_workout(WEDNESDAY, sets=3, reps=12, weight="75", plan_exercise=bench)  # 1RM 75 x 36 / 25 = 108

    (record,) = progress_of(alice)["personal_records"]

    assert (record["best_weight_kg"], record["reps_at_best_weight"]) == (90.0, 1)
    assert record["estimated_one_rep_max_kg"] == 108.0
    assert record["exercise_name"] == "Barbell Bench Press - Medium Grip"


def test_the_one_rep_max_is_rounded_to_the_cent(alice, log_workout):
    log_workout(WEDNESDAY, sets=4, reps=6, weight="70")  # 70 x 36 / 31 = 81.2903...

    assert progress_of(alice)["personal_records"][0]["estimated_one_rep_max_kg"] == 81.29


def test_no_one_rep_max_outside_brzyckis_range_or_without_weight(alice, log_workout, strength_plan_exercises):
    row, pushdown = strength_plan_exercises[2], strength_plan_exercises[3]
    log_workout(WEDNESDAY, sets=1, reps=40, weight="20", plan_exercise=row)  # more than 36 reps
    log_workout(WEDNESDAY, sets=3, reps=15, weight=None, plan_exercise=pushdown)  # no weight
    log_workout(WEDNESDAY, sets=0, reps=5, weight="500", plan_exercise=pushdown)  # no set done: no record

    records = {record["exercise_id"]: record for record in progress_of(alice)["personal_records"]}

    assert records[row.exercise_id]["estimated_one_rep_max_kg"] is None
    assert records[row.exercise_id]["best_weight_kg"] == 20.0
    assert records[pushdown.exercise_id]["estimated_one_rep_max_kg"] is None
    assert (records[pushdown.exercise_id]["best_weight_kg"], records[pushdown.exercise_id]["reps_at_best_weight"]) == (
        0.0,
        15,
    )


def test_records_come_strongest_first(alice, log_workout, strength_plan_exercises):
    light, heavy = strength_plan_exercises[3], strength_plan_exercises[0]
    log_workout(WEDNESDAY, sets=3, reps=10, weight="20", plan_exercise=light)
    log_workout(WEDNESDAY, sets=3, reps=5, weight="120", plan_exercise=heavy)

    records = progress_of(alice)["personal_records"]

    assert [record["exercise_id"] for record in records] == [heavy.exercise_id, light.exercise_id]


# ---- per plan -------------------------------------------------------------------------------
def test_plan_completion_counts_distinct_plan_exercises_logged(
    alice, alices_plan, log_workout, strength_plan_exercises
):
    first, second, third = strength_plan_exercises[:3]
    for plan_exercise in (first, first, second, third):  # the first one twice: counted once
        log_workout(WEDNESDAY, plan_exercise=plan_exercise)
    mobility = WorkoutPlan.objects.get(slug="daily-mobility-flow")
    later = UserPlanFactory.create(user=alice, plan=mobility, start_date=datetime.date(2025, 3, 1), status="paused")

    plans = progress_of(alice, lang="fr")["plans"]

    total = PlanExercise.objects.filter(plan=alices_plan.plan).count()
    assert plans == [
        {
            "user_plan_id": later.id,
            "plan_id": mobility.id,
            "name": mobility.name_fr,
            "name_language": "fr",
            "status": "paused",
            "start_date": "2025-03-01",
            "logged_plan_exercises": 0,
            "total_plan_exercises": PlanExercise.objects.filter(plan=mobility).count(),
            "completion_percent": 0.0,
        },
        {
            "user_plan_id": alices_plan.id,
            "plan_id": alices_plan.plan_id,
            "name": alices_plan.plan.name_fr,
            "name_language": "fr",
            "status": "active",
            "start_date": "2024-01-01",
            "logged_plan_exercises": 3,
            "total_plan_exercises": total,
            "completion_percent": round(300 / total, 1),
        },
    ]


def test_a_plan_restarted_counts_only_the_logs_of_its_own_assignment(
    alice, alices_plan, log_workout, strength_plan_exercises
):
    log_workout(datetime.date(2024, 1, 3), plan_exercise=strength_plan_exercises[0])
    UserPlan.objects.filter(id=alices_plan.id).update(
        status="completed", completed_at=datetime.datetime.now(datetime.UTC)
    )
    again = UserPlanFactory.create(user=alice, plan=alices_plan.plan, start_date=datetime.date(2025, 3, 10))
    WorkoutLogFactory.create(user_plan=again, plan_exercise=strength_plan_exercises[1], date_performed=WEDNESDAY)
    WorkoutLogFactory.create(user_plan=again, plan_exercise=strength_plan_exercises[2], date_performed=WEDNESDAY)

    logged = {plan["user_plan_id"]: plan["logged_plan_exercises"] for plan in progress_of(alice)["plans"]}

    assert logged == {again.id: 2, alices_plan.id: 1}


def test_a_fully_logged_plan_is_complete(alice):
    plan = WorkoutPlan.objects.get(slug="home-hiit-fat-burner")
    user_plan = UserPlanFactory.create(user=alice, plan=plan)
    for plan_exercise in plan.plan_exercises.all():
        WorkoutLogFactory.create(user_plan=user_plan, plan_exercise=plan_exercise, date_performed=WEDNESDAY)

    (only,) = progress_of(alice)["plans"]

    assert (only["logged_plan_exercises"], only["completion_percent"]) == (only["total_plan_exercises"], 100.0)


def test_logs_of_a_removed_assignment_still_count_in_the_totals(alice, alices_plan, log_workout):
    log_days(log_workout, *days(0, -1))
    alices_plan.delete()  # the logs keep their history: user_plan_id becomes NULL

    body = progress_of(alice)

    assert (body["totals"]["exercises_completed"], body["streaks"]["current_days"], body["plans"]) == (2, 2, [])
    assert body["weekly_streak"]["target_days_per_week"] == progress.DEFAULT_DAYS_PER_WEEK
