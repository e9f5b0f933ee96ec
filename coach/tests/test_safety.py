"""The coach's safety rules: limitations and pain read from English and French words, abusive input
recognised without flagging fitness talk, and the exercises a limitation rules out, on the real
library."""

from __future__ import annotations

import pytest

from coach.safety import (
    BACK,
    KNEE,
    NO_IMPACT,
    SHOULDER,
    UNSPECIFIED,
    contraindication_reasons,
    exercise_exclusions,
    is_abusive,
    limitation_areas,
    limitation_words,
    medical_notice,
    mentions_pain,
    mentions_self_harm,
)
from exercises.models import Exercise


@pytest.mark.parametrize(
    ("limitations", "areas"),
    [
        (["knee"], {KNEE}),
        (["Genou gauche"], {KNEE}),
        (["lower back"], {BACK}),
        (["mal de dos", "épaule droite"], {BACK, SHOULDER}),
        (["no jumping"], {NO_IMPACT}),
        (["low-impact only"], {NO_IMPACT}),
        (["sans sauts"], {NO_IMPACT}),
        (["asthma"], set()),
    ],
)
def test_a_limitations_list_names_areas_by_their_word_alone(limitations, areas):
    assert limitation_areas(limitations) == areas


@pytest.mark.parametrize(
    ("text", "areas"),
    [
        ("knee friendly leg exercises", {KNEE}),
        ("I have a bad back", {BACK}),
        ("j'ai mal au dos", {BACK}),
        ("protect my shoulder please", {SHOULDER}),
        ("no jumping, my neighbours complain", {NO_IMPACT}),
        ("back exercises for posture", set()),
        ("I want bigger shoulders and a wide back", set()),
        ("hip thrusts are my favourite", set()),
    ],
)
def test_free_text_names_an_area_only_with_a_cue_near_it(text, areas):
    assert limitation_areas([text], free_text=True) == areas


@pytest.mark.parametrize(
    ("text", "areas"),
    [
        ("my knee hurts when I squat", {KNEE}),
        ("J'ai mal au genou depuis lundi", {KNEE}),
        ("injured shoulder", {SHOULDER}),
        ("le dos me fait mal", {BACK}),
        ("it hurts", {UNSPECIFIED}),
        ("c'est pas mal du tout ce programme", set()),
        ("my knees are fine, give me squats", set()),
        ("kill this workout", set()),
    ],
)
def test_pain_and_injury_mentions_are_read_in_both_languages(text, areas):
    assert mentions_pain(text) == areas


@pytest.mark.parametrize(
    "text", ["fuck you coach", "Va te faire foutre", "you stupid cunt", "you are a stupid bitch", "espèce de connard"]
)
def test_clear_abuse_is_recognised(text):
    assert is_abusive(text)


@pytest.mark.parametrize("text", ["I want to kill myself", "je veux mourir", "I've been thinking about suicide"])
def test_self_harm_is_recognised_and_is_not_abuse(text):
    assert mentions_self_harm(text)
    assert not is_abusive(text)


@pytest.mark.parametrize(
    "text",
    [
        "kill this workout",
        "I'm going to crush leg day",
        "je suis crevé après la séance",
        "this burpee set is killer",
        "j'arrive en retard à la salle",
        "my shoulders are killing me after that press",
    ],
)
def test_fitness_talk_is_not_abusive(text):
    assert not is_abusive(text)


def test_the_text_without_its_limitation_words_says_what_is_wanted():
    assert limitation_words("knee friendly leg exercises") == "leg exercises"
    assert limitation_words("no jumping, glute exercises") == "glute exercises"


def test_the_medical_notice_says_to_see_a_professional_in_each_language():
    assert "doctor or a physiotherapist" in medical_notice("en")
    assert "médecin" in medical_notice("fr")
    assert "diagnos" in medical_notice("en")


# ---- the rules on the library ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("level", ["beginner", "intermediate", "advanced", None])
def test_the_database_filter_and_the_python_rules_rule_out_the_same_exercises(level):
    exercises = list(Exercise.objects.all())
    for area in (KNEE, BACK, SHOULDER, "wrist", "ankle", "hip", "neck", "elbow", NO_IMPACT):
        excluded = set(Exercise.objects.filter(exercise_exclusions([area], level)).values_list("id", flat=True))
        ruled_out = {e.id for e in exercises if contraindication_reasons(e, [area], level)}
        assert excluded == ruled_out, area


@pytest.mark.django_db
def test_a_knee_limitation_leaves_out_every_jump_and_plyometric_exercise():
    allowed = Exercise.objects.exclude(exercise_exclusions([KNEE], "advanced"))
    assert allowed.filter(category="plyometrics").count() == 0
    assert [name for name in allowed.values_list("exercise_en", flat=True) if "jump" in name.lower()] == []
    assert not allowed.filter(exercise_en__iregex=r"\m(lunge|pistol)").exists()
    # knee-friendly work stays: bridges, hip thrusts, leg curls
    assert allowed.filter(exercise_en__in=["Butt Lift (Bridge)", "Barbell Hip Thrust", "Lying Leg Curls"]).count() == 3


@pytest.mark.django_db
def test_a_stated_back_problem_leaves_out_heavy_spinal_loading_but_keeps_gentle_back_stretches():
    allowed = Exercise.objects.exclude(exercise_exclusions([BACK], "advanced"))
    names = set(allowed.values_list("exercise_en", flat=True))
    assert not {"Barbell Deadlift", "Good Morning", "Bent Over Barbell Row", "Barbell Squat"} & names
    # a bar across the back, and jumps (the chat once offered these to "my lower back hurts")
    assert not {"Barbell Walking Lunge", "Barbell Lunge", "Front Box Jump"} & names
    assert {"Cat Stretch", "Child's Pose", "Dumbbell Bench Press"} <= names


@pytest.mark.django_db
def test_a_shoulder_problem_leaves_out_overhead_pressing_and_dips():
    allowed = set(
        Exercise.objects.exclude(exercise_exclusions([SHOULDER], "advanced")).values_list("exercise_en", flat=True)
    )
    assert not {"Standing Military Press", "Seated Dumbbell Press", "Upright Barbell Row", "Parallel Bar Dip"} & allowed
    assert "Side Lateral Raise" in allowed


@pytest.mark.django_db
def test_a_beginner_gets_no_advanced_exercise_and_nothing_is_ruled_out_for_an_advanced_athlete_without_limits():
    assert not Exercise.objects.exclude(exercise_exclusions([], "beginner")).filter(difficulty="advanced").exists()
    assert not Exercise.objects.exclude(exercise_exclusions([], None)).filter(difficulty="advanced").exists()
    assert Exercise.objects.exclude(exercise_exclusions([], "advanced")).count() == Exercise.objects.count()


@pytest.mark.django_db
def test_the_reasons_say_why_an_exercise_is_ruled_out_in_the_language():
    box_jump = Exercise.objects.get(exercise_en="Front Box Jump")
    assert contraindication_reasons(box_jump, [KNEE], "advanced") == ["jumps, lunges and deep knee bends load the knee"]
    assert "genou" in contraindication_reasons(box_jump, [KNEE], "advanced", language="fr")[0]
    assert contraindication_reasons(box_jump, [SHOULDER], "advanced") == []
