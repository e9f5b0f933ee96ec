"""The rule-based intent detector on real chat phrasings, in English and French."""

from __future__ import annotations

import dataclasses

import pytest

from coach.intents import INTENT_NAMES, MAX_MESSAGE_CHARS, Intent, detect_intent, detect_language
from exercises.taxonomy import DIFFICULTIES, EQUIPMENT, MUSCLES, PLAN_GOALS

# Intents


@pytest.mark.parametrize(
    ("message", "intent", "language"),
    [
        # find_exercises
        ("quels exercices pour les pectoraux avec des haltères ?", "find_exercises", "fr"),
        ("show me exercises for my chest", "find_exercises", "en"),
        ("what exercises can I do with dumbbells?", "find_exercises", "en"),
        ("can you help me find exercises for my back?", "find_exercises", "en"),
        ("give me some glute exercises", "find_exercises", "en"),
        ("exercises for lower back for beginners", "find_exercises", "en"),
        ("des exercices pour les abdos sans matériel", "find_exercises", "fr"),
        ("je veux muscler mes épaules", "find_exercises", "fr"),
        ("trouve-moi des exercices avec un kettlebell", "find_exercises", "fr"),
        ("I want to work on my legs with a barbell", "find_exercises", "en"),
        # explain_exercise
        ("comment faire un soulevé de terre", "explain_exercise", "fr"),
        ("how do I do a deadlift?", "explain_exercise", "en"),
        ("explain the bench press", "explain_exercise", "en"),
        ("how to perform a Romanian deadlift properly", "explain_exercise", "en"),
        ("explique-moi le développé couché s'il te plaît", "explain_exercise", "fr"),
        ("what muscles does the bench press work?", "explain_exercise", "en"),
        ("c'est quoi un burpee ?", "explain_exercise", "fr"),
        ("quelle est la bonne technique pour le squat ?", "explain_exercise", "fr"),
        # plan_week
        ("make me a 4 day plan to build muscle", "plan_week", "en"),
        ("plan my week", "plan_week", "en"),
        ("I can train 3 days a week, what program should I follow?", "plan_week", "en"),
        ("programme de 3 jours par semaine pour perdre du poids", "plan_week", "fr"),
        ("planifie ma semaine d'entraînement", "plan_week", "fr"),
        ("je veux un programme pour prendre du muscle, quatre jours", "plan_week", "fr"),
        ("give me a weekly routine for strength", "plan_week", "en"),
        # progress
        ("how am I doing?", "progress", "en"),
        ("est-ce que je progresse ?", "progress", "fr"),
        ("show me my progress", "progress", "en"),
        ("am I improving on the squat?", "progress", "en"),
        ("où j'en suis ?", "progress", "fr"),
        ("quels sont mes résultats ce mois-ci ?", "progress", "fr"),
        ("good morning coach! how am I doing this month?", "progress", "en"),
        # today
        ("what should I train today?", "today", "en"),
        ("qu'est-ce que je fais aujourd'hui ?", "today", "fr"),
        ("hey, what should I do today?", "today", "en"),
        ("what's my workout of the day?", "today", "en"),
        ("je fais quoi ce soir ?", "today", "fr"),
        ("bonjour, que dois-je faire aujourd'hui ?", "today", "fr"),
        # greeting
        ("hello", "greeting", "en"),
        ("Hi there!", "greeting", "en"),
        ("bonjour", "greeting", "fr"),
        ("Salut coach", "greeting", "fr"),
        ("good evening", "greeting", "en"),
        # help
        ("help", "help", "en"),
        ("aide", "help", "fr"),
        ("aide-moi", "help", "fr"),
        ("what can you do?", "help", "en"),
        ("que peux-tu faire ?", "help", "fr"),
        ("how does this work?", "help", "en"),
        # unknown
        ("asdkjh qwpoeiru zxmcn", "unknown", "en"),
        ("42", "unknown", "en"),
    ],
)
def test_detects_the_intent_and_language_of_real_phrasings(message, intent, language):
    result = detect_intent(message)
    assert (result.name, result.language) == (intent, language)


def test_gibberish_is_unknown_with_no_confidence():
    result = detect_intent("blorp zzzt qwxy")
    assert result.name == "unknown"
    assert result.confidence == 0.0


