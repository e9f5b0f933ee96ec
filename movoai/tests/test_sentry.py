"""Sentry error tracking, against a real HTTP server on 127.0.0.1 standing in for Sentry's ingest
endpoint: with SENTRY_DSN set, a crash in an API view and one in a plain Django view each reach it
with their exception, without personal data; without SENTRY_DSN nothing is sent.

The server runs the settings in a subprocess (Sentry is set up when settings load, as in a server)."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import textwrap
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
SECRET_SESSION = "a-session-id-that-must-never-reach-sentry"

CRASHES = textwrap.dedent(
    """
    import os
    from unittest import mock

    import django
    django.setup()
    import sentry_sdk
    from django.test import Client

    from movoai import metrics, views


    class ProbeApiViewError(Exception):
        pass


    class ProbeDjangoViewError(Exception):
        pass


    print("active" if sentry_sdk.get_client().is_active() else "inactive")
    client = Client(raise_request_exception=False)
    with mock.patch.object(views.HealthView, "get", side_effect=ProbeApiViewError("crash in a DRF view")):
        response = client.get("/api/v1/health", headers={"Cookie": "sessionid=" + os.environ["PROBE_SESSION_ID"]})
        assert response.status_code == 500, response.status_code
    with mock.patch.object(metrics, "generate_latest", side_effect=ProbeDjangoViewError("crash in a Django view")):
        assert client.get("/metrics").status_code == 500
    sentry_sdk.flush(timeout=10)
    """
)


class SentryStub(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.envelopes: list[tuple[str, bytes]] = []  # (path, decompressed body)

    @property
    def dsn(self) -> str:
        return f"http://public@127.0.0.1:{self.server_address[1]}/1"

    def events(self) -> list[dict[str, Any]]:
        """The error events of every envelope (an envelope is lines of JSON: a header, then each
        item's header and payload)."""
        found = []
        for _path, body in self.envelopes:
            lines = body.split(b"\n")
            for header, payload in zip(lines[1::2], lines[2::2], strict=False):
                if json.loads(header).get("type") == "event":
                    found.append(json.loads(payload))
        return found


class _Handler(BaseHTTPRequestHandler):
    server: SentryStub

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":  # only with the brotli module installed, which we do not ship
            pytest.fail("brotli-compressed envelope")
        self.server.envelopes.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")


@pytest.fixture
def sentry_stub() -> Iterator[SentryStub]:
    server = SentryStub()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def crash_the_server(**env_changes: str | None) -> str:
    # the session id in the environment, not in argv (Sentry reports a process's argv)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "movoai.settings_test", "PROBE_SESSION_ID": SECRET_SESSION}
    for name in ("SENTRY_DSN", "SENTRY_RELEASE", "SENTRY_TRACES_SAMPLE_RATE"):
        env.pop(name, None)
    for name, value in env_changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", CRASHES],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def exception_types(event: dict[str, Any]) -> list[str]:
    return [value["type"] for value in (event.get("exception") or {}).get("values", [])]


def test_with_a_dsn_crashes_reach_sentry_with_their_exception_and_no_personal_data(sentry_stub):
    state = crash_the_server(SENTRY_DSN=sentry_stub.dsn, SENTRY_RELEASE="movoai@1.2.3")

    assert state == "active"
    assert sentry_stub.envelopes, "nothing reached the Sentry stub"
    assert {path for path, _ in sentry_stub.envelopes} == {"/api/1/envelope/"}
    events = sentry_stub.events()
    reported = [kind for event in events for kind in exception_types(event)]
    # a DRF view's crash (answered by our exception handler) and a plain Django view's crash
    assert "ProbeApiViewError" in reported
    assert "ProbeDjangoViewError" in reported
    assert all(event["environment"] == "development" for event in events)
    assert all(event["release"] == "movoai@1.2.3" for event in events)
    # the request log's line for the 500 is not a second, exception-less event
    assert all(exception_types(event) for event in events)
    everything = b"".join(body for _, body in sentry_stub.envelopes)
    assert SECRET_SESSION.encode() not in everything
    assert b"127.0.0.1" not in everything.replace(sentry_stub.dsn.encode(), b"")  # no client IP


def test_without_a_dsn_nothing_is_set_up_or_sent(sentry_stub):
    state = crash_the_server(SENTRY_DSN=None)

    assert state == "inactive"
    assert sentry_stub.envelopes == []
