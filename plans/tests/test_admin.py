"""The back-office: staff curate plans, their plan exercises inline and the featured order, and the
public API shows their change at once."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from django import forms
from django.contrib.admin.models import ADDITION, LogEntry
from django.test import Client
from django.utils.html import escape

from accounts.models import User
from plans.models import WorkoutPlan

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/plans/workoutplan/"
FEATURED = "/api/v1/workout-plans/featured"


@pytest.fixture
def charlie(db: None) -> User:
    """Charlie works in the back-office."""
    return User.objects.create_superuser(email="charlie@movoai.test", password="correct horse battery")


@pytest.fixture
def staff_client(charlie: User) -> Client:
    client = Client()
    client.force_login(charlie)
    return client


def changelist_form(featured_order: dict[str, int | None]) -> dict[str, Any]:
    """The changelist's list_editable form for every plan, with new featured orders by slug."""
    plans = list(WorkoutPlan.objects.order_by("id"))
    data: dict[str, Any] = {
        "form-TOTAL_FORMS": str(len(plans)),
        "form-INITIAL_FORMS": str(len(plans)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for index, plan in enumerate(plans):
        order = featured_order.get(plan.slug, plan.featured_order)
        data[f"form-{index}-id"] = str(plan.id)
        data[f"form-{index}-featured_order"] = "" if order is None else str(order)
        if order is not None:
            data[f"form-{index}-is_featured"] = "on"
    return data


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_staff_see_the_plan_changelist(staff_client):
    response = staff_client.get(CHANGELIST)

    assert response.status_code == 200
    page = response.content.decode()
    for plan in WorkoutPlan.objects.all():
        assert escape(plan.name_en) in page


def test_staff_can_search_plans(staff_client):
    response = staff_client.get(CHANGELIST, {"q": "mobility"})

    assert response.status_code == 200
    assert [plan.slug for plan in response.context["cl"].result_list] == [
        "daily-mobility-flow",
        "mobility-and-recovery-foam-roller",
    ]


def test_the_change_form_shows_the_plan_exercises_inline(staff_client):
    plan = WorkoutPlan.objects.get(slug="home-hiit-fat-burner")

    response = staff_client.get(f"{CHANGELIST}{plan.id}/change/")

    assert response.status_code == 200
    inline = response.context["inline_admin_formsets"][0].formset
    assert inline.total_form_count() == plan.plan_exercises.count() == 72
    first = plan.plan_exercises.order_by("week_number", "day_number", "order_in_day").first()
    assert first is not None
    assert f'value="{first.id}"' in response.content.decode()


def test_changing_the_featured_order_in_the_changelist_reorders_the_featured_plans(
    staff_client, api, django_capture_on_commit_callbacks
):
    before = [plan["slug"] for plan in api.get(FEATURED).json()["results"]]
    assert before[0] == "beginner-full-body-strength"
    assert before[-1] == "beginner-cardio-endurance"

    form = changelist_form({"beginner-cardio-endurance": 1, "beginner-full-body-strength": 5})
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(CHANGELIST, form)

    assert response.status_code == 302
    after = [plan["slug"] for plan in api.get(FEATURED).json()["results"]]
    assert after == ["beginner-cardio-endurance", *before[1:-1], "beginner-full-body-strength"]


def test_unfeaturing_a_plan_in_the_changelist_removes_it_from_the_featured_plans(
    staff_client, api, django_capture_on_commit_callbacks
):
    before = [plan["slug"] for plan in api.get(FEATURED).json()["results"]]

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(CHANGELIST, changelist_form({"home-hiit-fat-burner": None}))

    assert [plan["slug"] for plan in api.get(FEATURED).json()["results"]] == [
        slug for slug in before if slug != "home-hiit-fat-burner"
    ]


def test_featuring_a_users_own_plan_is_refused_with_a_form_error(staff_client, alices_plan, api):
    response = staff_client.post(CHANGELIST, changelist_form({alices_plan.slug: 6}))

    assert response.status_code == 200
    assert "Only a template plan can be featured." in response.content.decode()
    alices_plan.refresh_from_db()
    assert alices_plan.is_featured is False
    assert alices_plan.slug not in [plan["slug"] for plan in api.get(FEATURED).json()["results"]]


# ---- the change form as a browser sends it back -------------------------------------------------


def change_url(plan: WorkoutPlan) -> str:
    return f"{CHANGELIST}{plan.id}/change/"


def _field_value(field: forms.Field, value: Any) -> str | None:
    """What a browser sends for one field: None for an unticked box (nothing sent)."""
    if isinstance(field, forms.BooleanField):
        return "on" if value else None
    value = field.prepare_value(value)
    return "" if value is None else str(value)


def _put(data: dict[str, Any], name: str, value: str | None) -> None:
    if value is not None:
        data[name] = value


def submitted_change_form(
    client: Client,
    plan: WorkoutPlan,
    changes: dict[str, Any] | None = None,
    inline_changes: dict[int, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The plan's change form with its inline plan exercises, as rendered, plus `changes` to the
    plan (None unticks a box) and `inline_changes` by plan exercise id."""
    response = client.get(change_url(plan))
    form = response.context["adminform"].form
    data: dict[str, Any] = {"_save": "Save"}
    for name, field in form.fields.items():
        _put(data, name, _field_value(field, form[name].value()))
    for name, value in (changes or {}).items():
        data.pop(name, None)
        _put(data, name, value)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[f"{formset.prefix}-{name}"] = str(formset.management_form[name].value())
        for plan_form in formset.initial_forms:
            overrides = (inline_changes or {}).get(plan_form.instance.pk, {})
            for name, field in plan_form.fields.items():
                key = plan_form.add_prefix(name)
                if name in overrides:
                    _put(data, key, overrides[name])
                else:
                    _put(data, key, _field_value(field, plan_form[name].value()))
    return data


def ordered_rows(plan: WorkoutPlan) -> list[tuple[int, int, int, int]]:
    return list(
        plan.plan_exercises.order_by("week_number", "day_number", "order_in_day").values_list(
            "week_number", "day_number", "order_in_day", "exercise_id"
        )
    )


def featured_slugs(api: Any) -> list[str]:
    return [plan["slug"] for plan in api.get(FEATURED).json()["results"]]


# ---- plan exercises inline, grouped by week and day ----------------------------------------------


def test_the_inline_shows_a_header_before_each_week_and_each_day(staff_client, four_week_plan):
    page = staff_client.get(change_url(four_week_plan)).content.decode()

    weeks = [int(week) for week in re.findall(r'class="plan-week-header" data-week="(\d+)"', page)]
    day_headers = re.findall(r'class="plan-day-header" data-week="(\d+)" data-day="(\d+)"', page)
    days = [(int(week), int(day)) for week, day in day_headers]
    assert weeks == list(range(1, four_week_plan.weeks + 1))
    assert days == sorted(set(four_week_plan.plan_exercises.values_list("week_number", "day_number")))
    # each day's rows follow its header, still editable
    first_day = page.index('data-week="1" data-day="1"')
    second_day = page.index(f'data-week="1" data-day="{days[1][1]}"')
    first_row = four_week_plan.plan_exercises.get(week_number=1, day_number=1, order_in_day=1)
    assert first_day < page.index(f'value="{first_row.id}"') < second_day
    assert 'name="plan_exercises-0-sets"' in page


def test_staff_swap_two_exercises_of_a_day_in_the_inline(staff_client, api, four_week_plan):
    first, second = four_week_plan.plan_exercises.filter(week_number=1, day_number=1).order_by("order_in_day")[:2]
    api.get(f"/api/v1/workout-plans/{four_week_plan.id}")  # cached now
    data = submitted_change_form(
        staff_client,
        four_week_plan,
        inline_changes={first.id: {"order_in_day": "2"}, second.id: {"order_in_day": "1"}},
    )

    response = staff_client.post(change_url(four_week_plan), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.order_in_day, second.order_in_day) == (2, 1)


def test_the_swap_reaches_the_cached_plan_detail(staff_client, api, four_week_plan, django_capture_on_commit_callbacks):
    url = f"/api/v1/workout-plans/{four_week_plan.id}"

    def week_one_day_one() -> list[dict[str, Any]]:
        days = api.get(url).json()["schedule"][0]["days"]
        return next(day["exercises"] for day in days if day["day_number"] == 1)

    day_one = week_one_day_one()
    first, second = four_week_plan.plan_exercises.filter(week_number=1, day_number=1).order_by("order_in_day")[:2]
    data = submitted_change_form(
        staff_client,
        four_week_plan,
        inline_changes={first.id: {"order_in_day": "2"}, second.id: {"order_in_day": "1"}},
    )

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(change_url(four_week_plan), data)

    after = week_one_day_one()
    assert [item["exercise"]["id"] for item in after[:2]] == [item["exercise"]["id"] for item in reversed(day_one[:2])]


def test_two_exercises_in_one_place_are_a_form_error_not_a_crash(staff_client, four_week_plan):
    second = four_week_plan.plan_exercises.get(week_number=1, day_number=1, order_in_day=2)
    data = submitted_change_form(staff_client, four_week_plan, inline_changes={second.id: {"order_in_day": "1"}})

    response = staff_client.post(change_url(four_week_plan), data)

    assert response.status_code == 200
    assert "Two plan exercises share a place (week 1, day 1, position 1)" in response.content.decode()
    second.refresh_from_db()
    assert second.order_in_day == 2


def test_doses_outside_the_tables_limits_are_form_errors(staff_client, four_week_plan):
    row = four_week_plan.plan_exercises.order_by("id").first()
    assert row is not None
    data = submitted_change_form(
        staff_client,
        four_week_plan,
        inline_changes={row.id: {"sets": "0", "reps": "", "duration_seconds": "", "day_number": "8"}},
    )

    response = staff_client.post(change_url(four_week_plan), data)

    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.errors
    row_errors = next(error for error in errors if error)
    assert set(row_errors) == {"sets", "reps", "day_number"}
    assert row_errors["reps"] == ["Give reps or a duration."]


def test_a_long_plan_is_edited_a_week_at_a_time(staff_client, twelve_week_plan):
    # Every row of a 12-week plan in one form would pass Django's cap on posted fields (a 400).
    first_week = staff_client.get(change_url(twelve_week_plan))
    third_week = staff_client.get(change_url(twelve_week_plan), {"week": "3"})

    shown = {form.instance.week_number for form in first_week.context["inline_admin_formsets"][0].formset.forms}
    assert shown == {1}
    assert {form.instance.week_number for form in third_week.context["inline_admin_formsets"][0].formset.forms} == {3}
    page = first_week.content.decode()
    for week in range(2, twelve_week_plan.weeks + 1):
        assert f'<a href="?week={week}" class="plan-week-link">Week {week}</a>' in page
    assert "Showing week 1 only" in page


def test_a_row_of_a_long_plan_is_saved_from_its_week(staff_client, twelve_week_plan, settings):
    row = twelve_week_plan.plan_exercises.filter(week_number=3).order_by("day_number", "order_in_day").first()
    assert row is not None
    response = staff_client.get(change_url(twelve_week_plan), {"week": "3"})
    data = submitted_change_form(staff_client, twelve_week_plan, inline_changes={row.id: {"sets": "7"}})
    # the helper reads week 1's form: read week 3's instead
    data = {key: value for key, value in data.items() if not key.startswith("plan_exercises-")}
    formset = response.context["inline_admin_formsets"][0].formset
    for name in formset.management_form.fields:
        data[f"{formset.prefix}-{name}"] = str(formset.management_form[name].value())
    for plan_form in formset.initial_forms:
        for name, field in plan_form.fields.items():
            value = "7" if plan_form.instance.pk == row.id and name == "sets" else plan_form[name].value()
            _put(data, plan_form.add_prefix(name), _field_value(field, value))
    assert len(data) < settings.DATA_UPLOAD_MAX_NUMBER_FIELDS

    saved = staff_client.post(f"{change_url(twelve_week_plan)}?week=3", data)

    assert saved.status_code == 302, saved.context and saved.context["errors"]
    row.refresh_from_db()
    assert row.sets == 7
    assert twelve_week_plan.plan_exercises.count() == 264


def test_moving_a_row_onto_a_place_taken_in_another_week_is_a_form_error(staff_client, twelve_week_plan):
    row = twelve_week_plan.plan_exercises.get(week_number=1, day_number=1, order_in_day=1)
    taken = twelve_week_plan.plan_exercises.get(week_number=2, day_number=1, order_in_day=1)
    data = submitted_change_form(staff_client, twelve_week_plan, inline_changes={row.id: {"week_number": "2"}})

    response = staff_client.post(change_url(twelve_week_plan), data)

    assert response.status_code == 200
    assert "Two plan exercises share a place (week 2, day 1, position 1)" in response.content.decode()
    row.refresh_from_db()
    taken.refresh_from_db()
    assert (row.week_number, taken.week_number) == (1, 2)


# ---- featured flag and order ----------------------------------------------------------------------


def test_typing_an_order_in_the_changelist_features_the_plan(staff_client, api, django_capture_on_commit_callbacks):
    # The known bug: only the number is typed, the "featured" box of the row is left as it was.
    plan = WorkoutPlan.objects.filter(is_template=True, is_featured=False).order_by("id").first()
    assert plan is not None
    before = featured_slugs(api)
    form = changelist_form({})
    row = next(key for key, value in form.items() if key.endswith("-id") and value == str(plan.id))
    form[row.replace("-id", "-featured_order")] = "1"

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(CHANGELIST, form)

    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.is_featured, plan.featured_order) == (True, 1)
    assert featured_slugs(api) == [before[0], plan.slug, *before[1:]]  # two at 1: the older plan first


def test_unticking_featured_in_the_changelist_clears_the_order(staff_client, api, django_capture_on_commit_callbacks):
    plan = WorkoutPlan.objects.get(slug="home-hiit-fat-burner", is_featured=True, featured_order__isnull=False)
    form = changelist_form({})
    row = next(key for key, value in form.items() if key.endswith("-id") and value == str(plan.id))
    del form[row.replace("-id", "-is_featured")]  # unticked, the number left in its box

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(CHANGELIST, form)

    plan.refresh_from_db()
    assert (plan.is_featured, plan.featured_order) == (False, None)
    assert plan.slug not in featured_slugs(api)


def test_the_filtered_changelist_reorders_the_featured_plans_as_a_browser_does(
    staff_client, api, django_capture_on_commit_callbacks
):
    # As the browser test does: /admin/plans/workoutplan/?is_featured__exact=1, new numbers typed.
    before = featured_slugs(api)
    page = staff_client.get(CHANGELIST, {"is_featured__exact": "1"})
    formset = page.context["cl"].formset
    data: dict[str, Any] = {"_save": "Save"}
    for name in formset.management_form.fields:
        data[f"form-{name}"] = str(formset.management_form[name].value())
    wanted = [before[1], before[0], *before[2:]]
    for index, row in enumerate(formset.forms):
        data[f"form-{index}-id"] = str(row.instance.id)
        data[f"form-{index}-is_featured"] = "on"
        data[f"form-{index}-featured_order"] = str(10 * (wanted.index(row.instance.slug) + 1))

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"{CHANGELIST}?is_featured__exact=1", data)

    assert response.status_code == 302
    assert featured_slugs(api) == wanted


def test_ticking_featured_in_the_change_form_puts_the_plan_last(staff_client, api, django_capture_on_commit_callbacks):
    plan = WorkoutPlan.objects.filter(is_template=True, is_featured=False).order_by("id").first()
    assert plan is not None
    before = featured_slugs(api)
    last = WorkoutPlan.objects.filter(is_featured=True).order_by("-featured_order").first()
    assert last is not None
    assert last.featured_order is not None

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(change_url(plan), submitted_change_form(staff_client, plan, {"is_featured": "on"}))

    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.is_featured, plan.featured_order) == (True, last.featured_order + 1)
    assert featured_slugs(api) == [*before, plan.slug]


def test_unticking_featured_in_the_change_form_clears_the_order(staff_client, api, django_capture_on_commit_callbacks):
    plan = WorkoutPlan.objects.get(slug="home-hiit-fat-burner")
    assert plan.slug in featured_slugs(api)

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(change_url(plan), submitted_change_form(staff_client, plan, {"is_featured": None}))

    plan.refresh_from_db()
    assert (plan.is_featured, plan.featured_order) == (False, None)
    assert plan.slug not in featured_slugs(api)


def test_a_plan_that_is_no_template_cannot_be_featured_from_its_change_form(staff_client, alices_plan):
    response = staff_client.post(
        change_url(alices_plan), submitted_change_form(staff_client, alices_plan, {"featured_order": "3"})
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["is_featured"] == ["Only a template plan can be featured."]
    alices_plan.refresh_from_db()
    assert (alices_plan.is_featured, alices_plan.featured_order) == (False, None)


def test_typing_an_order_for_a_users_plan_in_the_changelist_is_a_form_error(staff_client, alices_plan):
    form = changelist_form({})
    row = next(key for key, value in form.items() if key.endswith("-id") and value == str(alices_plan.id))
    form[row.replace("-id", "-featured_order")] = "2"  # the box left unticked

    response = staff_client.post(CHANGELIST, form)

    assert response.status_code == 200
    assert "Only a template plan can be featured." in response.content.decode()
    alices_plan.refresh_from_db()
    assert alices_plan.is_featured is False


def test_a_featured_plan_cannot_stop_being_a_template(staff_client, four_week_plan):
    response = staff_client.post(
        change_url(four_week_plan), submitted_change_form(staff_client, four_week_plan, {"is_template": None})
    )

    assert response.status_code == 200
    assert "Only a template plan can be featured." in response.content.decode()
    four_week_plan.refresh_from_db()
    assert four_week_plan.is_template is True


# ---- preview of the API ----------------------------------------------------------------------------


def _previews(page: str) -> dict[str, Any]:
    found = re.findall(r'<pre class="api-preview-json" data-lang="(\w+)"[^>]*>(.*?)</pre>', page, re.S)
    return {lang: json.loads(html.unescape(body)) for lang, body in found}


def test_the_change_form_previews_the_plan_as_the_api_returns_it(staff_client, api, twelve_week_plan):
    page = staff_client.get(change_url(twelve_week_plan)).content.decode()

    previews = _previews(page)
    url = f"/api/v1/workout-plans/{twelve_week_plan.id}"
    assert previews["en"] == api.get(url, {"lang": "en"}).json()
    assert previews["fr"] == api.get(url, {"lang": "fr"}).json()
    assert previews["fr"]["name"] == twelve_week_plan.name_fr
    assert "\n  &quot;id&quot;: " in page  # pretty-printed


def test_the_preview_of_a_users_plan_says_the_api_does_not_serve_it(staff_client, alices_plan):
    page = staff_client.get(change_url(alices_plan)).content.decode()

    assert _previews(page) == {}
    assert f"GET /api/v1/workout-plans/{alices_plan.id}</code> answers 404" in page


# ---- duplicate ------------------------------------------------------------------------------------------


def test_duplicating_a_template_makes_a_template_copy_with_the_same_schedule(
    staff_client, charlie, api, four_week_plan, django_capture_on_commit_callbacks
):
    listed_before = api.get("/api/v1/workout-plans").json()["count"]

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            CHANGELIST, {"action": "duplicate_plans", "_selected_action": [four_week_plan.id]}, follow=True
        )

    copy = WorkoutPlan.objects.get(copied_from=four_week_plan)
    assert copy.name_en == f"{four_week_plan.name_en} (copy)"
    assert copy.name_fr == f"{four_week_plan.name_fr} (copie)"
    assert copy.slug != four_week_plan.slug
    assert (copy.is_template, copy.is_featured, copy.featured_order, copy.created_by) == (True, False, None, None)
    assert ordered_rows(copy) == ordered_rows(four_week_plan)
    assert f'<a href="{change_url(copy)}">{html.escape(copy.name_en)}</a>' in response.content.decode()
    assert api.get("/api/v1/workout-plans").json()["count"] == listed_before + 1
    assert copy.slug not in featured_slugs(api)
    entry = LogEntry.objects.get(object_id=str(copy.id), content_type__model="workoutplan")
    assert (entry.user_id, entry.action_flag) == (charlie.id, ADDITION)
    assert f"Duplicated from “{four_week_plan.name_en}”" in entry.change_message


def test_duplicating_several_plans_logs_one_entry_per_copy(staff_client, four_week_plan, alices_plan):
    staff_client.post(
        CHANGELIST, {"action": "duplicate_plans", "_selected_action": [four_week_plan.id, alices_plan.id]}
    )

    copies = list(WorkoutPlan.objects.filter(copied_from__in=[four_week_plan, alices_plan]).order_by("id"))
    assert len(copies) == 2
    users_copy = next(copy for copy in copies if copy.copied_from_id == alices_plan.id)
    assert (users_copy.is_template, users_copy.created_by_id) == (False, alices_plan.created_by_id)
    assert ordered_rows(users_copy) == ordered_rows(alices_plan)
    logged = LogEntry.objects.filter(content_type__model="workoutplan", object_id__in=[str(c.id) for c in copies])
    assert sorted(int(entry.object_id) for entry in logged) == [copy.id for copy in copies]


# ---- audit ---------------------------------------------------------------------------------------------------


def test_the_change_form_lists_who_changed_the_plan(staff_client, four_week_plan, django_capture_on_commit_callbacks):
    sam = User.objects.create_superuser(email="sam@movoai.test", password="sam-edits", display_name="sam")
    sams_client = Client()
    sams_client.force_login(sam)
    with django_capture_on_commit_callbacks(execute=True):
        response = sams_client.post(
            change_url(four_week_plan),
            submitted_change_form(sams_client, four_week_plan, {"name_fr": "HIIT maison, version sam"}),
        )
    assert response.status_code == 302

    page = staff_client.get(change_url(four_week_plan)).content.decode()

    recent = page[page.index('class="recent-changes"') :]
    assert "sam &lt;sam@movoai.test&gt;" in recent
    assert "Changed French name." in recent
    assert f'href="{CHANGELIST}{four_week_plan.id}/history/"' in recent
