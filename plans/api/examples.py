"""Examples shown in the OpenAPI documentation."""

from drf_spectacular.utils import OpenApiExample

_PLAN = {
    "id": 1,
    "slug": "beginner-full-body-strength",
    "name": "Beginner Full-Body Strength",
    "description": "Three full-body sessions a week built around the squat, bench press, deadlift...",
    "language": "en",
    "name_en": "Beginner Full-Body Strength",
    "name_fr": "Force full-body débutant",
    "description_en": "Three full-body sessions a week built around the squat, bench press, deadlift...",
    "description_fr": "Trois séances complètes par semaine, centrées sur les mouvements de base...",
    "goal": "strength",
    "goal_label": "Strength",
    "difficulty": "beginner",
    "difficulty_label": "Beginner",
    "weeks": 8,
    "days_per_week": 3,
    "equipment_setting": "gym",
    "is_template": True,
    "is_featured": True,
    "featured_order": 1,
    "exercise_count": 120,
}

PLAN_PAGE = OpenApiExample(
    "A page of plans",
    value={"count": 14, "next": None, "previous": None, "results": [_PLAN]},
    response_only=True,
)

PLAN_DETAIL = OpenApiExample(
    "A plan with its schedule",
    value={
        **_PLAN,
        "schedule": [
            {
                "week_number": 1,
                "is_deload": False,
                "training_days": 3,
                "days": [
                    {
                        "day_number": 1,
                        "is_rest_day": False,
                        "exercises": [
                            {
                                "id": 10,
                                "order": 1,
                                "sets": 3,
                                "reps": 5,
                                "duration_seconds": None,
                                "rest_seconds": 150,
                                "notes": "Add 5 kg next session when all reps of every set are clean.",
                                "exercise": {
                                    "id": 40,
                                    "slug": "barbell-squat",
                                    "name": "Barbell Squat",
                                    "exercise_en": "Barbell Squat",
                                    "exercise_fr": "Squat à la barre",
                                    "muscles": ["quadriceps"],
                                    "equipments": ["barbell"],
                                    "male_gif_urls": ["https://.../Barbell_Squat/0.jpg"],
                                    "female_gif_urls": ["https://.../Barbell_Squat/0.jpg"],
                                    "media": {"fallback": True, "male_source": "frames", "female_source": "frames"},
                                    "thumbnail_url": "https://.../Barbell_Squat/0.jpg",
                                },
                            }
                        ],
                    },
                    {"day_number": 2, "is_rest_day": True, "exercises": []},
                ],
            }
        ],
    },
    response_only=True,
)
