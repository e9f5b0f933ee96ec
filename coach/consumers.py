"""The WebSockets (served by the ASGI process only): /ws/chat and /ws/executions/<id>.

## /ws/chat: the coach's chat streamed token by token

Connect with `?token=<access token>` to chat as a user (a bad token closes with code 4401), or with
none for an anonymous chat. Send `{"message": "...", "session_id": "..."?, "language": "en"|"fr"?}`;
receive `{"event": "start", "data": {"session_id"}}`, many `{"event": "token", "data": "..."}` and
`{"event": "done", "data": <the answer as POST /api/v1/ai/chat returns it>}`; a bad message gets
`{"event": "error", "data": <a problem>}` and the socket stays open.

Every finished answer also goes through the Redis channel layer to the group of the session, so the
other sockets following one session (a phone and a laptop) see the conversation.

## /ws/executions/<id>?token=<access token>: an agent execution's progress

The owner only: no token or a bad one closes with 4401, another user's or an unknown execution with
4404 (the socket is accepted first, so that a browser sees the code: a refused handshake is a bare
403). Then every event of the execution, from the first, as coach.executions publishes them
(`{"execution_id", "seq", "event", "data", "status", "progress", "step", "created_at"}`), each seq
once and in order, stored ones replayed from the database and then live ones from Redis pub/sub;
after a terminal event (succeeded, failed, paused) the socket closes with 1000. After a paused run is
resumed, connect again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs

import redis.asyncio
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer, JsonWebsocketConsumer
from redis.exceptions import RedisError
from rest_framework.exceptions import APIException, AuthenticationFailed, ValidationError

from accounts.models import User
from accounts.tokens import TokenAuthentication
from coach import chat, executions
from coach.api.serializers import ChatInput
from movoai.errors import api_problem

logger = logging.getLogger("movoai.coach.ws")

CLOSE_BAD_TOKEN = 4401
CLOSE_NOT_FOUND = 4404
CLOSE_SERVER_ERROR = 1011
# Seconds a live stream waits on Redis between checks; after CATCH_UP_SECONDS of silence it reads the
# database too (an event whose live copy was lost, e.g. Redis briefly down for its publisher).
LIVE_WAIT_SECONDS = 1.0
CATCH_UP_SECONDS = 10.0


def _group(session_id: Any) -> str:
    return f"coach-chat.{session_id}"


def user_from_query_string(query_string: bytes) -> User | None:
    """The user of `?token=`, None without one; AuthenticationFailed for a bad or expired token."""
    tokens = parse_qs(query_string.decode("latin-1")).get("token")
    if not tokens:
        return None
    authentication = TokenAuthentication()
    user: User = authentication.get_user(authentication.get_validated_token(tokens[0].encode()))
    return user


class ChatConsumer(JsonWebsocketConsumer):
    """A sync consumer (Django's ORM and the chat service are sync); channels runs it in a thread."""

    user: User | None
    groups_joined: set[str]

    def connect(self) -> None:
        try:
            self.user = user_from_query_string(self.scope.get("query_string", b""))
        except AuthenticationFailed:
            self.close(code=CLOSE_BAD_TOKEN)
            return
        self.groups_joined = set()
        self.accept()

    def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", set()):
            async_to_sync(self.channel_layer.group_discard)(group, self.channel_name)

    def receive_json(self, content: Any, **kwargs: Any) -> None:
        serializer = ChatInput(data=content if isinstance(content, dict) else {})
        if not serializer.is_valid():
            self.send_json({"event": "error", "data": api_problem(ValidationError(serializer.errors))})
            return
        data = serializer.validated_data
        try:
            events = chat.chat_stream(
                message=data["message"],
                user=self.user,
                session_id=data.get("session_id"),
                language=data.get("language"),
            )
            for event in events:
                # The sender gets every event at once. The group (the session's other sockets) gets the
                # finished answer: a consumer handles one message at a time, so group events queued while
                # this loop runs would arrive only after it, and token by token they would overflow the
                # channel's capacity.
                self.send_json(event)
                if event["event"] == "start":
                    self._join(_group(event["data"]["session_id"]))
                elif event["event"] == "done":
                    async_to_sync(self.channel_layer.group_send)(
                        _group(event["data"]["session_id"]),
                        {"type": "chat.event", "event": event, "sender": self.channel_name},
                    )
        except APIException as error:
            self.send_json({"event": "error", "data": api_problem(error)})

    def chat_event(self, message: dict[str, Any]) -> None:
        if message.get("sender") != self.channel_name:
            self.send_json(message["event"])

    def _join(self, group: str) -> None:
        if group not in self.groups_joined:
            async_to_sync(self.channel_layer.group_add)(group, self.channel_name)
            self.groups_joined.add(group)


def _owns_execution(user: User, execution_id: Any) -> bool:
    return executions.execution_get(user=user, execution_id=execution_id) is not None


async def follow_execution(execution_id: Any, after_seq: int = 0) -> AsyncIterator[dict[str, Any]]:
    """The execution's event messages after `after_seq`: subscribed to its Redis channel first, then
    the stored events replayed, then the live ones, up to a terminal event. Without Redis it reads
    the database every LIVE_WAIT_SECONDS instead."""
    cursor = executions.EventCursor(after_seq)
    stored = database_sync_to_async(executions.execution_messages_since)
    client = redis.asyncio.Redis.from_url(executions.redis_url(), socket_connect_timeout=1)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    live = True
    try:
        try:
            await pubsub.subscribe(executions.execution_channel(execution_id))
        except (RedisError, OSError) as error:
            logger.warning("execution %s: no live events (%s), reading the database", execution_id, error)
            live = False
        for message in cursor.take(await stored(execution_id, cursor.last_seq)):
            yield message
        quiet = 0.0
        while not cursor.done:
            batch: list[dict[str, Any]] = []
            raw = None
            if live:
                try:
                    raw = await pubsub.get_message(ignore_subscribe_messages=True, timeout=LIVE_WAIT_SECONDS)
                except (RedisError, OSError) as error:
                    logger.warning("execution %s: live events lost (%s), reading the database", execution_id, error)
                    live = False
            else:
                await asyncio.sleep(LIVE_WAIT_SECONDS)
            if raw is not None:
                message = json.loads(raw["data"])
                batch = [message]
                if cursor.gap(message):
                    batch += await stored(execution_id, cursor.last_seq)
                quiet = 0.0
            else:
                quiet += LIVE_WAIT_SECONDS
                if not live or quiet >= CATCH_UP_SECONDS:
                    batch = await stored(execution_id, cursor.last_seq)
                    quiet = 0.0
            for message in cursor.take(batch):
                yield message
    finally:
        with contextlib.suppress(RedisError, OSError):
            await pubsub.aclose()  # type: ignore[no-untyped-call]
            await client.aclose()


class ExecutionConsumer(AsyncJsonWebsocketConsumer):
    """Async: it waits on Redis pub/sub; the database is read through database_sync_to_async."""

    # Fed by Redis pub/sub directly: no channel layer (an alias that is not configured means none).
    channel_layer_alias = "none: fed by Redis pub/sub"
    follower: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        # Accepted first: a close code sent before the handshake completes never reaches the client.
        await self.accept()
        execution_id = self.scope["url_route"]["kwargs"]["execution_id"]
        try:
            user = await database_sync_to_async(user_from_query_string)(self.scope.get("query_string", b""))
        except AuthenticationFailed:
            user = None
        if user is None:
            await self.close(code=CLOSE_BAD_TOKEN)
            return
        if not await database_sync_to_async(_owns_execution)(user, execution_id):
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.follower = asyncio.create_task(self._forward(execution_id))

    async def _forward(self, execution_id: Any) -> None:
        try:
            async for message in follow_execution(execution_id):
                await self.send_json(message)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("execution %s: the WebSocket stream failed", execution_id)
            await self.close(code=CLOSE_SERVER_ERROR)
            return
        await self.close(code=1000)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Clients only listen; what they send is ignored."""

    async def disconnect(self, code: int) -> None:
        if self.follower is not None and not self.follower.done():
            self.follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.follower
