"""The back-office in a real browser: headless Chromium (Debian's `chromium` and `chromium-driver`,
driven by Selenium) against the live test server. Dana, a staff member, logs in through the admin's
login form, renames an exercise in French and sees the public API follow, reorders the featured
plans and sees the new order from the API, and opens the AI dashboard with its charts drawn.

A screenshot is saved after each step in artifacts/browser/ (BROWSER_ARTIFACTS_DIR overrides it).
Where Chromium is missing the tests are skipped, saying how to install it; under CI=true they fail
instead, so that CI proves they ran (the driver and its fixtures are in conftest.py).

The live server commits for real: rows changed in the unmanaged tables (users, exercises,
workout_plans) are put back by the fixtures, whatever the outcome."""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Iterator
from contextlib import suppress
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from coach.embedding_index import refresh_after_edit
from coach.feedback import feedback_create
from coach.models import AgentExecution, LLMCall
from exercises.models import Exercise
from movoai.tests.conftest import Screenshots, css, css_all, page_summary, wait_for
from plans.models import PlanExercise, WorkoutPlan

if TYPE_CHECKING:  # selenium is imported where used: without it the tests skip (fail in CI)
    from selenium.webdriver.chrome.webdriver import WebDriver
    from selenium.webdriver.remote.webelement import WebElement

pytestmark = pytest.mark.browser

DANA_PASSWORD = "dana-curates-the-library"
NEW_FRENCH_NAME = "Relevé de buste, version navigateur"


def submit_and_wait(driver: WebDriver, button_selector: str) -> None:
    """Clicks a submit button and waits for the next page: a success message or an error note."""
    old_body = css(driver, "body")
    css(driver, button_selector).click()
    wait_for(driver, lambda d: not _is_attached(old_body), f"no new page after clicking {button_selector}")
    wait_for(
        driver,
        lambda d: css_all(d, ".messagelist .success, .errornote, .errorlist"),
        "neither a success message nor an error after saving",
    )
    errors = css_all(driver, ".errornote, .errorlist")
    assert not errors, f"the admin refused the form: {[e.text for e in errors]} on {page_summary(driver)}"


def _is_attached(element: WebElement) -> bool:
    from selenium.common.exceptions import StaleElementReferenceException

    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return False
    return True


def featured_order_inputs(driver: WebDriver) -> dict[int, WebElement]:
    """The changelist's featured_order inputs (form-N-featured_order) by plan id (the hidden form-N-id,
    which Django renders after the table)."""
    inputs = {}
    for order in css_all(driver, "#result_list input[name$='-featured_order']"):
        prefix = str(order.get_attribute("name")).removesuffix("-featured_order")
        inputs[int(str(css(driver, f"input[name='{prefix}-id']").get_attribute("value")))] = order
    return inputs


def show_column(driver: WebDriver, cell: WebElement) -> None:
    """Scrolls the changelist's table sideways so that the screenshot shows this column."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', inline: 'center'})", cell)


def api_json(driver: WebDriver, url: str) -> Any:
    """Opens a JSON URL in the browser, as a developer would, and reads what it shows."""
    driver.get(url)
    pre = wait_for(driver, lambda d: css_all(d, "pre"), f"no JSON shown at {url}")[0]
    return json.loads(driver.execute_script("return arguments[0].textContent", pre))


# ---- the cast and the rows the tests change --------------------------------------------------------


@pytest.fixture
def dana(transactional_db: None) -> Iterator[User]:
    """A staff member with a password (the live server commits: she is removed afterwards)."""
    user = User.objects.create_user(
        email=f"dana-{uuid.uuid4().hex[:8]}@movoai.test", password=DANA_PASSWORD, is_staff=True, display_name="Dana"
    )
    try:
        yield user
    finally:
        User.objects.filter(id=user.id).delete()


@pytest.fixture
def logged_in(driver: WebDriver, live_server: Any, dana: User, shots: Screenshots) -> WebDriver:
    """Dana logs in through the admin's own login form."""
    with shots.step("login-form"):
        driver.get(f"{live_server.url}/admin/login/?next=/admin/")
        css(driver, "input[name=username]").send_keys(str(dana.email))
        css(driver, "input[name=password]").send_keys(DANA_PASSWORD)
    with shots.step("logged-in"):
        css(driver, "#login-form [type=submit]").click()
        wait_for(driver, lambda d: css_all(d, "#user-tools, .errornote"), "no page after logging in")
        assert not css_all(driver, ".errornote"), f"the admin did not let Dana in: {page_summary(driver)}"
        assert str(dana.email).lower() in css(driver, "#user-tools").text.lower()  # "Welcome, <her email>"
    return driver


