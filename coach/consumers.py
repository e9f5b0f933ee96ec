"""WebSocket /ws/chat: the coach's chat streamed token by token (served by the ASGI process only).

Connect with `?token=<access token>` to chat as a user (a bad token closes with code 4401), or with
none for an anonymous chat. Send `{"message": "...", "session_id": "..."?, "language": "en"|"fr"?}`;
receive `{"event": "start", "data": {"session_id"}}`, many `{"event": "token", "data": "..."}` and
`{"event": "done", "data": <the answer as POST /api/v1/ai/chat returns it>}`; a bad message gets
`{"event": "error", "data": <a problem>}` and the socket stays open.

Every finished answer also goes through the Redis channel layer to the group of the session, so the
other sockets following one session (a phone and a laptop) see the conversation.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import async_to_sync
from channels.generic.websocket import JsonWebsocketConsumer
from rest_framework.exceptions import APIException, AuthenticationFailed, ValidationError

from accounts.models import User
from accounts.tokens import TokenAuthentication
from coach import chat
from coach.api.serializers import ChatInput
from movoai.errors import api_problem

logger = logging.getLogger("movoai.coach.ws")

CLOSE_BAD_TOKEN = 4401


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
