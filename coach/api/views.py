"""The AI coach's routes under /api/v1/ai: thin views over the coach's services.

No login is needed. A request may name a user (`user_id`, under the same rules as the legacy
/users/{user_id} routes) or carry an access token: then the user's profile and history count, the
answer is saved for them, and their daily AI allowance is used. Every answer says which engine
produced it (`engine`: "llm" or "rules") and, when the rules answered, why (`fallback_reason`).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponseBase, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from redis.exceptions import RedisError
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import ME_PERMISSIONS, user_for_request
from accounts.models import User
from coach import analysis, chat, llm, memory, suggestions, workouts
from coach.api import examples
from coach.api import serializers as inputs
from movoai import cache_keys
from movoai.api import request_language
from movoai.throttling import AIRateThrottle, PublicRateThrottle, ai_daily_quota_take

logger = logging.getLogger("movoai.coach.api")

PROBLEMS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Bad input: a problem naming each field."),
    401: OpenApiResponse(OpenApiTypes.OBJECT, description="A bad or expired token, or a claimed account: a problem."),
    404: OpenApiResponse(OpenApiTypes.OBJECT, description="Unknown user or session: a problem."),
    429: OpenApiResponse(OpenApiTypes.OBJECT, description="AI rate limit (per IP a minute, per user a day)."),
}
ENGINE_NOTE = (
    "No login needed. Every answer carries `engine` (`llm` or `rules`) and, when the rule-based coach "
    "answered, `fallback_reason` (`not_configured`, `timeout`, `rate_limited`, `unavailable`, `model_error`, "
    "`invalid_output`) with `fallback_detail`. Request fields this endpoint does not read are named in "
    "`ignored_fields`. Limits: AI_RATE_LIMIT per IP (20 a minute) and AI_DAILY_LIMIT_PER_USER per known user."
)


def ai_user(request: Request, user_id: uuid.UUID | None) -> User | None:
    """The user the AI request is about: the token's, or `user_id`'s under the access rules; None when
    the request names no one (anonymous coaching)."""
    if user_id is None and request.user is None:
        return None
    return user_for_request(request, user_id)


def _token_user(request: Request) -> User | None:
    """The access token's user, or None (UNAUTHENTICATED_USER is None in this API)."""
    user: Any = request.user
    return user if isinstance(user, User) else None


def _cacheable(answer: dict[str, Any]) -> bool:
    """Only answers that would come out the same again: the model's, or the rules' when no model is
    configured (not a fallback after a transient model failure)."""
    return answer.get("engine") == "llm" or answer.get("fallback_reason") == "not_configured"


