"""The embedder sidecar (coach/embed_server.py) over real HTTP, and its client, the "service"
embedding backend (coach.embeddings.ServiceEmbedder): the same vectors as the local model, clear
errors, keep-alive, and the API still answering when the sidecar is down."""

from __future__ import annotations

import http.client
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pytest

from coach.embed_server import EmbedServer
from coach.embeddings import (
    BACKEND_LOCAL,
    DIMENSIONS,
    LOCAL_MODEL_ID,
    SERVICE_CHUNK_TEXTS,
    SERVICE_MAX_BODY_BYTES,
    SERVICE_MAX_TEXT_CHARS,
    SERVICE_MAX_TEXTS,
    Embedder,
    EmbeddingModelError,
    ServiceEmbedder,
    embed_documents,
    embed_query,
    embedding_model_id,
    get_embedder,
)

TEXTS = [
    "Barbell Squat. Category: Strength. Muscles: Quadriceps, Glutes. Equipment: Barbell.",
    "knee friendly leg exercises",
    "développé couché haltères",
    "",
]


class Running:
    """A sidecar serving in a thread of the test process, on a free port."""

    def __init__(self, embedder: Embedder, *, idle_timeout: float = 120.0) -> None:
        self.server = EmbedServer(("127.0.0.1", 0), embedder, idle_timeout=idle_timeout)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def post(self, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, str, dict[str, Any]]:
        connection = http.client.HTTPConnection("127.0.0.1", self.server.server_address[1], timeout=10)
        try:
            connection.request("POST", "/embed", body, {"Content-Type": "application/json", **(headers or {})})
            response = connection.getresponse()
            return response.status, response.getheader("Content-Type") or "", json.loads(response.read())
        finally:
            connection.close()


@pytest.fixture(scope="module")
def local() -> Embedder:
    return get_embedder(backend=BACKEND_LOCAL)


@pytest.fixture(scope="module")
def sidecar(local: Embedder) -> Iterator[Running]:
    running = Running(local)
    yield running
    running.stop()


@pytest.fixture
def service(sidecar: Running, settings: Any) -> Running:
    """The settings of an API worker: EMBEDDING_BACKEND=service, pointed at the sidecar."""
    settings.EMBEDDING_BACKEND = "service"
    settings.EMBEDDING_SERVICE_URL = sidecar.url
    settings.EMBEDDING_SERVICE_TIMEOUT_SECONDS = 5.0
    return sidecar


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


# ---- the same model, the same vectors -----------------------------------------------------------


def test_the_service_gives_the_local_models_vectors_and_model_id(service: Running, local: Embedder) -> None:
    assert isinstance(get_embedder(), ServiceEmbedder)
    assert get_embedder().model_id == embedding_model_id() == LOCAL_MODEL_ID

    vectors = embed_documents(TEXTS)

    assert np.asarray(vectors).shape == (len(TEXTS), DIMENSIONS)
    np.testing.assert_allclose(vectors, local.embed_documents(TEXTS), atol=1e-6)
    np.testing.assert_allclose(embed_query(TEXTS[1]), local.embed_query(TEXTS[1]), atol=1e-6)


def test_many_documents_go_in_several_requests_and_keep_their_order(service: Running, local: Embedder) -> None:
    texts = [f"exercise number {index} for the {'legs' if index % 2 else 'chest'}" for index in range(70)]
    assert len(texts) > 2 * SERVICE_CHUNK_TEXTS

    np.testing.assert_allclose(embed_documents(texts), local.embed_documents(texts), atol=1e-6)


def test_the_health_check_names_the_model(sidecar: Running) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", sidecar.server.server_address[1], timeout=10)
    connection.request("GET", "/health")
    response = connection.getresponse()

    assert response.status == 200
    assert json.loads(response.read()) == {"status": "ok", "model_id": LOCAL_MODEL_ID}
    connection.close()


