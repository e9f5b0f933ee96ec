"""CORS and the API docs in a real browser (headless Chromium, see conftest.py).

Two tiny web pages, each served by its own `http.server` on 127.0.0.1 under its own port (so two
origins, neither the API's), call `GET /api/v1/users/me` on the live server with `fetch` and an
`Authorization: Bearer` header, and write what they got into the page. Only the first origin is in
CORS_ALLOWED_ORIGINS: its page shows the user's data, after the preflight the header forces; the
other page's fetch is rejected by the browser (a TypeError) and the API never serves it the data.
Then `/docs` (Swagger UI, served from our own static files) takes a bearer token in its Authorize
dialog and gets a 200 for `GET /api/v1/users/me` with "Try it out" / "Execute".

Screenshots: artifacts/browser/allowed-*.png, disallowed-*.png, docs-*.png."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import pytest
from django.core.signals import request_started

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tokens import token_pair_for
from movoai.tests.conftest import css, css_all, page_summary, wait_for

if TYPE_CHECKING:
    from selenium.webdriver.chrome.webdriver import WebDriver

pytestmark = pytest.mark.browser

ME = "/api/v1/users/me"
ME_OPERATION = "#operations-users-api_v1_users_me_retrieve"  # Swagger UI's id: tag + operationId

# The page of a web app on another origin: it reads its settings from the JSON block, calls the API
# with the token, and says in #result what happened (data-state: pending, then answered or rejected).
ORIGIN_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>A web app on another origin</title></head>
<body>
<h1>A web app at <span id="origin"></span></h1>
<p>fetch(<code id="api"></code>, {headers: {Authorization: "Bearer ..."}})</p>
<pre id="result" data-state="pending">pending</pre>
<script id="config" type="application/json">__CONFIG__</script>
<script>
const config = JSON.parse(document.getElementById("config").textContent);
const result = document.getElementById("result");
document.getElementById("origin").textContent = location.origin;
document.getElementById("api").textContent = config.api;
fetch(config.api, {headers: {Authorization: "Bearer " + config.token}})
  .then(async (response) => {
    result.textContent = await response.text();
    result.dataset.status = String(response.status);
    result.dataset.state = "answered";
  })
  .catch((error) => {
    result.textContent = error.name + ": " + error.message;
    result.dataset.state = "rejected";
  });
</script>
</body>
</html>
"""


@dataclass
class OriginSite:
    """A web page served on its own origin, http://127.0.0.1:<port>."""

    server: ThreadingHTTPServer
    thread: threading.Thread

    @property
    def origin(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"


def serve_page(html: str) -> OriginSite:
    """Serves `html` at / (and nothing else) from a thread, on a free port of 127.0.0.1."""
    body = html.encode()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: the test says what matters

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, name=f"origin-{server.server_address[1]}", daemon=True)
    thread.start()
    return OriginSite(server=server, thread=thread)


# ---- the cast, the two origins and what the API saw ------------------------------------------------


@pytest.fixture
def fay(transactional_db: None) -> Iterator[User]:
    """A user with an account (the live server commits: she is removed afterwards)."""
    user: User = UserFactory.create(display_name="Fay")
    try:
        yield user
    finally:
        User.objects.filter(id=user.id).delete()


@pytest.fixture
def fays_token(fay: User) -> str:
    """The access token a login gives her."""
    return str(token_pair_for(fay)["access"])


@pytest.fixture
def sites(live_server: Any, fays_token: str, settings: Any) -> Iterator[tuple[OriginSite, OriginSite]]:
    """(allowed, disallowed): the same page on two origins; only the first is a CORS-allowed origin.
    django-cors-headers reads its settings on every request, so the live server follows."""
    config = json.dumps({"api": f"{live_server.url}{ME}", "token": fays_token}).replace("</", "<\\/")
    page = ORIGIN_PAGE.replace("__CONFIG__", config)
    allowed, disallowed = serve_page(page), serve_page(page)
    settings.CORS_ALLOWED_ORIGINS = [allowed.origin]
    try:
        yield allowed, disallowed
    finally:
        for site in (allowed, disallowed):
            site.server.shutdown()
            site.server.server_close()
            site.thread.join()


@pytest.fixture
def api_saw() -> Iterator[list[tuple[str, str, str]]]:
    """(method, path, Origin header) of every request the live server received."""
    seen: list[tuple[str, str, str]] = []

    def record(sender: Any, environ: dict[str, Any], **kwargs: Any) -> None:
        seen.append((environ["REQUEST_METHOD"], environ["PATH_INFO"], environ.get("HTTP_ORIGIN", "")))

    request_started.connect(record, dispatch_uid="test_browser_cors.api_saw")
    try:
        yield seen
    finally:
        request_started.disconnect(dispatch_uid="test_browser_cors.api_saw")


def page_result(driver: WebDriver) -> dict[str, str]:
    """What the page's fetch came to: its state, HTTP status (if answered) and text."""
    wait_for(
        driver,
        lambda d: css(d, "#result").get_attribute("data-state") != "pending",
        f"the page's fetch never settled: {page_summary(driver)}",
    )
    result = css(driver, "#result")
    return {
        "state": str(result.get_attribute("data-state")),
        "status": str(result.get_attribute("data-status")),
        "text": str(result.text),
    }


def text_of(driver: WebDriver, selector: str) -> str:
    """All the text of an element, also what its scroll box hides."""
    return str(css(driver, selector).get_attribute("textContent"))


