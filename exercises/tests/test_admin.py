"""The back-office: Alice (staff) finds exercises, fixes French names, and the public API follows."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.cache import cache
from django.test import Client

from accounts.models import User
from exercises.models import Exercise
from exercises.tests.conftest import ALICE_EMAIL
from exercises.tests.factories import ExerciseFactory
from exercises.tests.support import EXERCISES, SEARCH

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/exercises/exercise/"


def change_url(exercise: Exercise) -> str:
    return f"{CHANGELIST}{exercise.id}/change/"


def submitted_form(client: Client, exercise: Exercise, **changes: str) -> dict[str, Any]:
    """The change form as a browser would send it back: every field as rendered, textareas with
    CRLF line ends, the hidden initial values of fields with a callable default, plus the given
    changes."""
    form = client.get(change_url(exercise)).context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = field.prepare_value(form[name].value())
        value = "" if value is None else str(value)
        data[name] = value.replace("\n", "\r\n") if isinstance(field.widget, forms.Textarea) else value
        if field.show_hidden_initial:
            initial = field.prepare_value(form[name].initial)
            data[f"initial-{name}"] = "" if initial is None else str(initial)
    return {**data, **changes, "_save": "Save"}


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_changelist_searches_names_in_both_languages(alice_client):
    english = alice_client.get(CHANGELIST, {"q": "bench press"})
    french = alice_client.get(CHANGELIST, {"q": "haltères"})

    assert english.status_code == french.status_code == 200
    assert "Dumbbell Bench Press" in {e.exercise_en for e in english.context["cl"].result_list}
    assert all("haltère" in e.exercise_fr.lower() for e in french.context["cl"].result_list)
    assert french.context["cl"].result_count > 50


def test_the_missing_french_filter_lists_what_needs_translating(alice_client):
    untranslated = ExerciseFactory.create(exercise_en="Quokka Hop", exercise_fr=None, exercise_fr_source=None)

    no_name = alice_client.get(CHANGELIST, {"french": "no_name"})
    no_instructions = alice_client.get(CHANGELIST, {"french": "no_instructions", "q": "sit-up"})

    assert no_name.status_code == no_instructions.status_code == 200
    assert list(no_name.context["cl"].result_list) == [untranslated]  # the library is fully named
    found = {e.slug for e in no_instructions.context["cl"].result_list}
    assert "3-4-sit-up" in found
    assert all(e.instructions_fr is None for e in no_instructions.context["cl"].result_list)


def test_editing_a_french_name_marks_it_staff_and_the_api_shows_it(
    alice_client, api, sit_up, django_capture_on_commit_callbacks
):
    # both pages cached before the edit
    assert api.get(f"{EXERCISES}/{sit_up.id}", {"lang": "fr"}).json()["name"] == "Redressement assis 3/4"
    assert api.get(EXERCISES, {"lang": "fr"}).json()["results"][0]["name"] == "Redressement assis 3/4"
    data = submitted_form(alice_client, sit_up, exercise_fr="Relevé de buste 3/4")

    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(change_url(sit_up), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    sit_up.refresh_from_db()
    assert (sit_up.exercise_fr, sit_up.exercise_fr_source) == ("Relevé de buste 3/4", "staff")
    assert api.get(f"{EXERCISES}/{sit_up.id}", {"lang": "fr"}).json()["name"] == "Relevé de buste 3/4"
    assert api.get(EXERCISES, {"lang": "fr"}).json()["results"][0]["name"] == "Relevé de buste 3/4"


def test_saving_the_form_keeps_the_instructions_as_they_were(alice_client, sit_up, django_capture_on_commit_callbacks):
    # Steps hold commas ("Reverse the motion, going only ¾ of the way down."): a comma must not split
    # a step in two, and no French instructions must stay missing, not become an empty list.
    instructions_en, notes = list(sit_up.instructions_en), list(sit_up.notes)
    assert any("," in step for step in instructions_en)

    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(change_url(sit_up), submitted_form(alice_client, sit_up, exercise_fr="Relevé de buste 3/4"))

    sit_up.refresh_from_db()
    assert sit_up.instructions_en == instructions_en
    assert sit_up.instructions_fr is None
    assert sit_up.notes == notes
    still_missing = alice_client.get(CHANGELIST, {"french": "no_instructions", "q": "3-4-sit-up"})
    assert sit_up in still_missing.context["cl"].result_list


def test_instructions_are_edited_one_step_a_line(alice_client, api, django_capture_on_commit_callbacks):
    exercise = ExerciseFactory.create()
    steps = "Allongez-vous, genoux pliés.\r\n\r\nRelevez le buste, lentement.\r\n"

    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(change_url(exercise), submitted_form(alice_client, exercise, instructions_fr=steps))

    exercise.refresh_from_db()
    assert exercise.instructions_fr == ["Allongez-vous, genoux pliés.", "Relevez le buste, lentement."]
    item = api.get(f"{EXERCISES}/{exercise.id}", {"lang": "fr"}).json()
    assert (item["instructions"], item["instructions_language"]) == (exercise.instructions_fr, "fr")


def test_deleting_through_the_action_removes_the_exercise_from_the_api(
    alice_client, api, django_capture_on_commit_callbacks
):
    exercise = ExerciseFactory.create(exercise_en="Quokka Hop")
    assert api.get(SEARCH, {"q": "Quokka Hop"}).json()["count"] == 1
    assert api.get(f"{EXERCISES}/{exercise.id}").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            CHANGELIST, {"action": "delete_selected", "_selected_action": [exercise.id], "post": "yes"}
        )

    assert response.status_code == 302
    assert not Exercise.objects.filter(id=exercise.id).exists()
    assert api.get(SEARCH, {"q": "Quokka Hop"}).json()["count"] == 0
    assert api.get(f"{EXERCISES}/{exercise.id}").status_code == 404


def test_deleting_one_exercise_removes_it_from_the_api(alice_client, api, django_capture_on_commit_callbacks):
    exercise = ExerciseFactory.create(exercise_en="Quokka Hop")
    assert api.get(f"{EXERCISES}/{exercise.id}").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(f"{CHANGELIST}{exercise.id}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert api.get(f"{EXERCISES}/{exercise.id}").status_code == 404


def test_the_changelist_filters_by_muscle_equipment_and_missing_media(alice_client):
    bare = ExerciseFactory.create(
        exercise_en="Quokka Press",
        muscles=["chest"],
        equipments=["kettlebell"],
        male_gif_urls=[],
        female_gif_urls=[],
        image_urls=[],
        alt_image_urls=[],
    )

    chest_kettlebell = alice_client.get(CHANGELIST, {"muscle": "chest", "equipment": "kettlebell"})
    no_media = alice_client.get(CHANGELIST, {"media": "missing"})

    assert chest_kettlebell.status_code == no_media.status_code == 200
    found = list(chest_kettlebell.context["cl"].result_list)
    assert bare in found
    assert all("chest" in e.muscles and "kettlebell" in e.equipments for e in found)
    assert bare in no_media.context["cl"].result_list
    assert all(
        not (e.image_urls or e.male_gif_urls or e.female_gif_urls or e.alt_image_urls)
        for e in no_media.context["cl"].result_list
    )


def test_the_changelist_shows_thumbnails_and_the_translation_coverage(alice_client, sit_up):
    response = alice_client.get(CHANGELIST, {"q": "3/4 sit-up"})

    page = response.content.decode()
    assert f'<img src="{sit_up.image_urls[0]}"' in page
    total = Exercise.objects.count()
    assert f"French names {total}/{total} (100%)" in page  # the demo library is fully named
    untranslated = Exercise.objects.filter(instructions_fr__isnull=True).count()
    assert f"French instructions {total - untranslated}/{total}" in page


def test_the_change_form_previews_the_media(alice_client, sit_up):
    page = alice_client.get(change_url(sit_up)).content.decode()

    assert "media preview" in page.lower()
    for url in sit_up.image_urls[:4]:
        assert f'<img src="{url}"' in page


def test_a_bulk_action_sets_the_difficulty_and_the_api_follows(
    alice_client, api, sit_up, dumbbell_bench_press, django_capture_on_commit_callbacks
):
    assert api.get(f"{EXERCISES}/{sit_up.id}").json()["difficulty"] != "advanced"  # cached now
    data = {"action": "set_difficulty_advanced", "_selected_action": [sit_up.id, dumbbell_bench_press.id]}

    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(CHANGELIST, data)

    assert response.status_code == 302
    assert set(
        Exercise.objects.filter(id__in=[sit_up.id, dumbbell_bench_press.id]).values_list("difficulty", flat=True)
    ) == {"advanced"}
    assert api.get(f"{EXERCISES}/{sit_up.id}").json()["difficulty"] == "advanced"


def test_a_bulk_action_sets_the_goal(alice_client, sit_up, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(CHANGELIST, {"action": "set_goal_mobility", "_selected_action": [sit_up.id]})

    sit_up.refresh_from_db()
    assert sit_up.goal == "mobility"


# ---- review marker ------------------------------------------------------------------------------


def test_marking_exercises_reviewed_stamps_who_and_when_and_the_filter_follows(alice_client, alice):
    checked = ExerciseFactory.create_batch(2, exercise_en="Quokka Curl")
    unchecked = ExerciseFactory.create(exercise_en="Quokka Curl")

    response = alice_client.post(
        CHANGELIST, {"action": "mark_reviewed", "_selected_action": [exercise.id for exercise in checked]}
    )

    assert response.status_code == 302
    for exercise in checked:
        exercise.refresh_from_db()
        assert exercise.reviewed_by == alice
        assert exercise.reviewed_at is not None
    reviewed = alice_client.get(CHANGELIST, {"reviewed": "yes", "q": "Quokka Curl"})
    not_reviewed = alice_client.get(CHANGELIST, {"reviewed": "no", "q": "Quokka Curl"})
    assert set(reviewed.context["cl"].result_list) == set(checked)
    assert list(not_reviewed.context["cl"].result_list) == [unchecked]
    assert "reviewed" in reviewed.context["cl"].list_display
    assert reviewed.content.decode().count('alt="True"') == 2  # the "reviewed" column's tick, one a row


def test_marking_exercises_not_reviewed_clears_the_marker(alice_client, alice):
    exercise = ExerciseFactory.create()
    alice_client.post(CHANGELIST, {"action": "mark_reviewed", "_selected_action": [exercise.id]})

    alice_client.post(CHANGELIST, {"action": "mark_not_reviewed", "_selected_action": [exercise.id]})

    exercise.refresh_from_db()
    assert (exercise.reviewed_at, exercise.reviewed_by) == (None, None)
    not_reviewed = alice_client.get(CHANGELIST, {"reviewed": "no", "q": exercise.exercise_en})
    assert exercise in not_reviewed.context["cl"].result_list


def test_the_review_marker_never_shows_in_the_public_api(alice_client, api, sit_up):
    detail_before = api.get(f"{EXERCISES}/{sit_up.id}", {"lang": "fr"}).json()
    page_before = api.get(EXERCISES, {"lang": "fr"}).json()

    alice_client.post(CHANGELIST, {"action": "mark_reviewed", "_selected_action": [sit_up.id]})
    cache.clear()  # built again from the reviewed row

    assert api.get(f"{EXERCISES}/{sit_up.id}", {"lang": "fr"}).json() == detail_before
    assert api.get(EXERCISES, {"lang": "fr"}).json() == page_before
    assert not any("review" in key for key in detail_before)


def test_the_change_form_shows_the_review_marker_read_only(alice_client, alice, sit_up):
    alice_client.post(CHANGELIST, {"action": "mark_reviewed", "_selected_action": [sit_up.id]})

    response = alice_client.get(change_url(sit_up))

    assert "reviewed_at" not in response.context["adminform"].form.fields
    page = response.content.decode()
    assert "Reviewed by" in page
    assert ALICE_EMAIL in page


# ---- audit --------------------------------------------------------------------------------------


@pytest.fixture
def sam() -> User:
    """Sam, another staff member, whose edits Alice looks up."""
    return User.objects.create_superuser(email="sam@movoai.test", password="sam-edits", display_name="sam")


def test_the_change_page_lists_who_changed_the_exercise_and_what(
    alice_client, sam, sit_up, django_capture_on_commit_callbacks
):
    sams_client = Client()
    sams_client.force_login(sam)
    with django_capture_on_commit_callbacks(execute=True):
        response = sams_client.post(change_url(sit_up), submitted_form(sams_client, sit_up, exercise_fr="Relevé 3/4"))
    assert response.status_code == 302

    page = alice_client.get(change_url(sit_up)).content.decode()

    recent = page[page.index('class="recent-changes"') :]
    assert "sam" in recent
    assert "Changed French name." in recent
    assert f'href="{change_url(sit_up).replace("change/", "history/")}"' in page


def test_a_bulk_action_writes_one_log_entry_per_exercise(alice_client, alice, django_capture_on_commit_callbacks):
    exercises = ExerciseFactory.create_batch(3, difficulty="beginner")

    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(
            CHANGELIST, {"action": "set_difficulty_advanced", "_selected_action": [e.id for e in exercises]}
        )

    entries = LogEntry.objects.filter(object_id__in=[str(e.id) for e in exercises])
    assert sorted(int(entry.object_id) for entry in entries) == sorted(e.id for e in exercises)
    assert {(entry.user_id, entry.action_flag) for entry in entries} == {(alice.id, CHANGE)}
    assert {entry.change_message for entry in entries} == {"Set difficulty to advanced, was beginner (bulk action)."}
    page = alice_client.get(change_url(exercises[0])).content.decode()
    assert "Set difficulty to advanced, was beginner (bulk action)." in page


def test_marking_reviewed_is_logged_per_exercise(alice_client, alice):
    exercises = ExerciseFactory.create_batch(2)

    alice_client.post(CHANGELIST, {"action": "mark_reviewed", "_selected_action": [e.id for e in exercises]})

    for exercise in exercises:
        entry = LogEntry.objects.get(object_id=str(exercise.id), content_type__model="exercise")
        assert (entry.user_id, entry.get_change_message()) == (alice.id, "Marked as reviewed (bulk action).")
