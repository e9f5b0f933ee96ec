"""The staff AI dashboard (/admin/ai-dashboard/): the numbers it shows for a known cast of
executions, model calls and feedback, its period filter, the latest negative feedback, its charts'
data and vendored chart library, and who may see it. Real PostgreSQL (percentile_cont)."""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from coach.feedback import feedback_create
from coach.models import AgentExecution, AgentFeedback, LLMCall

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/ai-dashboard/"
Status = AgentExecution.Status
CHARTS = ["executions-per-day", "agent-latency", "agent-usage", "workflow-feedback"]


@pytest.fixture
def alice(db: None) -> User:
    user: User = UserFactory.create(display_name="Alice", email="alice@movoai.test")
    return user


@pytest.fixture
def bob(db: None) -> User:
    user: User = UserFactory.create(display_name="Bob")
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


def planner_run(*, duration_ms: int, engine: str = "llm", fallback: str | None = None) -> dict[str, Any]:
    """The workout planner's record as AgentResult.as_record() writes it."""
    return {
        "agent": "workout_planner",
        "engine": engine,
        "variant": "A",
        "model": "coach-large" if engine == "llm" else "",
        "fallback_reason": fallback,
        "fallback_detail": None,
        "duration_ms": duration_ms,
        "reasoning": [],
        "output": {},
    }


def execution(
    user: User,
    *,
    status: str = Status.SUCCEEDED,
    time_ms: int,
    runs: list[dict[str, Any]],
    fallback_used: bool = False,
    days_ago: float = 1,
    kind: str = AgentExecution.Kind.PLAN_GENERATION,
) -> AgentExecution:
    made = AgentExecution.objects.create(
        user=user,
        kind=kind,
        input={"days_per_week": 3},
        input_hash=f"{kind}-{time_ms}-{days_ago}",
        status=status,
        progress=100,
        agent_runs=runs,
        variants={run["agent"]: run["variant"] for run in runs},
        fallback_used=fallback_used,
        execution_time_ms=time_ms,
        engine="mixed" if fallback_used else "llm",
    )
    AgentExecution.objects.filter(id=made.id).update(created_at=timezone.now() - datetime.timedelta(days=days_ago))
    made.refresh_from_db()
    return made


def model_call(judged: AgentExecution, *, tokens_in: int, tokens_out: int, cost: str) -> None:
    LLMCall.objects.create(
        user=judged.user,
        purpose="agent:workout_planner",
        model="coach-large",
        input_tokens=tokens_in,
        output_tokens=tokens_out,
        cost_usd=Decimal(cost),
        execution=judged,
        agent="workout_planner",
    )


@pytest.fixture
def known_month(alice: User, bob: User) -> dict[str, Any]:
    """Yesterday: three plan generations succeeded (1, 2 and 4 s; the last one fell back to the rules
    after a model timeout), one failed (6 s); 40 days ago, one more (9 s). Model calls on two of
    yesterday's, one positive and one negative feedback on them, and an old negative feedback."""
    made: dict[str, Any] = {
        "g1": execution(alice, time_ms=1000, runs=[planner_run(duration_ms=300)]),
        "g2": execution(bob, time_ms=2000, runs=[planner_run(duration_ms=500)]),
        "g3": execution(
            alice,
            time_ms=4000,
            runs=[planner_run(duration_ms=900, engine="rules", fallback="timeout")],
            fallback_used=True,
        ),
        "g4": execution(bob, status=Status.FAILED, time_ms=6000, runs=[planner_run(duration_ms=1500)]),
        "old": execution(alice, time_ms=9000, runs=[planner_run(duration_ms=2000)], days_ago=40),
    }
    model_call(made["g1"], tokens_in=1000, tokens_out=200, cost="0.003000")
    model_call(made["g2"], tokens_in=500, tokens_out=100, cost="0.001500")
    made["liked"] = feedback_create(user=alice, agent_type="plan_generation", positive=True, execution=made["g1"])
    made["disliked"] = feedback_create(
        user=bob, agent_type="plan_generation", positive=False, text="Too many burpees", execution=made["g2"]
    )
    made["old_disliked"] = feedback_create(
        user=alice, agent_type="plan_generation", positive=False, text="Boring", execution=made["old"]
    )
    AgentFeedback.objects.filter(id=made["old_disliked"].id).update(
        created_at=timezone.now() - datetime.timedelta(days=40)
    )
    return made


def table_row(html: str, attribute: str, key: str) -> dict[str, str]:
    """The cells of one row of a dashboard table (<tr data-workflow="plan_generation">), by metric."""
    found = re.search(rf'<tr {attribute}="{key}">(.*?)</tr>', html, re.S)
    assert found, f"no row {attribute}={key}"
    return dict(re.findall(r'data-metric="([a-z0-9_]+)">([^<]*)<', found.group(1)))