@pytest.fixture
def exercise(transactional_db: None) -> Iterator[Exercise]:
    """An exercise no template plan uses, with a French name; put back as it was afterwards (its
    row, then its search vector)."""
    chosen = (
        Exercise.objects.filter(exercise_fr__isnull=False)
        .exclude(id__in=PlanExercise.objects.values("exercise_id"))
        .order_by("id")
        .first()
    )
    assert chosen is not None
    saved = Exercise.objects.filter(id=chosen.id).values().get()
    try:
        yield chosen
    finally:
        Exercise.objects.filter(id=chosen.id).update(**saved)
        refresh_after_edit(exercise_ids=[chosen.id])


@pytest.fixture
def featured_plans(transactional_db: None) -> Iterator[list[WorkoutPlan]]:
    """The featured template plans in their curated order; every plan's featured flag and order
    are put back afterwards."""
    saved = list(WorkoutPlan.objects.values_list("id", "is_featured", "featured_order", "updated_at"))
    featured = list(WorkoutPlan.objects.filter(is_template=True, is_featured=True).order_by("featured_order", "id"))
    assert len(featured) >= 2
    try:
        yield featured
    finally:
        for plan_id, is_featured, featured_order, updated_at in saved:
            WorkoutPlan.objects.filter(id=plan_id).update(
                is_featured=is_featured, featured_order=featured_order, updated_at=updated_at
            )


@pytest.fixture
def ai_activity(transactional_db: None) -> Iterator[list[AgentExecution]]:
    """A day of the coach's work for Erin: executions that succeeded, fell back to the rules or
    failed, the model calls they made, and her feedback, one negative with a comment."""
    erin = UserFactory.create(display_name="erin")

    def record(agent: str, engine: str, fallback: str | None, duration_ms: int) -> dict[str, Any]:
        model = "coach-large" if engine == "llm" else ""
        return {
            "agent": agent,
            "engine": engine,
            "variant": "A",
            "model": model,
            "fallback_reason": fallback,
            "duration_ms": duration_ms,
        }

    made = []
    for index, (kind, status, agent, engine, fallback, time_ms) in enumerate(
        [
            ("nutrition", "succeeded", "nutrition_advisor", "llm", None, 900),
            ("nutrition", "succeeded", "nutrition_advisor", "rules", "timeout", 4200),
            ("motivation", "succeeded", "motivation_coach", "llm", None, 600),
            ("plan_generation", "succeeded", "workout_planner", "llm", None, 2500),
            ("plan_generation", "failed", "workout_planner", "rules", "model_error", 7000),
            ("injury_risk", "succeeded", "injury_prevention", "llm", None, 1100),
        ]
    ):
        execution = AgentExecution.objects.create(
            user=erin,
            kind=kind,
            input={"n": index},
            input_hash=f"browser-{index}",
            status=status,
            engine=engine,
            fallback_used=fallback is not None,
            agent_runs=[record(agent, engine, fallback, time_ms)],
            variants={agent: "A"},
            error="" if status == "succeeded" else "the planner's model failed",
            execution_time_ms=time_ms,
            finished_at=timezone.now(),
        )
        AgentExecution.objects.filter(id=execution.id).update(
            created_at=timezone.now() - datetime.timedelta(hours=index + 1)
        )
        LLMCall.objects.create(
            user=erin,
            purpose=f"agent:{agent}",
            model="coach-large",
            input_tokens=800 + 100 * index,
            output_tokens=200 + 50 * index,
            cost_usd=Decimal("0.002") * (index + 1),
            duration_ms=time_ms,
            succeeded=status == "succeeded",
            execution=execution,
            agent=agent,
        )
        made.append(execution)
    feedback_create(user=erin, agent_type=None, positive=True, execution=made[0])
    feedback_create(user=erin, agent_type=None, positive=True, execution=made[2])
    feedback_create(user=erin, agent_type="workout_planner", positive=False, execution=made[3], text="Too long.")
    feedback_create(user=erin, agent_type=None, positive=False, execution=made[4], text="It failed twice.")
    try:
        yield made
    finally:
        User.objects.filter(id=erin.id).delete()  # her executions, calls and feedback go with her


# ---- the scenarios -------------------------------------------------------------------------------


