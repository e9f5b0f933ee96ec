"""The library's vocabulary (muscles, equipment, difficulty, goal, category) with English and French
labels, and the French (and common English) words that search maps onto it."""

from __future__ import annotations

import re
import unicodedata

# code -> (English label, French label)
MUSCLES: dict[str, tuple[str, str]] = {
    "abdominals": ("Abdominals", "Abdominaux"),
    "abductors": ("Abductors", "Abducteurs"),
    "adductors": ("Adductors", "Adducteurs"),
    "biceps": ("Biceps", "Biceps"),
    "calves": ("Calves", "Mollets"),
    "chest": ("Chest", "Pectoraux"),
    "forearms": ("Forearms", "Avant-bras"),
    "glutes": ("Glutes", "Fessiers"),
    "hamstrings": ("Hamstrings", "Ischio-jambiers"),
    "lats": ("Lats", "Grands dorsaux"),
    "lower back": ("Lower back", "Bas du dos"),
    "middle back": ("Middle back", "Milieu du dos"),
    "neck": ("Neck", "Cou"),
    "quadriceps": ("Quadriceps", "Quadriceps"),
    "shoulders": ("Shoulders", "Épaules"),
    "traps": ("Traps", "Trapèzes"),
    "triceps": ("Triceps", "Triceps"),
}

EQUIPMENT: dict[str, tuple[str, str]] = {
    "body weight": ("Body weight", "Poids du corps"),
    "barbell": ("Barbell", "Barre"),
    "dumbbell": ("Dumbbell", "Haltère"),
    "kettlebell": ("Kettlebell", "Kettlebell"),
    "cable": ("Cable", "Poulie"),
    "machine": ("Machine", "Machine"),
    "resistance band": ("Resistance band", "Élastique"),
    "medicine ball": ("Medicine ball", "Médecine-ball"),
    "exercise ball": ("Exercise ball", "Swiss ball"),
    "foam roller": ("Foam roller", "Rouleau de massage"),
    "ez curl bar": ("EZ curl bar", "Barre EZ"),
    "bench": ("Bench", "Banc"),
    "incline bench": ("Incline bench", "Banc incliné"),
    "pull-up bar": ("Pull-up bar", "Barre de traction"),
    "gym mat": ("Gym mat", "Tapis de sol"),
    "other": ("Other", "Autre"),
}

DIFFICULTIES: dict[str, tuple[str, str]] = {
    "beginner": ("Beginner", "Débutant"),
    "intermediate": ("Intermediate", "Intermédiaire"),
    "advanced": ("Advanced", "Avancé"),
}

GOALS: dict[str, tuple[str, str]] = {
    "strength": ("Strength", "Force"),
    "power": ("Power", "Puissance"),
    "endurance": ("Endurance", "Endurance"),
    "mobility": ("Mobility", "Mobilité"),
    "hypertrophy": ("Hypertrophy", "Hypertrophie"),
    "weight_loss": ("Weight loss", "Perte de poids"),
}

CATEGORIES: dict[str, tuple[str, str]] = {
    "strength": ("Strength", "Musculation"),
    "stretching": ("Stretching", "Étirements"),
    "plyometrics": ("Plyometrics", "Pliométrie"),
    "powerlifting": ("Powerlifting", "Force athlétique"),
    "olympic weightlifting": ("Olympic weightlifting", "Haltérophilie"),
    "strongman": ("Strongman", "Strongman"),
    "cardio": ("Cardio", "Cardio"),
}

PLAN_GOALS: dict[str, tuple[str, str]] = {
    "strength": ("Strength", "Force"),
    "muscle_gain": ("Muscle gain", "Prise de muscle"),
    "fat_loss": ("Fat loss / conditioning", "Perte de gras / conditionnement"),
    "mobility": ("Mobility", "Mobilité"),
    "endurance": ("Endurance", "Endurance"),
    "general_fitness": ("General fitness", "Forme générale"),
}

