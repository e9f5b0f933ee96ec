"""A request whose client closed its connection while the request queued is dropped before any
work (movoai.middleware.ClientGoneMiddleware): a 499 in the log, nothing run. The client's socket
is a real one (a socket pair), handed over as gunicorn hands it (`gunicorn.socket`)."""

from __future__ import annotations

import json
import logging
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from movoai.middleware import ClientGoneMiddleware, client_gone

pytestmark = pytest.mark.django_db


@pytest.fixture
def connection_pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    """(the server's end, the client's end) of one connection."""
    server_end, client_end = socket.socketpair()
    yield server_end, client_end
    server_end.close()
    client_end.close()


def as_served_by_gunicorn(server_end: socket.socket) -> dict[str, Any]:
    return {"gunicorn.socket": server_end}


def test_a_request_whose_client_left_is_logged_499_and_runs_nothing(connection_pair, caplog):
    server_end, client_end = connection_pair
    client_end.close()  # the client timed out while the request waited for a worker
    body = json.dumps({"guest_id": f"gone-{uuid.uuid4()}"})

    with caplog.at_level(logging.INFO, logger="movoai.request"), CaptureQueriesContext(connection) as queries:
        response = Client().post(
            "/api/v1/users", body, content_type="application/json", **as_served_by_gunicorn(server_end)
        )

    assert response.status_code == 499
    assert not User.objects.filter(guest_id=json.loads(body)["guest_id"]).exists()
    assert len(queries) == 0
    assert [record.status for record in caplog.records if hasattr(record, "status")] == [499]


def test_a_client_still_waiting_is_served(connection_pair):
    server_end, _client_end = connection_pair

    response = Client().get("/api/v1/exercises/taxonomy", **as_served_by_gunicorn(server_end))

    assert response.status_code == 200


def test_a_client_that_already_sent_its_next_request_is_served(connection_pair):
    """Pipelined bytes waiting on the connection: the client is there, they are not an end."""
    server_end, client_end = connection_pair
    client_end.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")

    response = Client().get("/api/v1/exercises/taxonomy", **as_served_by_gunicorn(server_end))

    assert response.status_code == 200
    assert server_end.recv(3) == b"GET"  # and the next request is still there, not consumed


def test_a_connection_reset_by_the_client_counts_as_gone():
    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname())
    server_end, _ = listener.accept()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # RST on close
    client.close()
    try:
        assert client_gone(server_end)
    finally:
        server_end.close()
        listener.close()


def test_the_check_can_be_turned_off(connection_pair, settings, rf):
    settings.CLIENT_GONE_CHECK = False
    server_end, client_end = connection_pair
    client_end.close()
    served: list[HttpRequest] = []

    def view(request: HttpRequest) -> HttpResponse:
        served.append(request)
        return HttpResponse(status=204)

    request = rf.get("/api/v1/health", **as_served_by_gunicorn(server_end))

    assert ClientGoneMiddleware(view)(request).status_code == 204
    assert served == [request]
