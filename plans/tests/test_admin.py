"""The back-office: staff curate plans, their plan exercises inline and the featured order, and the
public API shows their change at once."""

from __future__ import annotations

from typing import Any

import pytest
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