def test_a_clear_request_is_more_confident_than_a_vague_one():
    clear = detect_intent("make me a 4 day plan to build muscle")
    vague = detect_intent("I want to lose weight")
    assert clear.confidence > vague.confidence > 0
    assert 0 <= vague.confidence <= clear.confidence <= 1


def test_a_greeting_in_front_of_a_request_gives_way_to_the_request():
    assert detect_intent("hello! explain the plank").name == "explain_exercise"
    assert detect_intent("salut, des exercices pour les mollets ?").name == "find_exercises"


# Slots


def test_finds_muscles_and_equipment_in_french():
    result = detect_intent("quels exercices pour les pectoraux avec des haltères ?")
    assert (result.muscles, result.equipment) == (("chest",), ("dumbbell",))


@pytest.mark.parametrize(
    ("message", "muscles"),
    [
        ("exercises for my back", ("lats", "middle back")),
        ("exercices pour le bas du dos", ("lower back",)),  # the longest phrase wins over "dos"
        ("exercices pour les avant-bras", ("forearms",)),  # not "bras"
        ("glutes and hamstrings", ("glutes", "hamstrings")),
        ("something for my calf and quads", ("calves", "quadriceps")),
        ("fessiers, ischio-jambiers et mollets", ("glutes", "hamstrings", "calves")),
        ("trapèzes et épaules", ("traps", "shoulders")),
        ("abs abs abs", ("abdominals",)),
    ],
)
def test_muscle_words_become_taxonomy_codes(message, muscles):
    assert detect_intent(message).muscles == muscles


@pytest.mark.parametrize(
    ("message", "equipment"),
    [
        ("exercises with a barbell and a bench", ("barbell", "bench")),
        ("exercices avec une barre de traction", ("pull-up bar",)),  # not "barre"
        ("exercices au poids du corps", ("body weight",)),
        ("bodyweight exercises", ("body weight",)),
        ("exercices avec élastiques ou poulie", ("resistance band", "cable")),
        ("on the incline bench", ("incline bench",)),
        ("with kettlebells", ("kettlebell",)),
        ("something for another day", ()),  # "other" is not equipment
    ],
)
def test_equipment_words_become_taxonomy_codes(message, equipment):
    assert detect_intent(message).equipment == equipment


@pytest.mark.parametrize(
    ("message", "difficulty"),
    [
        ("exercises for beginners", "beginner"),
        ("exercices pour débutant", "beginner"),
        ("advanced chest exercises", "advanced"),
        ("exercices niveau intermédiaire", "intermediate"),
        ("chest exercises", None),
    ],
)
def test_difficulty(message, difficulty):
    assert detect_intent(message).difficulty == difficulty


@pytest.mark.parametrize(
    ("message", "days"),
    [
        ("make me a 4 day plan", 4),
        ("programme sur 3 jours", 3),
        ("I can train four days", 4),
        ("je m'entraîne cinq jours par semaine", 5),
        ("5x a week", 5),
        ("trois fois par semaine", 3),
        ("once, one day a week", 1),
        ("seven days per week", 7),
        ("a 2-day split", 2),
        ("one day I will deadlift 200 kg", None),  # "some day", not a schedule
        ("4 x 10 squats", None),  # sets and reps
        ("a 10 day plan", None),  # a week has 7 days
        ("plan my week", None),
    ],
)
def test_days_per_week_in_digits_or_words(message, days):
    assert detect_intent(message).days_per_week == days


@pytest.mark.parametrize(
    ("message", "goal"),
    [
        ("make me a 4 day plan to build muscle", "muscle_gain"),
        ("I want to lose weight", "fat_loss"),
        ("programme pour perdre du poids", "fat_loss"),
        ("plan for strength", "strength"),
        ("je veux gagner en force", "strength"),
        ("a mobility routine", "mobility"),
        ("travailler ma souplesse", "mobility"),
        ("plan for endurance", "endurance"),
        ("prise de masse", "muscle_gain"),
        ("just to get fit", "general_fitness"),
        ("lose weight, then build muscle", "fat_loss"),  # the first goal named
        ("what muscles does the squat work", None),  # muscles of an exercise are no goal
    ],
)
def test_plan_goal(message, goal):
    result = detect_intent(message)
    assert result.goal == goal
    assert result.goal is None or result.goal in PLAN_GOALS


