"""GET /api/v1/ai/agents/executions/{id}/events: an agent execution's progress as Server-Sent Events.

Each event is
    id: <seq>
    event: <queued | started | step | paused | resumed | succeeded | failed>
    data: {"execution_id", "seq", "event", "data", "status", "progress", "step", "created_at"}
the same message the WebSocket /ws/executions/{id} sends. The stored events come first (after
`Last-Event-ID`, the header a browser's EventSource sends when it reconnects, or `?last_event_id=`),
then the live ones from Redis pub/sub, each seq once and in order; a comment line every
KEEPALIVE_SECONDS keeps proxies from closing a quiet stream. The stream ends after a terminal event
(succeeded, failed, paused) or after MAX_STREAM_SECONDS; an EventSource then reconnects by itself
with Last-Event-ID. A finished execution with nothing after Last-Event-ID answers 204, which tells an
EventSource to stop reconnecting; a paused one waits for its "resumed" event.

The owner only (another user's or an unknown execution: 404 problem). The access token goes in
`Authorization: Bearer`, or in `?token=` because a browser's EventSource cannot send headers.

A stream holds its connection for minutes: production routes this path to the ASGI process (uvicorn,
ASGI_PORT), where the stream is served asynchronously (the sync generator below advances in the
request's own thread, never blocking the event loop); under the WSGI server it holds one of
gunicorn's threads for its duration.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Generator
from typing import Any

import redis
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.tokens import TokenAuthentication
from coach import executions
from coach.models import AgentExecution

logger = logging.getLogger("movoai.coach.stream")

KEEPALIVE_SECONDS = 15.0
MAX_STREAM_SECONDS = 15 * 60
# Seconds a stream waits on Redis between checks; after CATCH_UP_SECONDS without a live message it
# reads the database too (an event whose live copy was lost).
LIVE_WAIT_SECONDS = 1.0
CATCH_UP_SECONDS = 10.0
# How long an EventSource waits before reconnecting, in milliseconds.
RECONNECT_MS = 3000


def sse_event(message: dict[str, Any]) -> bytes:
    """One Server-Sent Event; the data is one line of JSON."""
    data = json.dumps(message, ensure_ascii=False, default=str)
    return f"id: {message['seq']}\nevent: {message['event']}\ndata: {data}\n\n".encode()


def execution_event_stream(
    execution_id: uuid.UUID, after_seq: int = 0, *, max_seconds: float | None = None
) -> Generator[bytes, None, None]:
    """The execution's events after `after_seq` as Server-Sent Events: subscribed to its Redis channel
    first, the stored events replayed, then the live ones, until a terminal event or `max_seconds`
    (MAX_STREAM_SECONDS). Without Redis it reads the database every LIVE_WAIT_SECONDS instead."""
    deadline = time.monotonic() + (MAX_STREAM_SECONDS if max_seconds is None else max_seconds)
    cursor = executions.EventCursor(after_seq)
    pubsub = executions.redis_client().pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
    live = True
    try:
        try:
            pubsub.subscribe(executions.execution_channel(execution_id))
        except (redis.RedisError, OSError) as error:
            logger.warning("execution %s: no live events (%s), reading the database", execution_id, error)
            live = False
        yield f"retry: {RECONNECT_MS}\n\n".encode()
        for message in cursor.take(executions.execution_messages_since(execution_id, cursor.last_seq)):
            yield sse_event(message)
        last_write = quiet_since = time.monotonic()
        while not cursor.done and time.monotonic() < deadline:
            batch: list[dict[str, Any]] = []
            raw = None
            if live:
                try:
                    raw = pubsub.get_message(ignore_subscribe_messages=True, timeout=LIVE_WAIT_SECONDS)
                except (redis.RedisError, OSError) as error:
                    logger.warning("execution %s: live events lost (%s), reading the database", execution_id, error)
                    live = False
            else:
                time.sleep(LIVE_WAIT_SECONDS)
            now = time.monotonic()
            if raw is not None:
                message = json.loads(raw["data"])
                batch = [message]
                if cursor.gap(message):
                    batch += executions.execution_messages_since(execution_id, cursor.last_seq)
                quiet_since = now
            elif not live or now - quiet_since >= CATCH_UP_SECONDS:
                batch = executions.execution_messages_since(execution_id, cursor.last_seq)
                quiet_since = now
            fresh = cursor.take(batch)
            for message in fresh:
                yield sse_event(message)
            if fresh:
                last_write = now
            elif now - last_write >= KEEPALIVE_SECONDS:
                yield b": keep-alive\n\n"
                last_write = now
    finally:
        try:
            pubsub.close()
        except (redis.RedisError, OSError):
            logger.debug("execution %s: pub/sub close failed", execution_id, exc_info=True)


def _next_chunk(chunks: Generator[bytes, None, None]) -> bytes | None:
    return next(chunks, None)


async def _served_async(chunks: Generator[bytes, None, None]) -> AsyncIterator[bytes]:
    """The sync stream for the ASGI server: each step runs in the request's own thread (Django gives
    every ASGI request one for its thread-sensitive sync code), so the event loop never blocks and the
    database connection stays that thread's. (Django would read a sync iterator to its end before
    sending anything under ASGI.)"""
    step = sync_to_async(_next_chunk, thread_sensitive=True)
    try:
        while (chunk := await step(chunks)) is not None:
            yield chunk
    finally:
        await sync_to_async(chunks.close, thread_sensitive=True)()


def _after_seq(request: Request) -> int:
    raw = request.headers.get("Last-Event-ID")
    name = "Last-Event-ID"
    if raw is None:
        raw, name = request.query_params.get("last_event_id"), "last_event_id"
    if raw is None or raw.strip() == "":
        return 0
    try:
        value = int(raw.strip())
    except ValueError:
        value = -1
    if value < 0:
        raise ValidationError({name: ["Must be the id (seq) of an event received: a whole number, 0 or more."]})
    return value


class QueryTokenAuthentication(TokenAuthentication):
    """The bearer token of `Authorization`, else of `?token=` (a browser's EventSource cannot set
    headers). Bad tokens are a 401 problem either way."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        found = super().authenticate(request)
        if found is not None:
            return found
        raw = request.query_params.get("token")
        if not raw:
            return None
        token = self.get_validated_token(raw.encode())
        return self.get_user(token), token


class QueryTokenAuthenticationScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """In the OpenAPI schema: the bearer scheme of every other route, or the token as `?token=`."""

    target_class = QueryTokenAuthentication
    name = "jwtQueryToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "query",
            "name": "token",
            "description": "The access token as a query parameter, for a browser's EventSource (no headers).",
        }

    def get_security_requirement(self, auto_schema: Any) -> list[dict[str, list[Any]]]:
        return [{"jwtAuth": []}, {self.name: []}]


_EXAMPLE_ID = "2b5cae08-e61e-4edf-81d4-4f311d1e6842"
STREAM_EXAMPLE = "".join(
    sse_event(
        {
            "execution_id": _EXAMPLE_ID,
            "seq": seq,
            "event": event,
            "data": data,
            "status": data["status"],
            "progress": data["progress"],
            "step": data.get("step", ""),
            "created_at": f"2026-11-28T00:17:13.{seq}00000+00:00",
        }
    ).decode()
    for seq, event, data in (
        (1, "queued", {"kind": "plan_generation", "status": "queued", "progress": 0}),
        (2, "started", {"attempt": 1, "status": "running", "progress": 0}),
        (3, "step", {"node": "load_context", "step": "load_context", "status": "running", "progress": 10}),
        (9, "succeeded", {"engine": "rules", "plan_id": 1042, "step": "", "status": "succeeded", "progress": 100}),
    )
)


class EventStreamRenderer(BaseRenderer):
    """Lets a client ask for `Accept: text/event-stream`; the view streams the events itself."""

    media_type = "text/event-stream"
    format = "sse"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return json.dumps(data, default=str).encode()


class ExecutionEventsView(APIView):
    authentication_classes = [QueryTokenAuthentication]
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer, EventStreamRenderer]

    @extend_schema(
        tags=["ai-agents"],
        summary="Follow an execution's progress (Server-Sent Events)",
        description="The execution's events as Server-Sent Events (`id` = seq, `event` = queued, started, step, "
        "paused, resumed, succeeded or failed, `data` = JSON with the execution's status and progress): the stored "
        "ones after `Last-Event-ID` first, then live ones, until a terminal event or 15 minutes (an EventSource "
        "reconnects by itself). A finished execution with nothing new answers 204. The owner's only (else 404). "
        "The token may come as `?token=` for EventSource. Served by the ASGI process in production; "
        "WebSocket /ws/executions/{id} sends the same events.",
        parameters=[
            OpenApiParameter("Last-Event-ID", OpenApiTypes.INT, OpenApiParameter.HEADER, description="Resume after."),
            OpenApiParameter("last_event_id", OpenApiTypes.INT, description="Resume after (instead of the header)."),
            OpenApiParameter("token", OpenApiTypes.STR, description="The access token (for EventSource)."),
        ],
        responses={
            (200, "text/event-stream"): OpenApiResponse(
                OpenApiTypes.STR,
                description="The event stream.",
                examples=[
                    OpenApiExample(
                        "A plan generation (steps 4 to 8 left out)",
                        value=STREAM_EXAMPLE,
                        response_only=True,
                        media_type="text/event-stream",
                    )
                ],
            ),
            204: OpenApiResponse(description="Finished, and no event after Last-Event-ID."),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="A bad Last-Event-ID: a problem."),
            401: OpenApiResponse(OpenApiTypes.OBJECT, description="No token, or a bad one: a problem."),
            404: OpenApiResponse(OpenApiTypes.OBJECT, description="Not the user's execution: a problem."),
        },
    )
    def get(self, request: Request, execution_id: uuid.UUID) -> HttpResponseBase:
        user: User = request.user  # type: ignore[assignment]  # IsAuthenticated: a User
        execution = executions.execution_get(user=user, execution_id=execution_id)
        if execution is None:
            raise NotFound(f"No execution with id {execution_id}.")
        after_seq = _after_seq(request)
        finished = execution.status in AgentExecution.FINISHED_STATUSES
        if finished and not executions.execution_events_since(execution.id, after_seq).exists():
            return HttpResponse(status=204)
        chunks = execution_event_stream(execution.id, after_seq)
        content = _served_async(chunks) if isinstance(request._request, ASGIRequest) else chunks
        response = StreamingHttpResponse(content, content_type="text/event-stream")
        response["Cache-Control"] = "no-cache"
        response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
        # Not gzipped: GZipMiddleware, which skips a response that names its encoding, would hold the
        # events in its compressor until a few kilobytes had gathered.
        response["Content-Encoding"] = "identity"
        return response

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(response, Response) and response.status_code >= 400:
            # problems are JSON, whatever the client asked for
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)
