"""Examples shown in the OpenAPI documentation: the localStorage flow of the frontend."""

from drf_spectacular.utils import OpenApiExample

_LOG = {
    "id": "6f1c2a3e-8d4b-4c1e-9a7f-2b5d6e7f8a90",
    "user_plan_id": 12,
    "plan_exercise_id": 345,
    "exercise_id": 40,
    "exercise_name": "Barbell Squat",
    "date_performed": "2026-11-27",
    "sets_completed": 3,
    "reps_completed": 5,
    "weight_kg": 60.0,
    "duration_seconds": None,
    "rpe": 7,
    "notes": "felt solid",
    "created_at": "2026-11-27T18:02:11+00:00",
    "updated_at": "2026-11-27T18:02:11+00:00",
}
_USER_PLAN = {
    "id": 12,
    "user_plan_id": 12,
    "plan_id": 1,
    "status": "active",
    "start_date": "2026-11-23",
    "completed_at": None,
    "created_at": "2026-11-23T08:00:00+00:00",
    "plan": {
        "id": 1,
        "name": "Beginner Full-Body Strength",
        "name_en": "Beginner Full-Body Strength",
        "name_fr": "Force full-body débutant",
        "goal": "strength",
        "difficulty": "beginner",
        "weeks": 8,
        "days_per_week": 3,
        "is_template": True,
        "created_by": None,
    },
    "completion": {"logged_plan_exercises": 5, "total_plan_exercises": 120, "completion_percent": 4.2},
}

ASSIGN_REQUEST = OpenApiExample(
    "Assign a template",
    value={"id": "6f1c2b9e-8d4a-4e8b-9a51-0c2f3e7d1a42", "plan_id": 1, "start_date": "2026-11-23"},
    request_only=True,
)
STATUS_REQUEST = OpenApiExample("Pause", value={"status": "paused"}, request_only=True)
USER_PLAN = OpenApiExample("An assigned plan", value=_USER_PLAN, response_only=True)
USER_PLAN_PAGE = OpenApiExample(
    "Assigned plans", value={"count": 1, "next": None, "previous": None, "results": [_USER_PLAN]}, response_only=True
)
USER_PLAN_DETAIL = OpenApiExample(
    "An assigned plan with its progress",
    value={
        **_USER_PLAN,
        "next_workout": {"week_number": 1, "day_number": 3, "date": "2026-11-25"},
        "schedule": [
            {
                "week_number": 1,
                "completion_percent": 33.3,
                "days": [
                    {
                        "day_number": 1,
                        "date": "2026-11-23",
                        "is_rest_day": False,
                        "completion_percent": 100.0,
                        "exercises": [
                            {
                                "id": 345,
                                "plan_exercise_id": 345,
                                "order": 1,
                                "sets": 3,
                                "reps": 5,
                                "duration_seconds": None,
                                "rest_seconds": 150,
                                "notes": "Add 5 kg next session when all reps of every set are clean.",
                                "exercise": {"id": 40, "slug": "barbell-squat", "name": "Barbell Squat"},
                                "logged": True,
                                "logs": [_LOG],
                            }
                        ],
                    },
                    {
                        "day_number": 2,
                        "date": "2026-11-24",
                        "is_rest_day": True,
                        "completion_percent": None,
                        "exercises": [],
                    },
                ],
            }
        ],
    },
    response_only=True,
)
COPY_RESPONSE = OpenApiExample(
    "The custom copy",
    value={
        "plan_id": 57,
        "id": 57,
        "created_by": "0b9e8c1e-5d0a-4a57-9a51-6c1f4e2b7d33",
        "is_template": False,
        "schedule": ["..."],
    },
    response_only=True,
)
LOG_REQUEST = OpenApiExample(
    "A log with a client id",
    value={
        "id": "6f1c2a3e-8d4b-4c1e-9a7f-2b5d6e7f8a90",
        "plan_exercise_id": 345,
        "date_performed": "2026-11-27",
        "sets_completed": 3,
        "reps_completed": 5,
        "weight_kg": 60,
        "rpe": 7,
        "notes": "felt solid",
    },
    request_only=True,
)
LOG = OpenApiExample("A stored log", value=_LOG, response_only=True)
LOG_PAGE = OpenApiExample(
    "History", value={"count": 1, "next": None, "previous": None, "results": [_LOG]}, response_only=True
)
BATCH_REQUEST = OpenApiExample(
    "Logs kept offline",
    value={"logs": [{k: v for k, v in _LOG.items() if k in LOG_REQUEST.value}]},
    request_only=True,
)
BATCH_RESULT = OpenApiExample("Stored", value={"created": 1, "existing": 0, "logs": [_LOG]}, response_only=True)
MIGRATE_REQUEST = OpenApiExample(
    "What a guest kept in localStorage",
    value={
        "plans": [{"id": "2d5f0c8e-7b1a-4f3e-8c9d-0a1b2c3d4e5f", "plan_id": 1, "start_date": "2026-11-20"}],
        "workout_logs": [
            {
                "id": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
                "client_plan_id": "2d5f0c8e-7b1a-4f3e-8c9d-0a1b2c3d4e5f",
                "plan_exercise_id": 345,
                "date_performed": "2026-11-21",
                "sets_completed": 3,
                "reps_completed": 10,
                "weight_kg": 30,
            }
        ],
    },
    request_only=True,
)
MIGRATE_REPORT = OpenApiExample(
    "Merged",
    value={"plans": {"created": 1, "existing": 0}, "workout_logs": {"created": 1, "existing": 0}},
    response_only=True,
)
NOT_FOUND = OpenApiExample(
    "Not this user's",
    value={
        "type": "https://movoai.app/problems/not-found",
        "title": "Not found",
        "status": 404,
        "detail": "This user has no workout log 6f1c2a3e-8d4b-4c1e-9a7f-2b5d6e7f8a90.",
    },
    response_only=True,
    status_codes=["404"],
)
