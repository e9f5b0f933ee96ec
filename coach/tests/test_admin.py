"""The back-office's read-only views of the agents' executions and the users' feedback: staff look,
nobody adds, changes or deletes, and a long list costs no more queries than a short one."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from accounts.tests.factories import UserFactory
from coach.feedback import feedback_create
from coach.models import AgentExecution, AgentExecutionEvent, AgentFeedback
from plans.models import WorkoutPlan

pytestmark = pytest.mark.django_db

EXECUTIONS = "/admin/coach/agentexecution/"
FEEDBACK = "/admin/coach/agentfeedback/"


@pytest.fixture
def alice(db: None) -> User:
    user: User = UserFactory.create(display_name="Alice", email="alice@movoai.test")
    return user


@pytest.fixture
def charlie(db: None) -> User:
    """Charlie works in the back-office."""
    user: User = UserFactory.create(display_name="Charlie", email="charlie@movoai.test", is_staff=True)
    return user


@pytest.fixture
def staff_client(charlie: User) -> Client:
    client = Client()
    client.force_login(charlie)
    return client


def generation(user: User, *, plan: WorkoutPlan | None = None, status: str = "succeeded") -> AgentExecution:
    made = AgentExecution.objects.create(
        user=user,
        kind=AgentExecution.Kind.PLAN_GENERATION,
        input={"days_per_week": 3, "goal": "strength"},
        input_hash=f"hash-{AgentExecution.objects.count()}",
        status=status,
        progress=100,
        current_step="done",
        path=["profile", "planner", "validate"],
        agent_runs=[{"agent": "workout_planner", "engine": "llm", "variant": "B", "duration_ms": 420}],
        variants={"workout_planner": "B"},
        engine="llm",
        plan=plan,
        execution_time_ms=1234,
    )
    return made


@pytest.fixture
def planned(alice: User) -> AgentExecution:
    """Alice's plan generation, finished with a demo template plan, its events and her verdict."""
    made = generation(alice, plan=WorkoutPlan.objects.order_by("id").first())
    AgentExecutionEvent.objects.create(execution=made, seq=1, event="started", data={})
    AgentExecutionEvent.objects.create(execution=made, seq=2, event="succeeded", data={"progress": 100})
    feedback_create(user=alice, agent_type="plan_generation", positive=False, text="Too long", execution=made)
    return made


def test_staff_read_an_execution_with_its_agents_events_plan_and_feedback(staff_client, planned):
    response = staff_client.get(f"{EXECUTIONS}{planned.id}/change/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Succeeded" in html
    assert "1,234 ms" in html
    assert "&quot;agent&quot;: &quot;workout_planner&quot;,\n" in html  # the agents' records, indented JSON
    assert "&quot;duration_ms&quot;: 420" in html
    assert f'href="/admin/plans/workoutplan/{planned.plan_id}/change/"' in html
    assert f'href="/admin/accounts/user/{planned.user_id}/change/"' in html
    assert "Too long" in html
    assert "&quot;progress&quot;: 100" in html  # the succeeded event's data
    assert 'name="_save"' not in html  # nothing to save: read-only


def test_executions_cannot_be_added_changed_or_deleted(staff_client, planned):
    assert staff_client.get(f"{EXECUTIONS}add/").status_code == 403
    assert staff_client.post(f"{EXECUTIONS}{planned.id}/change/", {"status": "failed"}).status_code == 403
    assert staff_client.post(f"{EXECUTIONS}{planned.id}/delete/", {"post": "yes"}).status_code == 403
    planned.refresh_from_db()
    assert planned.status == "succeeded"
    changelist = staff_client.get(EXECUTIONS).content.decode()
    assert f'href="{EXECUTIONS}add/"' not in changelist
    assert 'name="action"' not in changelist  # no bulk delete either


def test_feedback_cannot_be_added_changed_or_deleted(staff_client, planned):
    feedback = AgentFeedback.objects.get(execution=planned)

    assert staff_client.get(f"{FEEDBACK}add/").status_code == 403
    assert staff_client.post(f"{FEEDBACK}{feedback.id}/change/", {"positive": "on"}).status_code == 403
    assert staff_client.post(f"{FEEDBACK}{feedback.id}/delete/", {"post": "yes"}).status_code == 403
    feedback.refresh_from_db()
    assert feedback.positive is False


def test_the_execution_list_shows_kind_status_engine_user_and_time(staff_client, planned, alice):
    failed = generation(alice, status="failed")

    html = staff_client.get(EXECUTIONS, {"status__exact": "failed"}).content.decode()

    assert f"{EXECUTIONS}{failed.id}/change/" in html
    assert f"{EXECUTIONS}{planned.id}/change/" not in html
    assert "Plan generation" in html
    assert "alice@movoai.test" in html
    assert "1,234 ms" in html


def test_an_execution_is_found_by_its_id(staff_client, planned, alice):
    other = generation(alice)

    html = staff_client.get(EXECUTIONS, {"q": str(planned.id)}).content.decode()

    assert f"{EXECUTIONS}{planned.id}/change/" in html
    assert f"{EXECUTIONS}{other.id}/change/" not in html
    assert staff_client.get(EXECUTIONS, {"q": "alice@movoai"}).status_code == 200


def test_the_feedback_list_links_each_verdict_to_its_execution(staff_client, planned):
    html = staff_client.get(FEEDBACK, {"positive__exact": "0"}).content.decode()

    assert f'href="{EXECUTIONS}{planned.id}/change/"' in html
    assert "Too long" in html


@pytest.mark.parametrize("changelist", [EXECUTIONS, FEEDBACK])
def test_a_long_list_costs_no_more_queries_than_a_short_one(
    staff_client, alice, changelist, django_assert_max_num_queries
):
    def count_queries() -> int:
        with django_assert_max_num_queries(12) as captured:
            assert staff_client.get(changelist).status_code == 200
        return len(captured.captured_queries)

    few = generation(UserFactory.create())
    feedback_create(user=few.user, agent_type="plan_generation", positive=True, execution=few)
    short = count_queries()
    for _ in range(15):
        made = generation(UserFactory.create())
        feedback_create(user=made.user, agent_type="plan_generation", positive=False, execution=made)

    assert count_queries() == short


def test_users_who_are_not_staff_cannot_read_executions(alice, planned):
    client = Client()
    client.force_login(alice)

    response = client.get(f"{EXECUTIONS}{planned.id}/change/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
