"""Production settings: `manage.py check --deploy` is clean, the keys are required and distinct, and
the security headers are on every answer (API and admin).

The production cases run the real settings module in a subprocess with MOVOAI_ENV=production, as a
server would start; the test run itself stays on the development settings, which keep plain HTTP."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

BASE_DIR = Path(__file__).resolve().parents[2]
# Everything a production server is given; the keys are random for each run, as a real one's are.
PRODUCTION_KEYS = ("DJANGO_SECRET_KEY", "JWT_SIGNING_KEY", "VERIFICATION_CODE_KEY")
OUR_SETTINGS = (
    *PRODUCTION_KEYS,
    "DJANGO_SETTINGS_MODULE",
    "MOVOAI_ENV",
    "DJANGO_DEBUG",
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_REFERRER_POLICY",
    "MOVOAI_BENCH",
)


def production_env(**changes: str | None) -> dict[str, str]:
    """The environment of a production server (this machine's database and Redis), with changes; a
    change to None removes the variable."""
    env = {name: value for name, value in os.environ.items() if name not in OUR_SETTINGS}
    env.update(
        DJANGO_SETTINGS_MODULE="movoai.settings",
        MOVOAI_ENV="production",
        ALLOWED_HOSTS="api.movoai.app",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        JWT_SIGNING_KEY=secrets.token_urlsafe(40),
        VERIFICATION_CODE_KEY=secrets.token_urlsafe(40),
    )
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def django_setup(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run(["-c", "import django; django.setup()"], env)


# ---- check --deploy -------------------------------------------------------------------------------


def test_check_deploy_is_clean_with_the_production_settings():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_check_deploy_names_what_an_operator_turned_off():
    """The check is a real one: the same settings with HSTS and the redirect off are reported."""
    env = production_env(SECURE_HSTS_SECONDS="0", SECURE_SSL_REDIRECT="false")

    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)

    assert result.returncode != 0
    assert "security.W004" in result.stderr  # no HSTS
    assert "security.W008" in result.stderr  # no redirect to HTTPS


# ---- the keys -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*PRODUCTION_KEYS, "ALLOWED_HOSTS"])
def test_production_does_not_start_without(name):
    result = django_setup(production_env(**{name: None}))

    assert result.returncode != 0
    assert f"ImproperlyConfigured: {name} must be set in production" in result.stderr


@pytest.mark.parametrize("name", ["JWT_SIGNING_KEY", "VERIFICATION_CODE_KEY"])
def test_production_does_not_start_with_the_django_secret_key_reused(name):
    key = secrets.token_urlsafe(50)

    result = django_setup(production_env(DJANGO_SECRET_KEY=key, **{name: key}))

    assert result.returncode != 0
    assert "JWT_SIGNING_KEY and VERIFICATION_CODE_KEY must be three different keys" in result.stderr


def test_production_does_not_start_with_a_short_jwt_signing_key():
    result = django_setup(production_env(JWT_SIGNING_KEY="short-and-guessable"))

    assert result.returncode != 0
    assert "JWT_SIGNING_KEY must be at least 32 characters in production" in result.stderr


def test_production_does_not_start_with_debug_on():
    result = django_setup(production_env(DJANGO_DEBUG="true"))

    assert result.returncode != 0
    assert "DJANGO_DEBUG must be off in production" in result.stderr


def test_a_malformed_proxy_header_setting_is_refused_by_name():
    result = django_setup(production_env(SECURE_PROXY_SSL_HEADER="https"))

    assert result.returncode != 0
    assert "SECURE_PROXY_SSL_HEADER must look like 'X-Forwarded-Proto: https'" in result.stderr


# ---- HTTPS in production: redirect, HSTS, secure cookies, behind a TLS-terminating proxy ----------

HTTPS_PROBE = """
import json
import django
django.setup()
from django.test import Client
client = Client()
plain = client.get("/admin/login/")
proxied = client.get("/admin/login/", headers={"X-Forwarded-Proto": "https"})
probe = client.get("/health")
csrf_cookie = proxied.cookies.get("csrftoken")
print(json.dumps({
    "plain": [plain.status_code, plain.headers.get("Location")],
    "proxied": [proxied.status_code, proxied.headers.get("Strict-Transport-Security")],
    "csrf_cookie_secure": bool(csrf_cookie and csrf_cookie["secure"]),
    "probe": [probe.status_code, probe.headers.get("Location")],
}))
"""


def test_production_redirects_http_and_sends_hsts_and_secure_cookies_over_https():
    env = production_env(ALLOWED_HOSTS="testserver", SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto: https")

    result = run(["-c", HTTPS_PROBE], env)

    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["plain"] == [301, "https://testserver/admin/login/"]
    assert seen["proxied"] == [200, "max-age=31536000; includeSubDomains; preload"]
    assert seen["csrf_cookie_secure"] is True
    # a load balancer's plain-HTTP probe is answered, not redirected
    assert seen["probe"][0] in (200, 503)
    assert seen["probe"][1] is None


def test_development_keeps_plain_http():
    """The test run uses the development settings: no redirect, no HSTS, cookies without Secure."""
    assert settings.DEBUG is False
    assert settings.SECURE_SSL_REDIRECT is False
    assert settings.SECURE_HSTS_SECONDS == 0
    assert settings.SESSION_COOKIE_SECURE is False

    response = Client().get("/admin/login/")

    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers


# ---- the security headers on every answer ---------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "status"),
    [("/api/v1/exercises", 200), ("/api/v1/users/me", 401), ("/admin/login/", 200)],
)
def test_every_answer_carries_the_security_headers(path, status):
    response = Client().get(path)

    assert response.status_code == status
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
