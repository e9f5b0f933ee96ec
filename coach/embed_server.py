"""The embedder sidecar: one process that holds the local embedding model for all the others.

    python -m coach.embed_server            # listens on EMBEDDING_SERVICE_URL (http://127.0.0.1:8002)
    python -m coach.embed_server --host 0.0.0.0 --port 8002

The onnxruntime session of the local model costs a process ~160 MB, whatever the session options;
loaded in every API worker, that is most of a worker's memory. Here it is loaded once, and the
workers (EMBEDDING_BACKEND=service, coach.embeddings.ServiceEmbedder) ask for vectors over HTTP:

    POST /embed  {"texts": ["..."], "kind": "documents" | "query"}
        200 {"model_id": "local:...", "vectors": [[384 floats], ...]}  (unit vectors, in order)
    GET /health
        200 {"status": "ok", "model_id": "local:..."}

Errors are problem details (application/problem+json): 400 for a malformed request (with what is
wrong), 404, 411 without a Content-Length, 413 for a body over SERVICE_MAX_BODY_BYTES, 500 when
the model fails. HTTP/1.1 keep-alive; one thread per connection (an onnxruntime session runs
concurrently); a connection idle for IDLE_TIMEOUT_SECONDS is closed.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from coach.embeddings import (
    BACKEND_LOCAL,
    SERVICE_MAX_BODY_BYTES,
    SERVICE_MAX_TEXT_CHARS,
    SERVICE_MAX_TEXTS,
    Embedder,
    EmbeddingModelError,
    get_embedder,
)

logger = logging.getLogger("movoai.coach.embed_server")

KINDS = ("documents", "query")
# Longer than the API's keep-alive gaps between searches, short enough that connections of
# restarted workers do not pile up threads here.
IDLE_TIMEOUT_SECONDS = 120.0


class BadRequest(Exception):
    def __init__(self, status: HTTPStatus, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


def parse_request(body: bytes) -> tuple[list[str], str]:
    """The texts and the kind of a POST /embed body; BadRequest says what is wrong."""
    try:
        request = json.loads(body)
    except ValueError as error:
        raise BadRequest(HTTPStatus.BAD_REQUEST, f"The body is not JSON: {error}.") from error
    if not isinstance(request, dict):
        raise BadRequest(HTTPStatus.BAD_REQUEST, 'The body must be a JSON object: {"texts": [...], "kind": ...}.')
    texts = request.get("texts")
    if not isinstance(texts, list) or not all(isinstance(text, str) for text in texts):
        raise BadRequest(HTTPStatus.BAD_REQUEST, "texts must be a list of strings.")
    if len(texts) > SERVICE_MAX_TEXTS:
        raise BadRequest(HTTPStatus.BAD_REQUEST, f"texts holds {len(texts)} texts; at most {SERVICE_MAX_TEXTS}.")
    longest = max((len(text) for text in texts), default=0)
    if longest > SERVICE_MAX_TEXT_CHARS:
        raise BadRequest(HTTPStatus.BAD_REQUEST, f"A text has {longest} characters; at most {SERVICE_MAX_TEXT_CHARS}.")
    kind = request.get("kind", "documents")
    if kind not in KINDS:
        raise BadRequest(HTTPStatus.BAD_REQUEST, f"kind must be one of {', '.join(KINDS)}, got {kind!r}.")
    return texts, kind


class EmbedServer(ThreadingHTTPServer):
    daemon_threads = True
    # Many API threads connect at once after a deploy.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], embedder: Embedder, *, idle_timeout: float = IDLE_TIMEOUT_SECONDS):
        self.embedder = embedder
        self.idle_timeout = idle_timeout
        self.connections_accepted = 0  # for the tests: keep-alive means one per client thread
        self._count_lock = threading.Lock()
        super().__init__(address, EmbedHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._count_lock:
            self.connections_accepted += 1
        super().process_request(request, client_address)


class EmbedHandler(BaseHTTPRequestHandler):
    server: EmbedServer
    protocol_version = "HTTP/1.1"  # keep-alive
    # The headers and the body go in two writes: with Nagle's algorithm the body waited for the
    # client's delayed ACK, 40 ms on a third of the requests (p90 65 ms instead of 23).
    disable_nagle_algorithm = True
    server_version = "movoai-embedder"

    def setup(self) -> None:
        super().setup()
        # a keep-alive connection idle this long is closed (its thread ends); clients reconnect
        self.connection.settimeout(self.server.idle_timeout)

    def _send_json(self, status: HTTPStatus, payload: dict[str, Any], content_type: str = "application/json") -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def _send_problem(self, status: HTTPStatus, detail: str) -> None:
        problem = {"type": "about:blank", "title": status.phrase, "status": int(status), "detail": detail}
        self._send_json(status, problem, "application/problem+json")

    def do_GET(self) -> None:
        if self.path != "/health":
            self._send_problem(HTTPStatus.NOT_FOUND, f"No resource {self.path}: GET /health or POST /embed.")
            return
        self._send_json(HTTPStatus.OK, {"status": "ok", "model_id": self.server.embedder.model_id})

    def do_POST(self) -> None:
        if self.path != "/embed":
            self.close_connection = True  # its body is left unread
            self._send_problem(HTTPStatus.NOT_FOUND, f"No resource {self.path}: GET /health or POST /embed.")
            return
        try:
            texts, kind = parse_request(self._read_body())
        except BadRequest as error:
            self._send_problem(error.status, error.detail)
            return
        started = time.perf_counter()
        embedder = self.server.embedder
        try:
            if kind == "query":
                vectors = [embedder.embed_query(text) for text in texts]
            else:
                vectors = embedder.embed_documents(texts)
        except EmbeddingModelError as error:
            logger.exception("embedding failed")
            self._send_problem(HTTPStatus.INTERNAL_SERVER_ERROR, str(error))
            return
        self._send_json(HTTPStatus.OK, {"model_id": embedder.model_id, "vectors": vectors})
        logger.debug(
            "embedded", extra={"texts": len(texts), "kind": kind, "ms": round((time.perf_counter() - started) * 1000)}
        )

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            raise BadRequest(HTTPStatus.LENGTH_REQUIRED, "Send the body with a Content-Length, not chunked.")
        raw_length = self.headers.get("Content-Length")
        try:
            length = int(raw_length) if raw_length is not None else -1
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            raise BadRequest(HTTPStatus.LENGTH_REQUIRED, "A POST /embed needs a Content-Length header.")
        if length > SERVICE_MAX_BODY_BYTES:
            self.close_connection = True  # the body stays unread: the connection cannot be reused
            raise BadRequest(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"The body has {length} bytes; at most {SERVICE_MAX_BODY_BYTES}."
            )
        return self.rfile.read(length)

    def log_message(self, format: str, *args: Any) -> None:
        # Requests are not logged one by one (the API logs its own); errors come through here too.
        logger.debug(format % args)

    def log_error(self, format: str, *args: Any) -> None:
        message = format % args
        # an idle keep-alive connection timing out is routine, not a warning
        logger.log(logging.DEBUG if message.startswith("Request timed out") else logging.WARNING, message)


def serve_address() -> tuple[str, int]:
    """Host and port of settings.EMBEDDING_SERVICE_URL."""
    from django.conf import settings

    url = urlsplit(str(settings.EMBEDDING_SERVICE_URL))
    return url.hostname or "127.0.0.1", url.port or 8002


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "movoai.settings")
    import django

    django.setup()
    host, port = serve_address()
    parser = argparse.ArgumentParser(description="The embedder sidecar (see coach/embed_server.py).")
    parser.add_argument("--host", default=host, help=f"default: EMBEDDING_SERVICE_URL's ({host})")
    parser.add_argument("--port", type=int, default=port, help=f"default: EMBEDDING_SERVICE_URL's ({port})")
    args = parser.parse_args(argv)

    try:
        embedder = get_embedder(backend=BACKEND_LOCAL)  # whatever EMBEDDING_BACKEND says
        embedder.embed_query("warm up")  # the first run allocates the session's buffers
    except EmbeddingModelError:
        logger.exception("the embedder cannot start: the local model cannot be used")
        raise SystemExit(1) from None
    server = EmbedServer((args.host, args.port), embedder)

    def stop(_signum: int, _frame: Any) -> None:
        # shutdown() waits for serve_forever(), which runs in this (the main) thread
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    logger.info("embedder listening on %s:%s (%s)", args.host, args.port, embedder.model_id)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        logger.info("embedder stopped")


if __name__ == "__main__":
    main()
