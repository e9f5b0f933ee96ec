"""The back-office: Alice (staff) finds exercises, fixes French names, and the public API follows."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.test import Client

from exercises.models import Exercise
from exercises.tests.factories import ExerciseFactory
from exercises.tests.support import EXERCISES, SEARCH

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/exercises/exercise/"


def change_url(exercise: Exercise) -> str:
    return f"{CHANGELIST}{exercise.id}/change/"


def submitted_form(client: Client, exercise: Exercise, **changes: str) -> dict[str, Any]:
    """The change form as a browser would send it back: every field as rendered, textareas with
    CRLF line ends, plus the given changes."""
    form = client.get(change_url(exercise)).context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = field.prepare_value(form[name].value())
        value = "" if value is None else str(value)
        data[name] = value.replace("\n", "\r\n") if isinstance(field.widget, forms.Textarea) else value
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
    assert api.get(f"{EXERCISES}/{sit_up.id}", {"lang": "fr"}).json()["name"] == "Redressement assis 3/4"
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
