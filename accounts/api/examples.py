"""Examples shown in the OpenAPI documentation of the user endpoints."""

from drf_spectacular.utils import OpenApiExample

USER_ID = "3f0c9a57-8d1e-4b7a-9c2d-5e6f7a8b9c0d"

_PROFILE = {
    "display_name": "Alice",
    "preferred_language": "fr",
    "time_zone": "Europe/Paris",
    "gender": "female",
    "age": 29,
    "weight_kg": 61.5,
    "height_cm": 168.0,
    "fitness_level": "beginner",
    "fitness_goals": ["strength", "mobility"],
    "workout_style": "home",
    "daily_activity": "lightly_active",
    "available_equipment": ["dumbbell", "gym mat"],
    "limitations": ["Sore left knee: no jumping"],
}

USER = OpenApiExample(
    "A user",
    value={
        "user_id": USER_ID,
        "created_at": "2026-11-30T08:15:02.114532+00:00",
        "last_active": "2026-12-03T18:40:11.020311+00:00",
        "telegram_id": None,
        "guest_id": "guest-7f3a1c",
        "workout_count": 5,
        "plan_count": 1,
        "profile": _PROFILE,
    },
    response_only=True,
)

NEW_USER = OpenApiExample(
    "A new user",
    value={
        "user_id": USER_ID,
        "created_at": "2026-11-30T08:15:02.114532+00:00",
        "last_active": "2026-11-30T08:15:02.114532+00:00",
        "telegram_id": None,
        "guest_id": "guest-7f3a1c",
        "workout_count": 0,
        "plan_count": 0,
        "profile": {
            **_PROFILE,
            "gender": None,
            "age": None,
            "weight_kg": None,
            "height_cm": None,
            "fitness_level": None,
            "fitness_goals": [],
            "workout_style": None,
            "daily_activity": None,
            "available_equipment": [],
            "limitations": [],
        },
        "access": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIn0.c2lnbmF0dXJl",
        "refresh": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCJ9.c2lnbmF0dXJl",
        "token_type": "Bearer",
        "access_expires_in": 900,
        "refresh_expires_in": 2592000,
    },
    response_only=True,
    status_codes=["201"],
)

CREATE_EMPTY = OpenApiExample("An anonymous user, nothing known yet", value={}, request_only=True)

CREATE_GUEST = OpenApiExample(
    "A guest of the web app, in French",
    value={
        "guest_id": "guest-7f3a1c",
        "display_name": "Alice",
        "preferred_language": "fr",
        "time_zone": "Europe/Paris",
    },
    request_only=True,
)

PATCH_PROFILE = OpenApiExample(
    "Fill in the profile",
    value={
        "age": 29,
        "weight_kg": 61.5,
        "height_cm": 168,
        "fitness_level": "beginner",
        "fitness_goals": ["strength", "mobility"],
        "available_equipment": ["dumbbell", "gym mat"],
        "limitations": ["Sore left knee: no jumping"],
    },
    request_only=True,
)

PATCH_CLEAR = OpenApiExample(
    "Clear the weight and the limitations", value={"weight_kg": None, "limitations": []}, request_only=True
)

BAD_PROFILE = OpenApiExample(
    "A bad value and an unknown field",
    value={
        "type": "https://movoai.app/problems/bad-request",
        "title": "Bad request",
        "status": 400,
        "detail": "Invalid input. age: Ensure this value is less than or equal to 100.; weigth_kg: Unknown field. "
        "Allowed: display_name, preferred_language, ...",
        "errors": {
            "age": ["Ensure this value is less than or equal to 100."],
            "weigth_kg": ["Unknown field. Allowed: display_name, preferred_language, ..."],
        },
    },
    response_only=True,
    status_codes=["400"],
)

USER_NOT_FOUND = OpenApiExample(
    "No such user",
    value={
        "type": "https://movoai.app/problems/not-found",
        "title": "Not found",
        "status": 404,
        "detail": f"No user with id {USER_ID}.",
    },
    response_only=True,
    status_codes=["404"],
)

UNAUTHORIZED = OpenApiExample(
    "No access token",
    value={
        "type": "https://movoai.app/problems/unauthorized",
        "title": "Authentication required",
        "status": 401,
        "detail": "An access token is needed: send `Authorization: Bearer <access token>`.",
    },
    response_only=True,
    status_codes=["401"],
)

TELEGRAM_TAKEN = OpenApiExample(
    "The Telegram id has a user already",
    value={
        "type": "https://movoai.app/problems/conflict",
        "title": "Conflict",
        "status": 409,
        "detail": "A user with this telegram_id already exists. Reaching that account needs Telegram verification, "
        "which a later version adds; until then it cannot be created or claimed again.",
    },
    response_only=True,
    status_codes=["409"],
)