# Choice sets named once in the OpenAPI schema (settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]).
LANGUAGE_CODES = ["en", "fr"]
EXERCISE_GOAL_CODES = list(GOALS)
PLAN_GOAL_CODES = list(PLAN_GOALS)
EQUIPMENT_CODES = list(EQUIPMENT)
DIFFICULTY_CODES = list(DIFFICULTIES)

VOCABULARIES = {
    "muscles": MUSCLES,
    "equipment": EQUIPMENT,
    "difficulty": DIFFICULTIES,
    "goal": GOALS,
    "category": CATEGORIES,
}


def label(vocabulary: dict[str, tuple[str, str]], code: str | None, lang: str) -> str | None:
    """The label of a code in a language; the code itself when the vocabulary lacks it."""
    if code is None:
        return None
    labels = vocabulary.get(code)
    if labels is None:
        return code
    return labels[1] if lang == "fr" else labels[0]


def normalize(text: str) -> str:
    """Lower-case, accents removed, runs of non-alphanumerics to one space (as movo_search_norm in SQL)."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


# Words of a search query (normalized) and what they also mean in the library's English vocabulary.
# French muscle and equipment words reach the taxonomy; glued English compounds are split.
SEARCH_SYNONYMS: dict[str, list[str]] = {
    # muscles
    "abdos": ["abdominals"],
    "abdo": ["abdominals"],
    "abdominaux": ["abdominals"],
    "abs": ["abdominals"],
    "ventre": ["abdominals"],
    "core": ["abdominals"],
    "gainage": ["abdominals", "plank"],
    "pectoraux": ["chest"],
    "pecs": ["chest"],
    "pectoral": ["chest"],
    "poitrine": ["chest"],
    "pec": ["chest"],
    "epaules": ["shoulders"],
    "epaule": ["shoulders"],
    "deltoides": ["shoulders"],
    "delts": ["shoulders"],
    "shoulder": ["shoulders"],
    "dos": ["back", "lats", "middle back"],
    "dorsaux": ["lats"],
    "dorsal": ["lats"],
    "lombaires": ["lower back"],
    "lombaire": ["lower back"],
    "trapezes": ["traps"],
    "trapeze": ["traps"],
    "biceps": ["biceps"],
    "triceps": ["triceps"],
    "bras": ["biceps", "triceps"],
    "arms": ["biceps", "triceps"],
    "cuisses": ["quadriceps", "hamstrings"],
    "cuisse": ["quadriceps", "hamstrings"],
    "quadri": ["quadriceps"],
    "quads": ["quadriceps"],
    "jambes": ["quadriceps", "hamstrings"],
    "legs": ["quadriceps", "hamstrings"],
    "ischios": ["hamstrings"],
    "ischio": ["hamstrings"],
    "fessiers": ["glutes"],
    "fessier": ["glutes"],
    "fesses": ["glutes"],
    "butt": ["glutes"],
    "mollets": ["calves"],
    "mollet": ["calves"],
    "cou": ["neck"],
    "adducteurs": ["adductors"],
    "abducteurs": ["abductors"],
    # equipment
    "halteres": ["dumbbell"],
    "haltere": ["dumbbell"],
    "dumbbells": ["dumbbell"],
    "barre": ["barbell"],
    "elastique": ["resistance band", "band"],
    "elastiques": ["resistance band", "band"],
    "bande": ["band"],
    "poulie": ["cable"],
    "poulies": ["cable"],
    "kettlebells": ["kettlebell"],
    "ballon": ["ball"],
    "rouleau": ["foam roller"],
    "banc": ["bench"],
    "tapis": ["mat"],
    # movements: French names already carry the French words (pompes, tractions, fentes), and
    # glued words ("benchpress", "pushup") are matched letter by letter against the names
    "etirement": ["stretch"],
    "etirements": ["stretch"],
    "stretching": ["stretch"],
    "wheel": ["roller", "rollout"],
    "roue": ["roller", "rollout"],
}

STOP_WORDS = frozenset(
    {
        *("a", "an", "and", "at", "for", "in", "of", "on", "or", "the", "to", "with"),  # English
        *("au", "aux", "avec", "de", "des", "du", "en", "et", "la", "le", "les", "l", "d", "pour", "sur"),  # French
        *("un", "une"),
    }
)