def _answer(
    *, endpoint: str, purpose: str, user: User | None, params: dict[str, Any], build: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """The service's answer; for anonymous requests, served from the cache when the same input was
    answered before (AI_CACHE_SECONDS), with the same library content and model."""
    if user is not None:
        ai_daily_quota_take(user.id)
        return build()
    model = llm.model_name_for(purpose) if llm.llm_configured() else "rules"
    try:
        key = cache_keys.ai_answer(endpoint, params, model=model)  # reads the content version
        cached = cache.get(key)
    except RedisError as error:
        logger.warning("cache unavailable, answering uncached: %s", error)
        return build()
    if cached is not None:
        return dict(json.loads(cached), cached=True)
    answer = build()
    if _cacheable(answer):
        try:
            cache.set(key, json.dumps(answer, default=str), timeout=settings.AI_CACHE_SECONDS)
        except RedisError as error:
            logger.warning("cache unavailable, answer not cached: %s", error)
    return answer


class AIView(APIView):
    throttle_classes = [PublicRateThrottle, AIRateThrottle]


class RecommendWorkoutView(AIView):
    @extend_schema(
        tags=["ai"],
        summary="Recommend a workout week",
        description="A structured week from the exercise library: training days (at most `days_per_week`) and rest "
        "days, each exercise by id with sets, reps (or a duration), rest and a short reason. The user's equipment, "
        "limitations (e.g. `knee`) and level are respected; with a user, their profile fills what the request "
        f"leaves out and their history counts. {ENGINE_NOTE}",
        request=inputs.RecommendWorkoutInput,
        responses={200: OpenApiTypes.OBJECT, **PROBLEMS},
        examples=[examples.RECOMMEND_REQUEST, examples.RECOMMEND_RESPONSE],
    )
    def post(self, request: Request) -> Response:
        data, ignored = inputs.validated_input(inputs.RecommendWorkoutInput, request)
        user = ai_user(request, data.pop("user_id", None))
        language = request_language(request)
        # the input's fields are the request's fields
        workout_request = workouts.WorkoutRequest(**data)
        answer = _answer(
            endpoint="recommend-workout",
            purpose="recommend",
            user=user,
            params={**data, "language": language},
            build=lambda: workouts.recommend_workout(workout_request, user=user, language=language),
        )
        return Response(inputs.with_ignored(answer, ignored))


class AnalyzeProgressView(AIView):
    @extend_schema(
        tags=["ai"],
        summary="Analyse training progress",
        description="Insights (consistency, volume trend, muscle balance, plateaus, personal records) and "
        "suggestions, each with the numbers it rests on, for a user's logs (`user_id` or a token; `date_from`/"
        "`date_to` narrow the period) or for `workouts` given inline (`[{date, exercises: [{exercise_id, sets, "
        "reps, weight_kg, duration_seconds}]}]`). " + ENGINE_NOTE,
        request=inputs.AnalyzeProgressInput,
        responses={200: OpenApiTypes.OBJECT, **PROBLEMS},
        examples=[examples.ANALYZE_REQUEST, examples.ANALYZE_RESPONSE],
    )
    def post(self, request: Request) -> Response:
        data, ignored = inputs.validated_input(inputs.AnalyzeProgressInput, request)
        user = ai_user(request, data.pop("user_id", None))
        language = request_language(request)
        date_from, date_to = data.get("date_from"), data.get("date_to")
        inline = data.get("workouts")
        if inline is None and user is None:
            raise serializers.ValidationError(
                {"workouts": ["Give `workouts` inline, or a `user_id` (or an access token) to analyse their logs."]}
            )
        if inline is not None:
            entries = analysis.workouts_from_inline(inline, date_from, date_to)
        else:
            assert user is not None
            entries = analysis.workouts_for_user(user, date_from, date_to)
        answer = _answer(
            endpoint="analyze-progress",
            purpose="analysis",
            # a user's analysis changes with each log: only inline analyses are cached (user is None)
            user=user,
            params={**data, "language": language},
            build=lambda: analysis.analyze_progress(
                entries, user=user, language=language, date_from=date_from, date_to=date_to
            ),
        )
        return Response(inputs.with_ignored(answer, ignored))


class SuggestExercisesView(AIView):
    @extend_schema(
        tags=["ai"],
        summary="Suggest exercises",
        description="Exercises for `target_muscles` (primary), using one of `equipment`, at a `difficulty`, ranked by "
        'semantic similarity to a free-text `context` ("knee-friendly", "posture", "no jumping") combined with '
        "the lexical search; each with a similarity score (0..1) and the reason it was chosen. Limitations named "
        f"in the context exclude the exercises that load that area. {ENGINE_NOTE}",
        request=inputs.SuggestExercisesInput,
        responses={200: OpenApiTypes.OBJECT, **PROBLEMS},
        examples=[examples.SUGGEST_REQUEST, examples.SUGGEST_RESPONSE],
    )
    def post(self, request: Request) -> Response:
        data, ignored = inputs.validated_input(inputs.SuggestExercisesInput, request)
        user = ai_user(request, data.pop("user_id", None))
        language = request_language(request)
        suggest_request = suggestions.SuggestRequest(**data)
        answer = _answer(
            endpoint="suggest-exercises",
            purpose="suggest",
            user=user,
            params={**data, "language": language},
            build=lambda: suggestions.suggest_exercises(suggest_request, user=user, language=language),
        )
        return Response(inputs.with_ignored(answer, ignored))


class EventStreamRenderer(BaseRenderer):
    """Lets a client ask for `Accept: text/event-stream`; the chat view streams the events itself."""

    media_type = "text/event-stream"
    format = "sse"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return _sse("message", data)


def _sse(event: str, data: Any) -> bytes:
    """One Server-Sent Event; its data is JSON (a token is a JSON string), so it is always one line."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n".encode()


def _event_stream(first: dict[str, Any], rest: Iterator[dict[str, Any]]) -> Iterator[bytes]:
    yield _sse(first["event"], first["data"])
    for event in rest:
        yield _sse(event["event"], event["data"])


class ChatView(AIView):
    renderer_classes = [JSONRenderer, EventStreamRenderer]

    @extend_schema(
        tags=["ai"],
        summary="Talk to the coach",
        description="One message (1 to 4,000 characters) in English or French; the answer comes in the message's "
        "language. Without `session_id` a new session starts (anonymous allowed); the session keeps the last 10 "
        "messages verbatim and a running summary of older ones, and expires 24 hours after its last message. "
        "Chatting in an ended or expired session is a 409: start a new one. With `stream: true` (or "
        "`?stream=true`) the answer comes as Server-Sent Events, each `data` a JSON value: `start` (session id), "
        "`token` (text pieces that join into the reply), `reset` (the model failed mid-answer: drop the text so far, "
        "the rule-based answer follows), `error` (a problem) and `done` (the full answer, as without streaming). "
        f"WebSocket /ws/chat on the ASGI server streams the same events. {ENGINE_NOTE}",
        parameters=[OpenApiParameter("stream", OpenApiTypes.BOOL, description="Stream as Server-Sent Events.")],
        request=inputs.ChatInput,
        responses={200: OpenApiTypes.OBJECT, 409: OpenApiResponse(OpenApiTypes.OBJECT), **PROBLEMS},
        examples=[examples.CHAT_REQUEST, examples.CHAT_RESPONSE],
    )
    def post(self, request: Request) -> HttpResponseBase:
        data, ignored = inputs.validated_input(inputs.ChatInput, request)
        user = ai_user(request, data.pop("user_id", None))
        if user is not None:
            ai_daily_quota_take(user.id)
        stream_param = request.query_params.get("stream", "").lower()
        arguments = {
            "message": data["message"],
            "user": user,
            "session_id": data.get("session_id"),
            "language": data.get("language"),
        }
        if data["stream"] or stream_param in ("1", "true", "yes"):
            events = chat.chat_stream(**arguments)
            first = next(events)  # problems (unknown or ended session, abuse) surface here as 4xx
            response = StreamingHttpResponse(_event_stream(first, events), content_type="text/event-stream")
            response["Cache-Control"] = "no-cache"
            response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
            # Not gzipped: GZipMiddleware, which skips a response that names its encoding, would hold
            # the tokens in its compressor until a few kilobytes had gathered.
            response["Content-Encoding"] = "identity"
            return response
        return Response(inputs.with_ignored(chat.chat_turn(**arguments), ignored))

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(response, Response) and response.status_code >= 400:
            # problems are JSON, whatever the client asked for
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)


class SessionStartView(APIView):
    @extend_schema(
        tags=["ai"],
        summary="Start a chat session",
        description="Returns a `session_id` for POST /ai/chat. Anonymous sessions are allowed; with `user_id` or a "
        "token the session and its conversation are the user's.",
        request=inputs.SessionStartInput,
        responses={201: OpenApiTypes.OBJECT, **PROBLEMS},
        examples=[examples.SESSION_START_REQUEST, examples.SESSION_START_RESPONSE],
    )
    def post(self, request: Request) -> Response:
        data, ignored = inputs.validated_input(inputs.SessionStartInput, request)
        user = ai_user(request, data.get("user_id"))
        language = data.get("language") or request_language(request)
        session = memory.session_start(user=user, language=language)
        body = {
            "session_id": str(session.id),
            "user_id": str(user.id) if user else None,
            "language": session.language,
            "status": session.status,
            "started_at": session.started_at,
        }
        return Response(inputs.with_ignored(body, ignored), status=201)


class SessionEndView(APIView):
    @extend_schema(
        tags=["ai"],
        summary="End a chat session",
        description="Ends the session and clears its working memory. A user's session keeps its conversation and "
        "a summary; an anonymous session's messages are deleted. Ending an ended session is a 409.",
        request=None,
        responses={200: OpenApiTypes.OBJECT, 409: OpenApiResponse(OpenApiTypes.OBJECT), **PROBLEMS},
        examples=[examples.SESSION_END_RESPONSE],
    )
    def post(self, request: Request, session_id: uuid.UUID) -> Response:
        session = memory.session_end(session_id=session_id, user=_token_user(request))
        return Response(
            {
                "session_id": str(session.id),
                "status": session.status,
                "ended_at": session.ended_at,
                "summary": session.summary,
            }
        )


class ConversationView(APIView):
    @extend_schema(
        tags=["ai"],
        summary="A chat session's conversation",
        description="The messages (oldest first), the running summary of older ones and when the session expires. "
        "A user's session needs their token; an anonymous session is readable with its id. An expired anonymous "
        "session is deleted (404); a user's expired session stays readable by them, with status `expired`.",
        responses={200: OpenApiTypes.OBJECT, **PROBLEMS},
        examples=[examples.CONVERSATION_RESPONSE],
    )
    def get(self, request: Request, session_id: uuid.UUID) -> Response:
        return Response(memory.conversation_get(session_id=session_id, user=_token_user(request)))


class UserConversationsView(APIView):
    permission_classes = ME_PERMISSIONS

    @extend_schema(
        tags=["ai"],
        summary="A user's conversations with the coach",
        description="The user's chat sessions, newest first, with their message counts and summaries.",
        responses={200: OpenApiTypes.OBJECT, **PROBLEMS},
        examples=[examples.CONVERSATIONS_RESPONSE],
    )
    def get(self, request: Request, user_id: uuid.UUID | None = None) -> Response:
        user = user_for_request(request, user_id)
        return Response({"results": memory.user_conversations(user=user)})
