"""Examples shown in the OpenAPI documentation."""

from drf_spectacular.utils import OpenApiExample

_ITEM = {
    "id": 262,
    "slug": "dumbbell-bench-press",
    "name": "Développé couché avec haltères",
    "name_language": "fr",
    "instructions": ["Tenez deux haltères et allongez-vous sur un banc..."],
    "instructions_language": "fr",
    "exercise_en": "Dumbbell Bench Press",
    "exercise_fr": "Développé couché avec haltères",
    "difficulty": "beginner",
    "goal": "strength",
    "category": "strength",
    "muscles": ["chest"],
    "secondary_muscles": ["shoulders", "triceps"],
    "equipments": ["dumbbell"],
    "labels": {
        "difficulty": "Débutant",
        "goal": "Force",
        "category": "Musculation",
        "muscles": ["Pectoraux"],
        "secondary_muscles": ["Épaules", "Triceps"],
        "equipments": ["Haltère"],
    },
    "male_gif_urls": ["https://raw.githubusercontent.com/yuhonas/free-exercise-db/.../Dumbbell_Bench_Press/0.jpg"],
    "female_gif_urls": ["https://raw.githubusercontent.com/yuhonas/free-exercise-db/.../Dumbbell_Bench_Press/0.jpg"],
    "media": {
        "fallback": True,
        "male_source": "frames",
        "female_source": "frames",
        "frames": ["https://raw.githubusercontent.com/yuhonas/free-exercise-db/.../Dumbbell_Bench_Press/0.jpg"],
        "alt_frames": [],
        "note": "No gender-specific animation exists for this exercise: still frames of the movement are shown.",
    },
    "license": "Unlicense AND CC-BY-SA-4.0",
}

EXERCISE_PAGE = OpenApiExample(
    "A page in French",
    value={
        "count": 131,
        "next": "http://127.0.0.1:8000/api/v1/exercises?equipment=dumbbell&lang=fr&page=2",
        "previous": None,
        "results": [_ITEM],
    },
    response_only=True,
)

EXERCISE_DETAIL = OpenApiExample(
    "One exercise",
    value={
        **_ITEM,
        "instructions_en": ["Lie down on a flat bench with a dumbbell in each hand..."],
        "instructions_fr": ["Tenez deux haltères et allongez-vous sur un banc..."],
        "exercise_fr_source": "dataset",
        "force": "push",
        "mechanic": "compound",
        "source": "free-exercise-db+wger",
        "attribution": [
            {
                "part": "exercise_fr, instructions_fr",
                "source": "wger",
                "author": "Garion",
                "license": "CC-BY-SA-4.0",
                "license_url": "https://creativecommons.org/licenses/by-sa/4.0/",
                "url": "https://wger.de/fr/exercise/75/view",
            }
        ],
        "notes": [],
        "created_at": "2026-11-27T12:00:00+00:00",
        "updated_at": "2026-11-27T12:00:00+00:00",
    },
    response_only=True,
)
