"""A user's progress, computed in SQL from their workout logs: totals, day and week streaks, the
last 12 weeks, per-muscle volume, personal records and per-plan completion.

A log is one exercise done on a date: `sets_completed` sets of `reps_completed` reps at
`weight_kg`, so its reps are sets x reps and its volume weight x sets x reps. Dates are the dates
the user trained (`date_performed`, the user's own calendar) and "today" is the user's local date
from `users.time_zone`, never the server's UTC date.

Every figure comes from PROGRESS_QUERIES queries whatever the number of logs. The rendered page
is cached per user, day and language under the user's data version, which the tracking services
bump on every write to the user's plans or logs (`cache_keys.user_data_changed`), so a warm
request runs no query at all.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import connection
from django.utils import timezone

from accounts.models import User
from exercises.taxonomy import MUSCLES
from movoai import cache_keys
from movoai.api import LANGUAGES, render_json

logger = logging.getLogger("movoai.progress")

# Days a week a week must have trained to keep the weekly streak when the user has no plan.
DEFAULT_DAYS_PER_WEEK = 3
SUMMARY_WEEKS = 12
# The page is keyed by the user's date, so a day-old entry is never read again: let it expire.
PROGRESS_CACHE_SECONDS = 24 * 3600
PROGRESS_QUERIES = 5  # summary, weekly summary, muscles, personal records, plans

_CENT = Decimal("0.01")

# One row: totals, the day streaks and the weekly streak. Streaks are gaps and islands: within a
# run of consecutive days, day - row_number() is constant (for weeks, week_start - 7 x row_number()).
# The current run is the latest one still alive: ending today, or yesterday while today is not
# over (a run ending tomorrow, from a client whose clock is ahead, counts too).
_SUMMARY_SQL = """
WITH logs AS (
    SELECT date_performed,
           coalesce(sets_completed, 0)::bigint AS sets,
           coalesce(sets_completed, 0)::bigint * coalesce(reps_completed, 0) AS reps,
           coalesce(weight_kg, 0) * coalesce(sets_completed, 0) * coalesce(reps_completed, 0) AS volume_kg
    FROM user_workout_logs
    WHERE user_id = %(user_id)s
),
training_days AS (
    SELECT DISTINCT date_performed AS day FROM logs
),
day_runs AS (
    SELECT max(day) AS last_day, count(*) AS days
    FROM (SELECT day, day - (row_number() OVER (ORDER BY day))::integer AS run FROM training_days) AS numbered
    GROUP BY run
),
target AS (
    -- the most recently started active plan, else the most recent plan, else the default
    SELECT coalesce((
        SELECT plan.days_per_week
        FROM user_plans AS user_plan
        JOIN workout_plans AS plan ON plan.id = user_plan.plan_id
        WHERE user_plan.user_id = %(user_id)s
        ORDER BY user_plan.status = 'active' DESC, user_plan.start_date DESC, user_plan.id DESC
        LIMIT 1
    ), %(default_days_per_week)s) AS days_per_week
),
met_weeks AS (
    SELECT date_trunc('week', day::timestamp)::date AS week_start
    FROM training_days
    GROUP BY 1
    HAVING count(*) >= (SELECT days_per_week FROM target)
),
week_runs AS (
    SELECT max(week_start) AS last_week, count(*) AS weeks
    FROM (
        SELECT week_start, week_start - 7 * (row_number() OVER (ORDER BY week_start))::integer AS run
        FROM met_weeks
    ) AS numbered
    GROUP BY run
)
SELECT
    (SELECT count(*) FROM training_days) AS workouts,
    count(*) AS exercises_completed,
    coalesce(sum(sets), 0)::bigint AS sets,
    coalesce(sum(reps), 0)::bigint AS reps,
    coalesce(sum(volume_kg), 0) AS volume_kg,
    min(date_performed) AS first_workout,
    max(date_performed) AS last_workout,
    coalesce((
        SELECT days FROM day_runs WHERE last_day >= %(yesterday)s ORDER BY last_day DESC LIMIT 1
    ), 0) AS current_days,
    (SELECT coalesce(max(days), 0) FROM day_runs) AS longest_days,
    coalesce((
        SELECT weeks FROM week_runs WHERE last_week >= %(last_week)s ORDER BY last_week DESC LIMIT 1
    ), 0) AS current_weeks,
    (SELECT coalesce(max(weeks), 0) FROM week_runs) AS longest_weeks,
    (SELECT days_per_week FROM target) AS target_days_per_week
FROM logs
"""

# The last SUMMARY_WEEKS ISO weeks (Monday first), oldest first, weeks without training included.
_WEEKLY_SQL = """
WITH weeks AS (
    SELECT %(first_week)s::date + 7 * week AS week_start FROM generate_series(0, %(weeks)s - 1) AS week
)
SELECT weeks.week_start,
       count(DISTINCT log.date_performed) AS workouts,
       count(log.id) AS logs,
       coalesce(sum(log.sets_completed), 0) AS sets,
       coalesce(sum(log.sets_completed::bigint * log.reps_completed), 0)::bigint AS reps,
       coalesce(sum(log.weight_kg * log.sets_completed * log.reps_completed), 0) AS volume_kg
