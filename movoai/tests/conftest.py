"""Browser tests' plumbing: headless Chromium (Debian's `chromium` and `chromium-driver`) driven by
Selenium, numbered screenshots in artifacts/browser/ (BROWSER_ARTIFACTS_DIR overrides it) and a
few helpers to find things on a page. Used by test_browser.py and test_browser_cors.py.

Where Chromium is missing the tests are skipped, saying how to install it; under CI=true they fail
instead, so that CI proves they ran. Selenium is imported where used, so that the rest of the
suite runs without it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from selenium.webdriver.chrome.webdriver import WebDriver
    from selenium.webdriver.remote.webelement import WebElement

REPO_ROOT = Path(__file__).resolve().parents[2]
INSTALL_HINT = "apt-get install chromium chromium-driver (Debian packages; Playwright's browser download is not used)"
WAIT_SECONDS = 30


# ---- the browser ---------------------------------------------------------------------------------


def _missing(reason: str) -> None:
    """No browser here: a skip on a developer's machine, a failure in CI (it must run there)."""
    message = f"browser test not run: {reason}. Install it with: {INSTALL_HINT}"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium_paths() -> tuple[str, str]:
    """(browser, driver): BROWSER_CHROMIUM and BROWSER_CHROMEDRIVER, by default the Debian paths."""
    browser = os.environ.get("BROWSER_CHROMIUM", "/usr/bin/chromium")
    driver = os.environ.get("BROWSER_CHROMEDRIVER", "/usr/bin/chromedriver")
    try:
        import selenium  # noqa: F401
    except ImportError:
        _missing("the selenium package is not installed (pip install -r requirements.txt)")
    if not os.access(browser, os.X_OK):
        _missing(f"no Chromium at {browser} (set BROWSER_CHROMIUM)")
    if not os.access(driver, os.X_OK):
        _missing(f"no chromedriver at {driver} (set BROWSER_CHROMEDRIVER)")
    return browser, driver


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    directory = Path(os.environ.get("BROWSER_ARTIFACTS_DIR") or REPO_ROOT / "artifacts" / "browser")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture
def driver(chromium_paths: tuple[str, str]) -> Iterator[WebDriver]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, chromedriver = chromium_paths
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    options.add_argument("--headless=new")
    options.add_argument("--window-size=1366,900")
    options.add_argument("--disable-dev-shm-usage")
    # Hermetic: only this machine resolves (the live server, the pages of test_browser_cors.py on
    # 127.0.0.1), so nothing (an exercise's remote images, a chart library from a CDN) is fetched
    # from the internet; the back-office must work offline.
    options.add_argument("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1")
    if os.geteuid() == 0:
        options.add_argument("--no-sandbox")  # Chromium refuses to run as root with its sandbox
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # A driver path given to Service: Selenium Manager (which would download drivers) never runs.
    service = Service(chromedriver)
    chrome = webdriver.Chrome(service=service, options=options)
    chrome.set_page_load_timeout(WAIT_SECONDS)
    try:
        yield chrome
    finally:
        chrome.quit()


class Screenshots:
    """Numbered screenshots of one scenario: `<scenario>-NN-<step>.png`, `-FAILED` when the step
    failed (the screenshot then shows where)."""

    def __init__(self, driver: WebDriver, directory: Path, scenario: str) -> None:
        self.driver, self.directory, self.scenario = driver, directory, scenario
        self.saved: list[Path] = []
        for old in directory.glob(f"{scenario}-*.png"):
            old.unlink()

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        failed = True
        try:
            yield
            failed = False
        finally:
            suffix = "-FAILED" if failed else ""
            path = self.directory / f"{self.scenario}-{len(self.saved) + 1:02d}-{name}{suffix}.png"
            try:
                self.driver.save_screenshot(str(path))
                self.saved.append(path)
            except Exception:
                if not failed:
                    raise  # else the step's own error says more than a browser that cannot draw


@pytest.fixture
def shots(request: pytest.FixtureRequest, driver: WebDriver, artifacts_dir: Path, capsys: Any) -> Iterator[Screenshots]:
    """The scenario is the first word of the test's name: test_exercise_... saves exercise-*.png."""
    scenario = request.node.name.removeprefix("test_").split("_")[0]
    screenshots = Screenshots(driver, artifacts_dir, scenario)
    yield screenshots
    with capsys.disabled():
        print(f"\nscreenshots ({len(screenshots.saved)}): {artifacts_dir}/{scenario}-*.png")


def wait_for(driver: WebDriver, condition: Any, message: str) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT_SECONDS).until(condition, message)


def css(driver: WebDriver, selector: str) -> WebElement:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, selector)


def css_all(driver: WebDriver, selector: str) -> list[WebElement]:
    from selenium.webdriver.common.by import By

    return list(driver.find_elements(By.CSS_SELECTOR, selector))


def page_summary(driver: WebDriver) -> str:
    """What the page says, for a failure message."""
    return f"{driver.current_url} {driver.title!r}: {css(driver, 'body').text[:600]!r}"