# ---- the scenarios -------------------------------------------------------------------------------


def test_allowed_origin_reads_the_users_data_after_the_preflight(driver, shots, sites, fay, api_saw):
    allowed, _ = sites

    with shots.step("page"):
        driver.get(f"{allowed.origin}/")
        result = page_result(driver)
        assert (result["state"], result["status"]) == ("answered", "200"), result
        body = json.loads(result["text"])
        assert body["user_id"] == str(fay.id)
        assert body["profile"]["display_name"] == "Fay"

    # The Authorization header is not a "simple" header: the browser asked first, then fetched.
    from_allowed = [(method, path) for method, path, origin in api_saw if origin == allowed.origin]
    assert from_allowed == [("OPTIONS", ME), ("GET", ME)]


def test_disallowed_origin_is_blocked_by_the_browser(driver, shots, sites, api_saw):
    _, disallowed = sites

    with shots.step("page"):
        driver.get(f"{disallowed.origin}/")
        result = page_result(driver)
        assert result["state"] == "rejected", result
        assert result["text"].startswith("TypeError: "), result

    console = " ".join(entry["message"] for entry in driver.get_log("browser"))
    assert "blocked by CORS policy" in console, console
    # The preflight went unanswered (no Access-Control-Allow-Origin), so the GET was never sent.
    from_disallowed = [(method, path) for method, path, origin in api_saw if origin == disallowed.origin]
    assert from_disallowed == [("OPTIONS", ME)]


def preflight(url: str, origin: str) -> Any:
    request = urllib.request.Request(  # noqa: S310 - the live server's http URL
        url,
        method="OPTIONS",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    return urllib.request.urlopen(request, timeout=10)  # noqa: S310


def test_preflight_allows_the_authorization_header_for_the_allowed_origin_only(live_server, sites):
    allowed, disallowed = sites

    with preflight(f"{live_server.url}{ME}", allowed.origin) as response:
        assert response.status == 200
        assert response.headers["Access-Control-Allow-Origin"] == allowed.origin
        allowed_headers = {name.strip().lower() for name in response.headers["Access-Control-Allow-Headers"].split(",")}
        assert "authorization" in allowed_headers
        assert "GET" in {name.strip() for name in response.headers["Access-Control-Allow-Methods"].split(",")}
        assert "origin" in response.headers["Vary"].lower()  # a shared cache keeps one answer per origin

    with preflight(f"{live_server.url}{ME}", disallowed.origin) as response:
        assert "Access-Control-Allow-Origin" not in response.headers
        assert "Access-Control-Allow-Headers" not in response.headers


def test_docs_authorize_with_a_bearer_token_and_execute_me(driver, shots, live_server, fay, fays_token):
    from selenium.webdriver.common.by import By

    with shots.step("docs"):
        driver.get(f"{live_server.url}/docs")
        wait_for(
            driver, lambda d: css_all(d, ".swagger-ui .info .title"), f"Swagger UI not drawn: {page_summary(driver)}"
        )
        assert "MovoAI API" in css(driver, ".swagger-ui .info .title").text
        wait_for(driver, lambda d: css_all(d, ME_OPERATION), f"no GET {ME} in the docs")

    with shots.step("authorize-dialog"):
        css(driver, ".auth-wrapper .btn.authorize").click()
        bearer = wait_for(
            driver, lambda d: css_all(d, "input[aria-label='auth-bearer-value']"), "no bearer field in the dialog"
        )[0]
        bearer.send_keys(fays_token)

    with shots.step("authorized"):
        form = bearer.find_element(By.XPATH, "./ancestor::form")
        form.find_element(By.CSS_SELECTOR, "button[aria-label='Apply credentials']").click()
        wait_for(
            driver,
            lambda d: form.find_elements(By.CSS_SELECTOR, "button[aria-label='Remove authorization']"),
            "the dialog never said the token was applied",
        )

    with shots.step("executed"):
        css(driver, ".modal-ux .btn-done").click()
        wait_for(driver, lambda d: not css_all(d, ".modal-ux"), "the dialog did not close")
        css(driver, f"{ME_OPERATION} .opblock-summary-control").click()
        wait_for(driver, lambda d: css_all(d, f"{ME_OPERATION} .try-out__btn"), "no Try it out button").pop().click()
        wait_for(driver, lambda d: css_all(d, f"{ME_OPERATION} .btn.execute"), "no Execute button").pop().click()
        status = wait_for(
            driver,
            lambda d: css_all(d, f"{ME_OPERATION} .live-responses-table .response .response-col_status"),
            "no response shown after Execute",
        )[0]
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", status)
        response_body = text_of(
            driver, f"{ME_OPERATION} .live-responses-table .response-col_description .highlight-code pre"
        )
        assert status.text.strip() == "200", response_body
        assert json.loads(response_body)["user_id"] == str(fay.id)
        curl = text_of(driver, f"{ME_OPERATION} .curl-command")
        assert f"Authorization: Bearer {fays_token}" in curl

    # Swagger UI is our own static files (drf-spectacular-sidecar): nothing from a CDN.
    origins = driver.execute_script(
        "return performance.getEntriesByType('resource').map((entry) => new URL(entry.name).origin)"
    )
    assert set(origins) <= {live_server.url}, f"loaded from elsewhere: {sorted(set(origins) - {live_server.url})}"
