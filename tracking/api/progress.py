"""GET /api/v1/users/me/progress (and the deprecated /users/{user_id}/progress): a user's progress,
computed in SQL and served from the cache once the access rule has let the request through."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.access import ME_PERMISSIONS, user_for_request
from movoai.api import json_response, reject_unknown_params, request_language
from movoai.views import LANG_PARAMETERS
from tracking import progress

BEARER_NOTICE = (
    "Send the user's access token (`Authorization: Bearer <access>`); no token, or an expired or bad one, is a "
    "401 problem."
)


# ---- the documented shape (tracking.progress.user_progress builds it; a test keeps them in step) ----
class ProgressTotalsSerializer(serializers.Serializer[dict[str, object]]):
    workouts = serializers.IntegerField(help_text="Distinct days with at least one log.")
    exercises_completed = serializers.IntegerField(help_text="Logs: one exercise done on a date.")
    sets = serializers.IntegerField()
    reps = serializers.IntegerField(help_text="Sets x reps, summed.")
    volume_kg = serializers.FloatField(help_text="Weight x sets x reps, summed.")
    first_workout = serializers.DateField(allow_null=True)
    last_workout = serializers.DateField(allow_null=True)


class ProgressStreaksSerializer(serializers.Serializer[dict[str, object]]):
    current_days = serializers.IntegerField(
        help_text="Consecutive training days up to today, or up to yesterday while today has no training yet."
    )
    longest_days = serializers.IntegerField()


class ProgressWeeklyStreakSerializer(serializers.Serializer[dict[str, object]]):
    current_weeks = serializers.IntegerField(
        help_text="Consecutive ISO weeks meeting the target; the week in progress counts once it meets it, "
        "and does not break the streak before."
    )
    longest_weeks = serializers.IntegerField()
    target_days_per_week = serializers.IntegerField(
        help_text="Days per week of the most recently started active plan, else of the most recent plan, else 3."
    )


class ProgressWeekSerializer(serializers.Serializer[dict[str, object]]):
    week_start = serializers.DateField(help_text="The Monday of the week.")
    workouts = serializers.IntegerField(help_text="Training days.")
    logs = serializers.IntegerField()
    sets = serializers.IntegerField()
    reps = serializers.IntegerField()
    volume_kg = serializers.FloatField()


class ProgressMuscleSerializer(serializers.Serializer[dict[str, object]]):
    muscle = serializers.CharField(help_text="Muscle code (see /exercises/taxonomy).")
    label = serializers.CharField()  # type: ignore[assignment]  # the JSON key; stubs type Field.label
    sets = serializers.IntegerField()
    reps = serializers.IntegerField()
    volume_kg = serializers.FloatField()


class ProgressRecordSerializer(serializers.Serializer[dict[str, object]]):
    exercise_id = serializers.IntegerField()
    exercise_name = serializers.CharField()
    exercise_name_language = serializers.ChoiceField(["en", "fr"])
    best_weight_kg = serializers.FloatField()
    reps_at_best_weight = serializers.IntegerField()
    estimated_one_rep_max_kg = serializers.FloatField(
        allow_null=True,
        help_text="Brzycki, weight x 36 / (37 - reps), the best over the exercise's logs of 1 to 36 reps "
        "with a weight; null when there is none.",
    )
    date = serializers.DateField(help_text="When the best weight was first lifted (with those reps).")


class ProgressPlanSerializer(serializers.Serializer[dict[str, object]]):
    user_plan_id = serializers.IntegerField()
    plan_id = serializers.IntegerField()
    name = serializers.CharField()
    name_language = serializers.ChoiceField(["en", "fr"])
    status = serializers.ChoiceField(["active", "paused", "completed"])
    start_date = serializers.DateField()
    logged_plan_exercises = serializers.IntegerField(
        help_text="Distinct plan exercises of the plan logged under this assignment."
    )
    total_plan_exercises = serializers.IntegerField()
    completion_percent = serializers.FloatField()


class ProgressSerializer(serializers.Serializer[dict[str, object]]):
    user_id = serializers.UUIDField()
    time_zone = serializers.CharField(help_text="The user's IANA time zone.")
    today = serializers.DateField(help_text="The user's local date, the one the streaks count up to.")
    totals = ProgressTotalsSerializer()
    streaks = ProgressStreaksSerializer()
    weekly_streak = ProgressWeeklyStreakSerializer()
    weekly_summary = ProgressWeekSerializer(many=True, help_text="The last 12 weeks, oldest first.")
    muscles = ProgressMuscleSerializer(many=True, help_text="Per primary muscle, by volume.")
    personal_records = ProgressRecordSerializer(many=True)
    plans = ProgressPlanSerializer(many=True)


# The example: logs on the 2nd (3 x 12 at 40 kg), the 10th (3 x 10 at 55 kg), the 11th (4 x 6 at 70 kg)
# and twice on the 12th of March (3 x 8 at 60 kg, 2 x 10 at 50 kg), the 12th being today.
_EXAMPLE_WEEKS = {
    date(2025, 2, 24): {"workouts": 1, "logs": 1, "sets": 3, "reps": 36, "volume_kg": 1440.0},
    date(2025, 3, 10): {"workouts": 3, "logs": 4, "sets": 12, "reps": 98, "volume_kg": 5770.0},
}
_NO_TRAINING = {"workouts": 0, "logs": 0, "sets": 0, "reps": 0, "volume_kg": 0.0}

PROGRESS_EXAMPLE = OpenApiExample(
    "Progress after four training days",
    response_only=True,
    value={
        "user_id": "0b7c6f0e-2f4e-4c1b-9a53-6f1d2c3b4a5e",
        "time_zone": "Europe/Paris",
        "today": "2025-03-12",
        "totals": {
            "workouts": 4,
            "exercises_completed": 5,
            "sets": 15,
            "reps": 134,
            "volume_kg": 7210.0,
            "first_workout": "2025-03-02",
            "last_workout": "2025-03-12",
        },
        "streaks": {"current_days": 3, "longest_days": 3},
        "weekly_streak": {"current_weeks": 1, "longest_weeks": 1, "target_days_per_week": 3},
        "weekly_summary": [
            {"week_start": start.isoformat(), **_EXAMPLE_WEEKS.get(start, _NO_TRAINING)}
            for start in (date(2024, 12, 23) + timedelta(weeks=week) for week in range(12))
        ],
        "muscles": [{"muscle": "chest", "label": "Chest", "sets": 15, "reps": 134, "volume_kg": 7210.0}],
        "personal_records": [
            {
                "exercise_id": 262,
                "exercise_name": "Dumbbell Bench Press",
                "exercise_name_language": "en",
                "best_weight_kg": 70.0,
                "reps_at_best_weight": 6,
                "estimated_one_rep_max_kg": 81.29,
                "date": "2025-03-11",
            }
        ],
        "plans": [
            {
                "user_plan_id": 17,
                "plan_id": 1,
                "name": "Beginner Full-Body Strength",
                "name_language": "en",
                "status": "active",
                "start_date": "2025-02-26",
                "logged_plan_exercises": 1,
                "total_plan_exercises": 120,
                "completion_percent": 0.8,
            }
        ],
    },
)


class UserProgressView(APIView):
    permission_classes = ME_PERMISSIONS

    @extend_schema(
        tags=["tracking"],
        summary="A user's progress",
        description=f"{BEARER_NOTICE}\n\n"
        "Everything the user's workout logs add up to. A log is one exercise done on a date: "
        "`sets_completed` sets of `reps_completed` reps at `weight_kg`, so its reps are sets x reps and its "
        "volume weight x sets x reps. Totals (training days, logs, sets, reps, volume), the current and "
        "longest streak of consecutive training days, the weekly streak (consecutive Monday-to-Sunday weeks "
        "with as many training days as the active plan asks), the last 12 weeks week by week (weeks without "
        "training included), per-muscle work (each primary muscle of the exercise), personal records with "
        "the estimated one-rep max (Brzycki), and each assigned plan's completion.\n\n"
        "Days are the dates the user trained (`date_performed`), and `today` is the user's local date in "
        "their `time_zone`, not the server's. The current streak counts up to today, or up to yesterday "
        "while today has no training yet. Logs whose plan assignment was removed still count. Weights and "
        "volumes are kilograms rounded to 2 decimals. The answer is cached and refreshed by every write to "
        "the user's plans or logs. Typical flow from the app: `POST /users` (keep the token pair), "
        "`POST /users/me/plans`, `POST /users/me/workout-logs`, then this endpoint.",
        parameters=LANG_PARAMETERS,
        responses={
            200: ProgressSerializer,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="An unknown query parameter or language: a problem."),
            401: OpenApiResponse(
                OpenApiTypes.OBJECT, description="No access token, or a bad or expired one: a problem."
            ),
            404: OpenApiResponse(OpenApiTypes.OBJECT, description="Unknown user: a problem."),
        },
        examples=[PROGRESS_EXAMPLE],
    )
    def get(self, request: Request, user_id: uuid.UUID | None = None) -> HttpResponse:
        # The access rule runs before the cache is read: a cached page is served only to whoever may
        # read it, whatever changed since it was cached (a login method added, a token revoked).
        user = user_for_request(request, user_id)
        lang = request_language(request)
        reject_unknown_params(request, {"lang"})
        return json_response(progress.user_progress_page(user=user, lang=lang), lang=lang)