def chart_data(html: str) -> dict[str, Any]:
    found = re.search(r'<script id="ai-dashboard-data" type="application/json">(.*?)</script>', html, re.S)
    assert found, "no chart data on the page"
    data: dict[str, Any] = json.loads(found.group(1))
    return data


# ---- the numbers ---------------------------------------------------------------------------------


def test_the_dashboard_shows_each_workflow_s_rates_percentiles_tokens_cost_and_feedback(staff_client, known_month):
    response = staff_client.get(DASHBOARD)

    assert response.status_code == 200
    html = response.content.decode()
    assert table_row(html, "data-workflow", "plan_generation") == {
        "executions": "4",
        "success_rate": "75.0%",
        "failure_rate": "25.0%",
        "fallback_rate": "25.0%",  # g3: the rules after a model timeout
        "p50_ms": "3,000 ms",  # between 2 and 4 s
        "p95_ms": "5,700 ms",  # 4000 + 0.85 x (6000 - 4000): percentile_cont interpolates
        "tokens": "1,800",
        "cost_usd": "$0.0045",
        "feedback_count": "2",
        "positive_rate": "50.0%",
    }
    assert table_row(html, "data-workflow", "nutrition")["executions"] == "0"
    assert table_row(html, "data-workflow", "nutrition")["success_rate"] == "—"


def test_the_dashboard_shows_each_agent_s_numbers(staff_client, known_month):
    html = staff_client.get(DASHBOARD).content.decode()

    planner = table_row(html, "data-agent", "workout_planner")
    assert planner == {
        "executions": "4",
        "runs": "4",
        "success_rate": "75.0%",
        "failure_rate": "25.0%",
        "fallback_rate": "25.0%",
        "rules_rate": "25.0%",
        "p50_ms": "700 ms",  # of its runs: 300, 500, 900, 1500
        "p95_ms": "1,410 ms",  # 900 + 0.85 x 600
        "tokens": "1,800",
        "cost_usd": "$0.0045",
        "feedback_count": "0",  # the feedback judged the workflow, not the agent
        "positive_rate": "—",
    }
    assert table_row(html, "data-agent", "nutrition_advisor")["executions"] == "0"


def test_the_charts_get_the_period_s_numbers(staff_client, known_month):
    data = chart_data(staff_client.get(DASHBOARD).content.decode())

    per_day = data["executions-per-day"]
    assert len(per_day["labels"]) in (30, 31)  # every day of the last 30 days, today included
    yesterday = per_day["labels"].index(known_month["g1"].created_at.astimezone(datetime.UTC).date().isoformat())
    assert (per_day["succeeded"][yesterday], per_day["failed"][yesterday]) == (3, 1)
    assert sum(per_day["succeeded"]) + sum(per_day["failed"]) + sum(per_day["other"]) == 4
    planner = data["agent-latency"]["labels"].index("Workout planner")
    assert (data["agent-latency"]["p50_ms"][planner], data["agent-latency"]["p95_ms"][planner]) == (700.0, 1410.0)
    assert (data["agent-usage"]["tokens"][planner], data["agent-usage"]["cost_usd"][planner]) == (1800, 0.0045)
    generation = data["workflow-feedback"]["labels"].index("Plan generation")
    assert data["workflow-feedback"]["positive_rate"][generation] == 50.0
    assert (
        data["workflow-feedback"]["positive_rate"][data["workflow-feedback"]["labels"].index("Nutrition guidance")]
        is None
    )


# ---- the period ----------------------------------------------------------------------------------


def test_the_period_leaves_out_older_executions_and_feedback(staff_client, known_month):
    last_month = staff_client.get(DASHBOARD, {"days": 30}).content.decode()
    last_quarter = staff_client.get(DASHBOARD, {"days": 90}).content.decode()

    assert table_row(last_month, "data-workflow", "plan_generation")["executions"] == "4"
    quarter = table_row(last_quarter, "data-workflow", "plan_generation")
    assert (quarter["executions"], quarter["p50_ms"], quarter["feedback_count"]) == ("5", "4,000 ms", "3")
    assert "Boring" not in last_month
    assert "Boring" in last_quarter
    assert len(chart_data(last_quarter)["executions-per-day"]["labels"]) in (90, 91)