FROM weeks
LEFT JOIN user_workout_logs AS log
    ON log.user_id = %(user_id)s
    AND log.date_performed >= weeks.week_start
    AND log.date_performed < weeks.week_start + 7
GROUP BY weeks.week_start
ORDER BY weeks.week_start
"""

# A log's exercise is its own, else its plan exercise's (a log outlives neither, but either link
# may have been cleared). Each primary muscle of the exercise gets the log's whole work.
_MUSCLES_SQL = """
SELECT primary_muscle.muscle,
       coalesce(sum(log.sets_completed), 0) AS sets,
       coalesce(sum(log.sets_completed::bigint * log.reps_completed), 0)::bigint AS reps,
       coalesce(sum(log.weight_kg * log.sets_completed * log.reps_completed), 0) AS volume_kg
FROM user_workout_logs AS log
LEFT JOIN plan_exercises AS plan_exercise ON plan_exercise.id = log.plan_exercise_id
JOIN exercises AS exercise ON exercise.id = coalesce(log.exercise_id, plan_exercise.exercise_id)
CROSS JOIN LATERAL (SELECT DISTINCT unnest(exercise.muscles) AS muscle) AS primary_muscle
WHERE log.user_id = %(user_id)s
GROUP BY primary_muscle.muscle
ORDER BY volume_kg DESC, sets DESC, primary_muscle.muscle
"""

# Per exercise: the heaviest weight lifted (with the most reps done at it, first reached on `date`)
# and the best Brzycki estimate over every log, weight x 36 / (37 - reps), defined for 1 to 36
# reps. Only logs with work in them count: at least one rep, and not zero sets.
_RECORDS_SQL = """
WITH lifts AS (
    SELECT coalesce(log.exercise_id, plan_exercise.exercise_id) AS exercise_id,
           log.date_performed,
           coalesce(log.weight_kg, 0) AS weight_kg,
           log.reps_completed AS reps
    FROM user_workout_logs AS log
    LEFT JOIN plan_exercises AS plan_exercise ON plan_exercise.id = log.plan_exercise_id
    WHERE log.user_id = %(user_id)s AND log.reps_completed >= 1 AND coalesce(log.sets_completed, 1) > 0
),
best AS (
    SELECT DISTINCT ON (exercise_id) exercise_id, weight_kg, reps, date_performed
    FROM lifts
    WHERE exercise_id IS NOT NULL
    ORDER BY exercise_id, weight_kg DESC, reps DESC, date_performed
),
one_rep_max AS (
    SELECT exercise_id, max(weight_kg * 36 / (37 - reps)) AS estimated_kg
    FROM lifts
    WHERE reps <= 36 AND weight_kg > 0
    GROUP BY exercise_id
)
SELECT best.exercise_id, exercise.exercise_en, exercise.exercise_fr,
       best.weight_kg, best.reps, one_rep_max.estimated_kg, best.date_performed
FROM best
JOIN exercises AS exercise ON exercise.id = best.exercise_id
LEFT JOIN one_rep_max ON one_rep_max.exercise_id = best.exercise_id
ORDER BY one_rep_max.estimated_kg DESC NULLS LAST, best.weight_kg DESC, exercise.exercise_en, best.exercise_id
"""

# Per assignment: the plan's exercises logged under that assignment, out of all of them.
_PLANS_SQL = """
SELECT user_plan.id, user_plan.plan_id, plan.name_en, plan.name_fr, user_plan.status, user_plan.start_date,
       (
           SELECT count(DISTINCT log.plan_exercise_id)
           FROM user_workout_logs AS log
           JOIN plan_exercises AS plan_exercise ON plan_exercise.id = log.plan_exercise_id
           WHERE log.user_plan_id = user_plan.id AND plan_exercise.plan_id = user_plan.plan_id
       ) AS logged_plan_exercises,
       (SELECT count(*) FROM plan_exercises WHERE plan_exercises.plan_id = user_plan.plan_id) AS total_plan_exercises
FROM user_plans AS user_plan
JOIN workout_plans AS plan ON plan.id = user_plan.plan_id
WHERE user_plan.user_id = %(user_id)s
ORDER BY user_plan.start_date DESC, user_plan.id DESC
"""


def user_time_zone(*, time_zone: str) -> ZoneInfo:
    """The user's IANA zone; an unknown name (the column is free text) counts as UTC."""
    try:
        return ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning("unknown time zone %r, using UTC", time_zone)
        return ZoneInfo("UTC")


def user_today(*, time_zone: str, now: datetime | None = None) -> date:
    """The user's local date now (or at `now`)."""
    return (now or timezone.now()).astimezone(user_time_zone(time_zone=time_zone)).date()


def week_start(day: date) -> date:
    """The Monday of the ISO week of `day`."""
    return day - timedelta(days=day.weekday())