def test_a_sidecar_running_another_model_is_refused(settings: Any, local: Embedder) -> None:
    class OtherModel:
        model_id = "local:another-model:000000000000:256"

        def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
            return local.embed_documents(texts)

        def embed_query(self, text: str) -> list[float]:
            return local.embed_query(text)

    running = Running(OtherModel())
    try:
        settings.EMBEDDING_BACKEND = "service"
        settings.EMBEDDING_SERVICE_URL = running.url
        with pytest.raises(EmbeddingModelError, match="cannot be compared with the stored ones"):
            embed_query("squat")
    finally:
        running.stop()


# ---- bad requests ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"texts=squat", "The body is not JSON"),
        (b'["squat"]', "The body must be a JSON object"),
        (b'{"texts": "squat"}', "texts must be a list of strings"),
        (b'{"texts": ["squat", 3]}', "texts must be a list of strings"),
        (json.dumps({"texts": ["squat"] * (SERVICE_MAX_TEXTS + 1)}).encode(), f"at most {SERVICE_MAX_TEXTS}"),
        (json.dumps({"texts": ["a" * (SERVICE_MAX_TEXT_CHARS + 1)]}).encode(), f"at most {SERVICE_MAX_TEXT_CHARS}"),
        (b'{"texts": ["squat"], "kind": "passage"}', "kind must be one of documents, query"),
    ],
)
def test_a_malformed_request_is_a_400_that_says_what_is_wrong(sidecar: Running, body: bytes, detail: str) -> None:
    status, content_type, problem = sidecar.post(body)

    assert (status, content_type) == (400, "application/problem+json")
    assert problem["status"] == 400
    assert detail in problem["detail"]


def test_a_body_over_the_limit_is_a_413_without_being_read(sidecar: Running) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", sidecar.server.server_address[1], timeout=10)
    connection.putrequest("POST", "/embed")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(SERVICE_MAX_BODY_BYTES + 1))
    connection.endheaders()
    response = connection.getresponse()

    assert response.status == 413
    assert f"at most {SERVICE_MAX_BODY_BYTES}" in json.loads(response.read())["detail"]
    assert response.getheader("Connection") == "close"
    connection.close()


def test_the_client_cuts_texts_to_the_sidecars_limit(service: Running, local: Embedder) -> None:
    long_text = "squat with a barbell " * 1000  # far over the limit; the model reads 256 tokens of it

    np.testing.assert_allclose(embed_query(long_text), local.embed_query(long_text[:SERVICE_MAX_TEXT_CHARS]), atol=1e-6)


# ---- connections -------------------------------------------------------------------------------


def test_a_thread_keeps_one_connection_across_calls(sidecar: Running) -> None:
    client = ServiceEmbedder(url=sidecar.url, timeout=5.0)
    before = sidecar.server.connections_accepted

    client.embed_query("squat")
    client.embed_documents(["bench press", "deadlift"])

    assert sidecar.server.connections_accepted - before == 1


def test_a_connection_the_sidecar_closed_when_idle_is_replaced_once(local: Embedder) -> None:
    running = Running(local, idle_timeout=0.2)
    try:
        client = ServiceEmbedder(url=running.url, timeout=5.0)
        first = client.embed_query("squat")
        time.sleep(0.6)  # the sidecar closes the idle connection; the client does not know yet

        assert client.embed_query("squat") == first
        assert running.server.connections_accepted == 2
    finally:
        running.stop()


@pytest.mark.django_db
def test_the_sidecar_down_is_an_embedding_model_error_and_suggestions_still_answer(
    settings: Any, api: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.EMBEDDING_BACKEND = "service"
    settings.EMBEDDING_SERVICE_URL = f"http://127.0.0.1:{free_port()}"
    assert embedding_model_id() == LOCAL_MODEL_ID  # known without the sidecar

    with pytest.raises(EmbeddingModelError, match="unavailable"):
        embed_query("squat")

    with caplog.at_level(logging.ERROR, logger="movoai.coach.semantic"):
        response = api.post(
            "/api/v1/ai/suggest-exercises",
            {"target_muscles": ["chest"], "equipment": ["dumbbell"], "context": "shoulder friendly"},
            format="json",
        )

    assert response.status_code == 200
    results = response.json()["results"]
    assert results
    assert all("chest" in result["muscles"] for result in results)
    assert "semantic search without embeddings" in caplog.text