def test_exercise_a_french_name_edited_in_the_admin_reaches_the_public_api(logged_in, live_server, shots, exercise):
    driver = logged_in
    api_url = f"{live_server.url}/api/v1/exercises/{exercise.id}?lang=fr"

    with shots.step("api-before"):  # the API has it cached from now on
        before = api_json(driver, api_url)
        assert (before["name"], before["name_language"]) == (exercise.exercise_fr, "fr")

    with shots.step("change-form"):
        driver.get(f"{live_server.url}/admin/exercises/exercise/{exercise.id}/change/")
        french_name = css(driver, "input[name=exercise_fr]")
        assert french_name.get_attribute("value") == exercise.exercise_fr
        french_name.clear()
        french_name.send_keys(NEW_FRENCH_NAME)

    with shots.step("saved"):
        submit_and_wait(driver, "input[name=_save]")
        assert exercise.exercise_en in css(driver, ".messagelist .success").text

    with shots.step("api-after"):
        after = api_json(driver, api_url)
        assert (after["name"], after["name_language"], after["exercise_fr"]) == (NEW_FRENCH_NAME, "fr", NEW_FRENCH_NAME)
        assert after["exercise_en"] == exercise.exercise_en


def test_featured_plans_reordered_in_the_changelist_come_out_of_the_api_in_the_new_order(
    logged_in, live_server, shots, featured_plans
):
    driver = logged_in
    api_url = f"{live_server.url}/api/v1/workout-plans/featured"

    with shots.step("api-before"):  # cached from now on
        before = [plan["id"] for plan in api_json(driver, api_url)["results"]]
        assert before == [plan.id for plan in featured_plans]

    wanted = [before[1], before[0], *before[2:]]  # the first two swap places
    typed = {plan_id: str(10 * (position + 1)) for position, plan_id in enumerate(wanted)}
    with shots.step("changelist-edited"):
        driver.get(f"{live_server.url}/admin/plans/workoutplan/?is_featured__exact=1")
        orders = featured_order_inputs(driver)
        assert set(orders) == set(before), page_summary(driver)
        for plan_id, order in orders.items():
            order.clear()
            order.send_keys(typed[plan_id])
        show_column(driver, next(iter(orders.values())))

    with shots.step("changelist-saved"):
        submit_and_wait(driver, "#changelist-form input[name=_save]")
        saved_orders = featured_order_inputs(driver)
        show_column(driver, next(iter(saved_orders.values())))
        assert {plan_id: order.get_attribute("value") for plan_id, order in saved_orders.items()} == typed

    with shots.step("api-after"):
        after = api_json(driver, api_url)["results"]
        assert [plan["id"] for plan in after] == wanted


def test_dashboard_of_the_ai_draws_its_charts(logged_in, live_server, shots, ai_activity):
    driver = logged_in

    with shots.step("dashboard"):
        driver.get(f"{live_server.url}/admin/ai-dashboard/")
        assert_charts_drawn(driver, origin=live_server.url)


# The dashboard's contract: each chart is a <canvas data-chart="NAME">; once they are drawn the page
# sets document.body.dataset.chartsRendered to how many it drew; Chart.getChart(canvas) is each one.
CHARTS_JS = """
return Array.from(document.querySelectorAll("canvas[data-chart]")).map((canvas) => {
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) inked++;
  return {
    name: canvas.dataset.chart,
    chart: typeof Chart !== "undefined" && Chart.getChart(canvas) !== undefined,
    size: [canvas.width, canvas.height],
    inked: inked,
  };
});
"""


def assert_charts_drawn(driver: WebDriver, *, origin: str) -> None:
    """Every chart of the page is drawn: as many as the page says it drew, each a Chart.js chart
    with ink on its canvas; and nothing was loaded from anywhere but `origin` (no CDN)."""
    from selenium.common.exceptions import TimeoutException

    canvases = css_all(driver, "canvas[data-chart]")
    assert canvases, f"no chart (canvas[data-chart]) on the page: {page_summary(driver)}"
    drawn = wait_for(
        driver,
        lambda d: d.execute_script("return document.body.dataset.chartsRendered"),
        "the page never said its charts were drawn (document.body.dataset.chartsRendered)",
    )
    console = [entry["message"] for entry in driver.get_log("browser")]
    assert int(drawn) == len(canvases) > 0, f"drawn {drawn} of {len(canvases)} charts; console: {console}"

    def blank_charts() -> list[dict[str, Any]]:
        charts = driver.execute_script(CHARTS_JS)
        return [chart for chart in charts if not chart["chart"] or chart["inked"] == 0 or 0 in chart["size"]]

    # A chart that animates in gets its ink over a few frames: wait for it, then say which are blank.
    with suppress(TimeoutException):
        wait_for(driver, lambda d: not blank_charts(), "")
    assert not blank_charts(), f"charts not drawn: {blank_charts()}; console: {console}"

    origins = driver.execute_script(
        "return performance.getEntriesByType('resource').map((entry) => new URL(entry.name).origin)"
    )
    assert set(origins) <= {origin}, f"loaded from elsewhere: {sorted(set(origins) - {origin})}"