def user_progress(*, user: User, today: date, lang: str) -> dict[str, Any]:
    """Every figure of the user's progress as of `today` (the user's date), JSON-ready: counts are
    ints, kilograms floats rounded to 2 decimals, dates ISO strings; names and labels in `lang`
    (French falling back to English). Runs PROGRESS_QUERIES queries whatever the number of logs."""
    this_week = week_start(today)
    params = {
        "user_id": user.id,
        "default_days_per_week": DEFAULT_DAYS_PER_WEEK,
        "yesterday": today - timedelta(days=1),
        "last_week": this_week - timedelta(weeks=1),
        "first_week": this_week - timedelta(weeks=SUMMARY_WEEKS - 1),
        "weeks": SUMMARY_WEEKS,
    }
    (summary,) = _rows(_SUMMARY_SQL, params)
    weeks = _rows(_WEEKLY_SQL, params)
    muscles = _rows(_MUSCLES_SQL, params)
    records = _rows(_RECORDS_SQL, params)
    plans = _rows(_PLANS_SQL, params)
    return {
        "user_id": str(user.id),
        "time_zone": user.time_zone,
        "today": today.isoformat(),
        "totals": {
            "workouts": summary["workouts"],
            "exercises_completed": summary["exercises_completed"],
            "sets": summary["sets"],
            "reps": summary["reps"],
            "volume_kg": _kg(summary["volume_kg"]),
            "first_workout": _iso(summary["first_workout"]),
            "last_workout": _iso(summary["last_workout"]),
        },
        "streaks": {"current_days": summary["current_days"], "longest_days": summary["longest_days"]},
        "weekly_streak": {
            "current_weeks": summary["current_weeks"],
            "longest_weeks": summary["longest_weeks"],
            "target_days_per_week": summary["target_days_per_week"],
        },
        "weekly_summary": [
            {
                "week_start": _iso(week["week_start"]),
                "workouts": week["workouts"],
                "logs": week["logs"],
                "sets": week["sets"],
                "reps": week["reps"],
                "volume_kg": _kg(week["volume_kg"]),
            }
            for week in weeks
        ],
        "muscles": [
            {
                "muscle": muscle["muscle"],
                "label": _muscle_label(muscle["muscle"], lang),
                "sets": muscle["sets"],
                "reps": muscle["reps"],
                "volume_kg": _kg(muscle["volume_kg"]),
            }
            for muscle in muscles
        ],
        "personal_records": [
            {
                "exercise_id": record["exercise_id"],
                **_named("exercise_name", record["exercise_en"], record["exercise_fr"], lang),
                "best_weight_kg": _kg(record["weight_kg"]),
                "reps_at_best_weight": record["reps"],
                "estimated_one_rep_max_kg": _kg(record["estimated_kg"]),
                "date": _iso(record["date_performed"]),
            }
            for record in records
        ],
        "plans": [
            {
                "user_plan_id": plan["id"],
                "plan_id": plan["plan_id"],
                **_named("name", plan["name_en"], plan["name_fr"], lang),
                "status": plan["status"],
                "start_date": _iso(plan["start_date"]),
                "logged_plan_exercises": plan["logged_plan_exercises"],
                "total_plan_exercises": plan["total_plan_exercises"],
                "completion_percent": _percent(plan["logged_plan_exercises"], plan["total_plan_exercises"]),
            }
            for plan in plans
        ],
    }


def user_progress_page(*, user: User, lang: str, now: datetime | None = None) -> bytes:
    """The rendered progress of a user (whom the caller has already allowed), from the cache when
    it is there; the cache key carries the user's data version and their own today."""
    return _cached_page(user=user, lang=lang, today=user_today(time_zone=user.time_zone, now=now))


def user_progress_rebuild(*, user: User, now: datetime | None = None) -> None:
    """Drop everything cached for the user (their data version moves on) and cache their progress
    again, in every language."""
    cache_keys.user_data_changed(user.id)
    today = user_today(time_zone=user.time_zone, now=now)
    for lang in LANGUAGES:
        _cached_page(user=user, lang=lang, today=today)


# ---- helpers ---------------------------------------------------------------------------------
def _rows(sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _cached_page(*, user: User, lang: str, today: date) -> bytes:
    # cache_keys.user_progress is keyed by (user, day): the language joins the day in its last part.
    return cache_keys.cached_bytes(
        lambda: cache_keys.user_progress(user.id, f"{today.isoformat()}:{lang}"),
        lambda: render_json(user_progress(user=user, today=today, lang=lang)),
        PROGRESS_CACHE_SECONDS,
    )


def _kg(value: Decimal | int | None) -> float | None:
    if value is None:
        return None
    return float(Decimal(value).quantize(_CENT, rounding=ROUND_HALF_UP))


def _percent(part: int, whole: int) -> float:
    if not whole:
        return 0.0
    return float((Decimal(100 * part) / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _named(key: str, name_en: str, name_fr: str | None, lang: str) -> dict[str, str]:
    """A name in the language, falling back to English, and which language it is in."""
    if lang == "fr" and name_fr:
        return {key: name_fr, f"{key}_language": "fr"}
    return {key: name_en, f"{key}_language": "en"}


def _muscle_label(code: str, lang: str) -> str:
    labels = MUSCLES.get(code)
    if labels is None:
        return code
    return labels[1] if lang == "fr" else labels[0]