@pytest.mark.parametrize(
    ("message", "query"),
    [
        ("comment faire un soulevé de terre", "souleve de terre"),
        ("how do I do a deadlift?", "deadlift"),
        ("how do I do a proper squat?", "squat"),
        ("explain the bench press", "bench press"),
        ("Explain to me how to do a Bulgarian split squat, please", "bulgarian split squat"),
        ("explique-moi le développé couché s'il te plaît", "developpe couche"),
        ("comment réaliser une pompe correctement ?", "pompe"),
        ("what muscles does the bench press work?", "bench press"),
        ("c'est quoi un burpee ?", "burpee"),
        ("qu'est-ce qu'un hip thrust ?", "hip thrust"),
        ("what is a Turkish get-up?", "turkish get up"),
    ],
)
def test_exercise_query_is_the_text_after_the_question(message, query):
    result = detect_intent(message)
    assert result.name == "explain_exercise"
    assert result.exercise_query == query


def test_exercise_query_is_only_set_when_explaining():
    assert detect_intent("what should I do today?").exercise_query is None


# Language


@pytest.mark.parametrize(
    ("message", "language"),
    [
        ("Je veux des exercices", "fr"),
        ("I want exercises", "en"),
        ("épaules", "fr"),  # the accent alone
        ("squat", "en"),  # nothing to tell: English
        ("", "en"),
        ("biceps", "en"),
        ("HOW AM I DOING", "en"),
        ("COMMENT FAIRE UNE TRACTION", "fr"),
    ],
)
def test_language(message, language):
    assert detect_language(message) == language
    assert detect_intent(message).language == language


# Robustness


@pytest.mark.parametrize(
    "message",
    [
        "",
        "   ",
        "?!?!",
        "🏋️💪🔥",
        "'; DROP TABLE exercises; --",
        "SELECT * FROM accounts_user WHERE 1=1",
        "<script>alert('x')</script>",
        "\x00\n\t",
        "é" * 50,
    ],
)
def test_odd_input_gives_a_well_formed_intent(message):
    result = detect_intent(message)
    assert result.name in INTENT_NAMES
    assert result.language in ("en", "fr")
    assert 0 <= result.confidence <= 1
    assert set(result.muscles) <= set(MUSCLES)
    assert set(result.equipment) <= set(EQUIPMENT)
    assert result.difficulty is None or result.difficulty in DIFFICULTIES


def test_empty_message_is_unknown_english():
    assert detect_intent("") == Intent(name="unknown", language="en", confidence=0.0)


def test_emoji_do_not_hide_the_request():
    result = detect_intent("💪 exercices pour les biceps 🔥")
    assert (result.name, result.muscles) == ("find_exercises", ("biceps",))


def test_sql_like_text_only_yields_normalized_words():
    result = detect_intent("explain '; DROP TABLE exercises; --")
    assert result.name == "explain_exercise"
    assert result.exercise_query == "drop table exercises"


def test_very_long_message_is_cut_and_still_understood():
    message = "how do I do a deadlift? " + "blah " * 100_000
    result = detect_intent(message)
    assert result.name == "explain_exercise"
    assert result.exercise_query is not None
    assert len(result.exercise_query) <= 100
    # words past the cut are not read
    assert detect_intent("x" * MAX_MESSAGE_CHARS + " help").name == "unknown"


# Determinism


def test_same_message_gives_the_same_intent():
    message = "Make me a 4 day plan with dumbbells to build muscle, débutant"
    first = detect_intent(message)
    assert all(detect_intent(message) == first for _ in range(20))
    assert dataclasses.asdict(first) == {
        "name": "plan_week",
        "language": "en",
        "confidence": first.confidence,
        "muscles": (),
        "equipment": ("dumbbell",),
        "difficulty": "beginner",
        "days_per_week": 4,
        "exercise_query": None,
        "goal": "muscle_gain",
    }


def test_intent_is_immutable():
    result = detect_intent("hello")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.name = "help"  # type: ignore[misc]
