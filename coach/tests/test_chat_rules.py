"""The rule-based coach on the real library and real plans: every intent in English and French,
answers that name real library exercises, pain and limitations, and the conversation recap."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest

from accounts.tests.factories import UserFactory
from coach import safety
from coach.chat_rules import rules_reply
from coach.memory import memory_append, session_start
from exercises.models import Exercise
from plans.models import WorkoutPlan
from tracking.tests.factories import UserPlanFactory, WorkoutLogFactory

pytestmark = pytest.mark.django_db

# The words the acceptance check counts to tell French from English.
FRENCH = {"le", "la", "les", "des", "du", "de", "pour", "avec", "et", "vous", "votre", "vos", "est", "une", "un"}
FRENCH |= {"sont", "ces", "exercice", "exercices", "séries", "série", "répétitions", "dans", "sur", "au", "aux"}
FRENCH |= {"à", "ou", "pas", "qui", "que", "faites", "voici", "muscles", "abdominaux", "jambes", "séance"}
ENGLISH = {"the", "and", "for", "with", "you", "your", "is", "are", "these", "this", "exercise", "exercises"}
ENGLISH |= {"sets", "reps", "try", "here", "of", "to", "in", "on", "workout", "some"}


def reads_as(text: str) -> str:
    words = re.findall(r"[a-zà-ÿ]+", text.lower())
    french, english = sum(w in FRENCH for w in words), sum(w in ENGLISH for w in words)
    assert max(french, english) >= 3, text
    return "fr" if french > english else "en"


def assert_library_names(reply, language):
    """Every exercise the reply lists exists, under its library name in the language, and is named in the text."""
    assert reply.exercises
    rows = Exercise.objects.in_bulk([item["id"] for item in reply.exercises])
    for item in reply.exercises:
        exercise = rows[item["id"]]
        expected = exercise.exercise_fr if language == "fr" and exercise.exercise_fr else exercise.exercise_en
        assert item["name"] == expected
    assert any(item["name"] in reply.text for item in reply.exercises)


@pytest.fixture
def alice():
    return UserFactory.create(display_name="alice", preferred_language="fr", time_zone="UTC")


@pytest.mark.parametrize(
    ("message", "language", "intent"),
    [
        ("Which exercises for chest with dumbbells?", "en", "find_exercises"),
        ("Quels exercices pour les abdos ?", "fr", "find_exercises"),
        ("Give me a leg workout.", "en", "find_exercises"),
        ("Explain the dumbbell bench press.", "en", "explain_exercise"),
        ("Comment faire le développé couché avec haltères ?", "fr", "explain_exercise"),
        ("Plan a week of training for me, 4 days a week.", "en", "plan_week"),
        ("Fais-moi un programme de 3 jours par semaine pour la force", "fr", "plan_week"),
        ("What should I do today?", "en", "today"),
        ("Que dois-je faire aujourd'hui ?", "fr", "today"),
    ],
)
def test_each_intent_is_answered_in_the_messages_language_with_library_exercises(message, language, intent):
    reply = rules_reply(message, user=None, language=language)

    assert reply.intent == intent
    assert reads_as(reply.text) == language
    assert_library_names(reply, language)


def test_exercises_for_a_muscle_and_equipment_work_that_muscle_with_that_equipment():
    reply = rules_reply("Which exercises for chest with dumbbells?", user=None, language="en")

    exercises = Exercise.objects.in_bulk([item["id"] for item in reply.exercises]).values()
    assert 3 <= len(exercises) <= 6
    for exercise in exercises:
        assert "chest" in exercise.muscles
        assert "dumbbell" in exercise.equipments
    assert reply.text.startswith("Here are")


def test_explaining_an_exercise_gives_its_instructions_in_the_language():
    bench = Exercise.objects.get(exercise_en="Dumbbell Bench Press")

    english = rules_reply("How do I do the dumbbell bench press?", user=None, language="en")
    french = rules_reply("Comment faire le développé couché avec haltères ?", user=None, language="fr")

    assert english.exercises == [{"id": bench.id, "name": "Dumbbell Bench Press"}]
    assert bench.instructions_en[0] in english.text
    assert french.exercises[0]["id"] == bench.id
    assert bench.instructions_fr
    assert bench.instructions_fr[0] in french.text


def test_an_exercise_without_french_instructions_is_explained_in_english_with_a_note():
    exercise = Exercise.objects.filter(instructions_fr__isnull=True).exclude(instructions_en=[]).order_by("id")[0]

    reply = rules_reply(f"Explique-moi {exercise.exercise_en}", user=None, language="fr")

    assert reply.exercises[0]["id"] == exercise.id
    assert exercise.instructions_en[0] in reply.text
    assert "n'existent qu'en anglais" in reply.text


def test_an_unknown_exercise_is_said_so_without_inventing_one():
    reply = rules_reply("How do I do the zorblax flip?", user=None, language="en")

    assert reply.intent == "explain_exercise"
    assert reply.exercises == []
    assert "could not find" in reply.text


def test_a_weeks_plan_comes_from_the_recommendation_rules_with_rest_days_and_library_exercises():
    reply = rules_reply("Plan 4 days a week for muscle gain", user=None, language="en")

    week = reply.data["workout"]
    assert week["goal"] == "hypertrophy"
    assert [day["day"] for day in week["days"] if not day["rest"]] == [1, 2, 4, 5]
    items = [item for day in week["days"] for item in day["exercises"]]
    ids = [item["exercise_id"] for item in items]
    assert len(ids) == len(set(ids))
    assert Exercise.objects.filter(id__in=ids).count() == len(ids)
    assert all(1 <= item["sets"] <= 10 and 15 <= item["rest_seconds"] <= 300 for item in items)
    assert "Rest days: wednesday, saturday, sunday" in reply.text
    assert f"- Monday ({week['days'][0]['name']}): {items[0]['name']} {items[0]['sets']} x" in reply.text


def test_seven_days_a_week_still_leaves_a_rest_day():
    reply = rules_reply("Plan 7 days a week", user=None, language="en")

    assert sum(not day["rest"] for day in reply.data["workout"]["days"]) == 6
    assert "Rest days: sunday" in reply.text


def test_a_plan_for_a_painful_knee_leaves_out_what_loads_the_knee():
    reply = rules_reply("J'ai mal au genou, fais-moi un programme de 3 jours", user=None, language="fr")

    assert reply.intent == "plan_week"
    assert "kinésithérapeute" in reply.text
    assert "Exclus pour ménager : genou" in reply.text
    for exercise in Exercise.objects.filter(id__in=[item["id"] for item in reply.exercises]):
        assert not safety.CONTRAINDICATIONS["knee"].matches(exercise), exercise.exercise_en


def test_progress_without_a_user_explains_how_to_get_tracked():
    english = rules_reply("How am I doing?", user=None, language="en")
    french = rules_reply("Où j'en suis ?", user=None, language="fr")

    assert english.intent == french.intent == "progress"
    assert "log your workouts" in english.text
    assert "enregistrez vos séances" in french.text
    assert reads_as(french.text) == "fr"


def test_progress_reads_the_users_logs(alice):
    bench = Exercise.objects.get(exercise_en="Dumbbell Bench Press")
    today = datetime.datetime.now(datetime.UTC).date()
    for days_ago, weight in ((6, 20), (4, 22), (2, 25)):
        WorkoutLogFactory(
            user=alice,
            exercise=bench,
            date_performed=today - datetime.timedelta(days=days_ago),
            sets_completed=3,
            reps_completed=10,
            weight_kg=Decimal(weight),
        )

    reply = rules_reply("Où j'en suis ?", user=alice, language="fr")

    # 3 x 10 x (20 + 22 + 25) = 2010 kg
    assert "3 exercices sur 3 jours" in reply.text
    assert "Volume total : 2\u202f010 kg" in reply.text
    assert "Développé couché avec haltères à 25 kg x 10" in reply.text
    assert reply.data["volume_kg"] == 2010
    assert reply.exercises == [{"id": bench.id, "name": "Développé couché avec haltères"}]


def test_today_follows_the_users_active_plan(alice):
    plan = WorkoutPlan.objects.get(slug="beginner-full-body-strength")
    today = datetime.datetime.now(datetime.UTC).date()
    UserPlanFactory(user=alice, plan=plan, start_date=today)
    first_day = plan.plan_exercises.filter(week_number=1, day_number=1).select_related("exercise")

    reply = rules_reply("What should I do today?", user=alice, language="en")

    assert f'Today: week 1, day 1 of "{plan.name_en}"' in reply.text
    assert [item["id"] for item in reply.exercises] == [pe.exercise_id for pe in first_day]
    for plan_exercise in first_day:
        assert plan_exercise.exercise.exercise_en in reply.text


def test_today_without_a_plan_suggests_a_body_weight_session():
    reply = rules_reply("What should I do today?", user=None, language="en")

    exercises = Exercise.objects.filter(id__in=[item["id"] for item in reply.exercises])
    assert len(exercises) == 5
    assert all(exercise.equipments == ["body weight"] for exercise in exercises)
    assert "no plan running" in reply.text


@pytest.mark.parametrize(
    ("message", "language", "opening"),
    [
        ("Hello", "en", "Hello! I'm your MovoAI coach."),
        ("Bonjour", "fr", "Bonjour ! Je suis votre coach MovoAI."),
        ("help", "en", "I'm your MovoAI coach."),
        ("What's the weather in Paris?", "en", "I'm not sure I understood your question."),
        ("Quel temps fait-il à Paris ?", "fr", "Je ne suis pas sûr d'avoir compris votre question."),
    ],
)
def test_greetings_help_and_unknown_messages_say_what_the_coach_can_do(message, language, opening):
    reply = rules_reply(message, user=None, language=language)

    assert reply.text.startswith(opening)
    assert reads_as(reply.text) == language
    assert ("How am I doing?" in reply.text) or ("Où j'en suis ?" in reply.text)


def test_common_training_questions_get_general_advice():
    sets = rules_reply("How many sets should I do?", user=None, language="en")
    rest = rules_reply("Combien de jours de repos par semaine ?", user=None, language="fr")

    assert "3 to 5 sets of 3 to 6 reps" in sets.text
    assert "au moins un jour de repos" in rest.text


# Pain and limitations


@pytest.mark.parametrize(
    ("message", "language", "advice"),
    [
        ("My knee hurts, what leg exercises can I do?", "en", "see a doctor or a physiotherapist"),
        ("J'ai mal au genou, quels exercices pour les jambes ?", "fr", "consultez un médecin ou un kinésithérapeute"),
    ],
)
def test_knee_pain_gets_professional_advice_and_no_exercise_loading_the_knee(message, language, advice):
    reply = rules_reply(message, user=None, language=language)

    assert advice in reply.text
    assert "diagnos" in reply.text
    assert reply.data["pain_areas"] == ["knee"]
    assert_library_names(reply, language)
    for exercise in Exercise.objects.filter(id__in=[item["id"] for item in reply.exercises]):
        assert not safety.CONTRAINDICATIONS["knee"].matches(exercise), exercise.exercise_en


def test_explaining_an_exercise_that_loads_the_painful_area_warns_against_it():
    reply = rules_reply("My knee hurts. How do I do a jump squat?", user=None, language="en")

    assert "see a doctor" in reply.text
    assert "this exercise loads the knee" in reply.text


def test_pain_without_an_area_gets_the_advice_and_a_normal_answer():
    reply = rules_reply("It hurts when I train, which exercises for chest?", user=None, language="en")

    assert "see a doctor" in reply.text
    assert reply.exercises


def test_the_users_recorded_limitations_are_respected_without_a_notice():
    user = UserFactory.create(limitations=["genou droit"])

    reply = rules_reply("Give me a leg workout.", user=user, language="en")

    assert "doctor" not in reply.text
    assert "I left out exercises that load the knee." in reply.text
    for exercise in Exercise.objects.filter(id__in=[item["id"] for item in reply.exercises]):
        assert not safety.CONTRAINDICATIONS["knee"].matches(exercise), exercise.exercise_en


# Recap


def test_remind_me_answers_from_the_summary_and_the_recent_messages():
    session = session_start(user=None, language="en")
    memory_append(session, "user", "Which exercises for my calves?", {})
    memory_append(
        session, "assistant", "Try Standing Calf Raises.", {"exercises": [{"id": 1, "name": "Standing Calf Raises"}]}
    )

    reply = rules_reply(
        "Remind me what we talked about.",
        user=None,
        language="en",
        summary="Earlier: the user asked about a weekly plan.",
        recent=list(session.messages.all()),
    )

    assert reply.intent == "recap"
    assert "Earlier: the user asked about a weekly plan." in reply.text
    assert "- Which exercises for my calves?" in reply.text
    assert "Standing Calf Raises" in reply.text


def test_de_quoi_avons_nous_parle_with_nothing_said_yet():
    reply = rules_reply("De quoi avons-nous parlé ?", user=None, language="fr")

    assert reply.intent == "recap"
    assert reply.text.startswith("Nous n'avons encore parlé de rien")