def test_a_period_between_two_dates(staff_client, known_month):
    since = (timezone.now() - datetime.timedelta(days=45)).date().isoformat()
    until = (timezone.now() - datetime.timedelta(days=35)).date().isoformat()

    response = staff_client.get(DASHBOARD, {"since": since, "until": until})

    assert response.status_code == 200
    html = response.content.decode()
    assert table_row(html, "data-workflow", "plan_generation")["executions"] == "1"
    assert table_row(html, "data-workflow", "plan_generation")["p50_ms"] == "9,000 ms"
    assert len(chart_data(html)["executions-per-day"]["labels"]) == 11  # both dates included
    assert f'value="{since}"' in html  # the form keeps the chosen dates


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"days": "5"}, "Select a valid choice"),
        ({"days": "week"}, "Select a valid choice"),
        ({"since": "yesterday"}, "Enter a valid date"),
        ({"since": "2026-03-10", "until": "2026-03-01"}, "The start date must be on or before the end date"),
        ({"days": "7", "since": "2026-03-01"}, "Choose a number of days or a start date, not both"),
        ({"since": "2020-01-01", "until": "2026-01-01"}, "The period is at most 366 days"),
    ],
)
def test_a_bad_period_is_a_400_that_says_what_is_wrong(staff_client, params, message):
    response = staff_client.get(DASHBOARD, params)

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="ai-period-errors"' in html
    assert message in html
    assert "ai-dashboard-data" not in html  # no numbers for a period that is not one


# ---- negative feedback ---------------------------------------------------------------------------


def test_the_latest_negative_feedback_links_to_its_execution(staff_client, known_month):
    html = staff_client.get(DASHBOARD).content.decode()

    table = html.split('id="ai-negative-feedback"')[1]
    assert "Too many burpees" in table
    assert f'href="/admin/coach/agentexecution/{known_month["g2"].id}/change/"' in table
    assert f'data-feedback="{known_month["liked"].id}"' not in table  # positive feedback is not listed
    assert staff_client.get(f"/admin/coach/agentexecution/{known_month['g2'].id}/change/").status_code == 200


# ---- an empty period, the charts' files, the cost in queries ---------------------------------------


def test_with_no_data_the_page_shows_empty_charts_and_says_so(staff_client):
    response = staff_client.get(DASHBOARD, {"days": 7})

    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r'<canvas data-chart="([a-z-]+)"', html) == CHARTS
    assert "No executions in this period." in html
    assert html.count("No data for this period.") == len(CHARTS)
    assert "No negative feedback in this period." in html
    assert chart_data(html)["executions-per-day"]["succeeded"] == [0] * len(
        chart_data(html)["executions-per-day"]["labels"]
    )


def test_the_chart_library_is_served_with_the_static_files(staff_client):
    html = staff_client.get(DASHBOARD).content.decode()

    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert [src for src in scripts if "coach/" in src] == [
        "/static/coach/vendor/chart.umd.js",
        "/static/coach/dashboard.js",
    ]
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing from a CDN: the back-office works offline
    vendor = Path(settings.BASE_DIR) / "coach" / "static" / "coach" / "vendor"
    assert (vendor / "LICENSE.md").read_text().startswith("The MIT License")
    library = Client().get("/static/coach/vendor/chart.umd.js")  # served by WhiteNoise, no login needed
    assert library.status_code == 200
    assert b"Chart.js v4." in library.getvalue()
    assert Client().get("/static/coach/dashboard.js").status_code == 200


def test_the_dashboard_costs_the_same_few_queries_however_much_happened(
    staff_client, alice, django_assert_max_num_queries
):
    for number in range(30):
        made = execution(alice, time_ms=1000 + number, runs=[planner_run(duration_ms=100 + number)], days_ago=number)
        model_call(made, tokens_in=10, tokens_out=5, cost="0.000100")
        feedback_create(user=alice, agent_type="plan_generation", positive=False, text=f"no {number}", execution=made)

    # session, user, the statistics (4), executions per day, negative feedback
    with django_assert_max_num_queries(8):
        response = staff_client.get(DASHBOARD, {"days": 90})

    assert response.status_code == 200
    assert table_row(response.content.decode(), "data-workflow", "plan_generation")["executions"] == "30"
    links = re.findall(r'href="/admin/coach/agentexecution/[0-9a-f-]{36}/change/"', response.content.decode())
    assert len(links) == 20  # the latest 20


# ---- who may see it ------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_admin_login(client):
    response = client.get(DASHBOARD)

    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/ai-dashboard/"


def test_users_who_are_not_staff_are_sent_to_the_admin_login(alice):
    client = Client()
    client.force_login(alice)

    response = client.get(DASHBOARD)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_admin_index_links_to_the_dashboard(staff_client):
    response = staff_client.get("/admin/")

    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{DASHBOARD}"' in html
    assert 'href="/admin/coach/agentexecution/"' in html  # the apps are still listed under it
