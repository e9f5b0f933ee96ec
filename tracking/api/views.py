"""Tracking endpoints under /api/v1/users/me (and the deprecated /api/v1/users/{user_id}): assigned
plans, workout logs, guest data. Each view serves the user accounts.access.user_for_request resolves:
the token's user, or under the legacy rules an unclaimed anonymous account by its id.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status as http
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import ME_PERMISSIONS, user_for_request
from accounts.models import User
from movoai import cache_keys
from movoai.api import json_response, render_json, request_language
from movoai.errors import PROBLEM_CONTENT_TYPE, problem
from movoai.pagination import PageNumberPagination
from plans.api.serializers import plan_detail
from plans.selectors import plan_with_schedule
from tracking import selectors, services
from tracking.api import examples
from tracking.api.serializers import (
    BatchResultSerializer,
    GuestMigrationInput,
    MigrationReportSerializer,
    UserPlanAssignInput,
    UserPlanDetailSerializer,
    UserPlanListParams,
    UserPlanSerializer,
    UserPlanStatusInput,
    WorkoutLogBatchInput,
    WorkoutLogFields,
    WorkoutLogInput,
    WorkoutLogListParams,
    WorkoutLogSerializer,
    user_plan_detail,
    user_plan_item,
    workout_log_item,
)
from tracking.models import UserPlan, UserWorkoutLog

ONLY_KEY = (
    "Send the user's access token (`Authorization: Bearer <access>`); no token, or an expired or bad one, is a "
    "401 problem."
)
PROBLEMS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Bad input: a problem naming each field."),
    401: OpenApiResponse(OpenApiTypes.OBJECT, description="No access token, or a bad or expired one: a problem."),
    404: OpenApiResponse(OpenApiTypes.OBJECT, description="Unknown user, plan or log: a problem."),
}
MAX_ID = 2**63 - 1


def _user_plan(user: User, user_plan_id: int) -> UserPlan:
    user_plan = selectors.user_plan_get(user=user, user_plan_id=user_plan_id) if user_plan_id <= MAX_ID else None
    if user_plan is None:
        raise NotFound(f"This user has no assigned plan {user_plan_id}.")
    return user_plan


def _log(user: User, log_id: uuid.UUID) -> UserWorkoutLog:
    log = selectors.workout_log_get(user=user, log_id=log_id)
    if log is None:
        raise NotFound(f"This user has no workout log {log_id}.")
    return log


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-cache"
    return response


# ---- assigned plans --------------------------------------------------------------------------------


class UserPlanListView(APIView):
    permission_classes = ME_PERMISSIONS
    pagination_class = PageNumberPagination  # the page envelope in the schema (the view paginates by hand)

    @extend_schema(
        tags=["tracking"],
        summary="A user's assigned plans",
        description=f"The plans the user follows, newest first, paginated, with their completion. Filter "
        f"`status=active|paused|completed`. {ONLY_KEY}",
        parameters=[OpenApiParameter("status", OpenApiTypes.STR, enum=["active", "paused", "completed"])],
        responses={200: UserPlanSerializer(many=True), **PROBLEMS},
        examples=[examples.USER_PLAN_PAGE],
    )
    def get(self, request: Request, user_id: uuid.UUID | None = None) -> Response:
        user = user_for_request(request, user_id)
        params = UserPlanListParams(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        lang = request_language(request)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            selectors.user_plan_list(user=user, status=params.validated_data.get("status")), request, view=self
        )
        return paginator.get_paginated_response([user_plan_item(up, lang) for up in page or []])

    @extend_schema(
        tags=["tracking"],
        summary="Assign a plan",
        description=f"Assign a template plan (or one of the user's own custom plans) to the user, status `active`, "
        f"starting on `start_date` (week 1 day 1; default the user's today). An unknown plan or user is a 404. "
        f"With an `id` (a UUID the client makes), it is safe to retry: the same `id` again returns the stored "
        f"assignment (200) and creates nothing, even when two retries race; the same `id` for another plan or "
        f"another `start_date` is a 409. 201 when created. {ONLY_KEY}",
        request=UserPlanAssignInput,
        responses={
            201: UserPlanSerializer,
            200: UserPlanSerializer,
            409: OpenApiResponse(OpenApiTypes.OBJECT),
            **PROBLEMS,
        },
        examples=[examples.ASSIGN_REQUEST, examples.USER_PLAN],
    )
    def post(self, request: Request, user_id: uuid.UUID | None = None) -> Response:
        user = user_for_request(request, user_id)
        data = UserPlanAssignInput(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["plan_id"] > MAX_ID:
            raise NotFound(f"No plan with id {data.validated_data['plan_id']}.")
        user_plan, created = services.user_plan_record(
            user=user,
            plan_id=data.validated_data["plan_id"],
            start_date=data.validated_data.get("start_date"),
            client_id=data.validated_data.get("id"),
        )
        user_plan = selectors.user_plan_list(user=user).get(id=user_plan.id)
        return Response(
            user_plan_item(user_plan, request_language(request)),
            status=http.HTTP_201_CREATED if created else http.HTTP_200_OK,
        )


class UserPlanDetailView(APIView):
    permission_classes = ME_PERMISSIONS

    @extend_schema(
        tags=["tracking"],
        summary="An assigned plan with its progress",
        description="The plan's schedule (weeks, seven days each with its date, plan exercises in order) with the "
        "progress under this assignment: each plan exercise's logs and whether it is logged, each day's and "
        f"week's completion, the next scheduled workout (week, day, date) and the overall completion. {ONLY_KEY}",
        responses={200: UserPlanDetailSerializer, **PROBLEMS},
        examples=[examples.USER_PLAN_DETAIL],
    )
    def get(self, request: Request, user_plan_id: int, user_id: uuid.UUID | None = None) -> HttpResponse:
        user = user_for_request(request, user_id)
        lang = request_language(request)
        user_plan = _user_plan(user, user_plan_id)
        today = selectors.user_today(user=user)

        def build() -> bytes:
            plan = plan_with_schedule(plan_id=user_plan.plan_id)
            assert plan is not None  # the assignment's foreign key keeps its plan
            progress = selectors.user_plan_progress(user_plan=user_plan, plan=plan, today=today)
            return render_json(user_plan_detail(user_plan, plan, progress, lang))

        key = cache_keys.user_plan_detail(user.id, user_plan.id, lang, today.isoformat())
        return _private(json_response(cache_keys.cached_bytes(lambda: key, build), lang=lang))

    @extend_schema(
        tags=["tracking"],
        summary="Change an assigned plan's status",
        description="`active` <-> `paused`, `active` or `paused` -> `completed` (completed_at is set). A completed "
        f"plan cannot change again (409): assign the plan anew to redo it. {ONLY_KEY}",
        request=UserPlanStatusInput,
        responses={200: UserPlanSerializer, 409: OpenApiResponse(OpenApiTypes.OBJECT), **PROBLEMS},
        examples=[examples.STATUS_REQUEST, examples.USER_PLAN],
    )
    def put(self, request: Request, user_plan_id: int, user_id: uuid.UUID | None = None) -> Response:
        user = user_for_request(request, user_id)
        user_plan = _user_plan(user, user_plan_id)
        data = UserPlanStatusInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.user_plan_set_status(user_plan=user_plan, status=data.validated_data["status"])
        user_plan = selectors.user_plan_list(user=user).get(id=user_plan.id)
        return Response(user_plan_item(user_plan, request_language(request)))

    @extend_schema(
        tags=["tracking"],
        summary="Remove an assigned plan",
        description=f"Removes the assignment. The user's logs stay in their history. {ONLY_KEY}",
        responses={204: None, 401: PROBLEMS[401], 404: PROBLEMS[404]},
        examples=[examples.NOT_FOUND],
    )
    def delete(self, request: Request, user_plan_id: int, user_id: uuid.UUID | None = None) -> Response:
        user = user_for_request(request, user_id)
        services.user_plan_remove(user_plan=_user_plan(user, user_plan_id))
        return Response(status=http.HTTP_204_NO_CONTENT)


class UserPlanCopyView(APIView):
    permission_classes = ME_PERMISSIONS

    @extend_schema(
        tags=["tracking"],
        summary="Copy an assigned plan into a custom plan",
        description="Forks the assignment's plan (a template, usually) into a custom plan owned by the user: the "
        "same weeks, days and plan exercises, not a template, never listed publicly. Assign it with "
        f"POST /users/me/plans to follow it. {ONLY_KEY}",
        request=None,
        responses={201: OpenApiTypes.OBJECT, 401: PROBLEMS[401], 404: PROBLEMS[404]},
        examples=[examples.COPY_RESPONSE],
    )
    def post(self, request: Request, user_plan_id: int, user_id: uuid.UUID | None = None) -> Response:
        user = user_for_request(request, user_id)
        copy = services.user_plan_copy(user_plan=_user_plan(user, user_plan_id))
        plan = plan_with_schedule(plan_id=copy.id)
        assert plan is not None
        lang = request_language(request)
        body = {**plan_detail(plan, lang), "plan_id": plan.id, "created_by": str(user.id)}
        return Response(body, status=http.HTTP_201_CREATED)


# ---- workout logs ----------------------------------------------------------------------------------


class WorkoutLogListView(APIView):
    permission_classes = ME_PERMISSIONS
    pagination_class = PageNumberPagination  # the page envelope in the schema (the view paginates by hand)

    @extend_schema(
        tags=["tracking"],
        summary="Workout history",
        description="The user's logs, newest first (date trained, then time logged), paginated. Filters "
        f"`start_date`, `end_date` (inclusive), `plan_exercise_id`, `user_plan_id`. {ONLY_KEY}",
        parameters=[
            OpenApiParameter("start_date", OpenApiTypes.DATE),
            OpenApiParameter("end_date", OpenApiTypes.DATE),
            OpenApiParameter("plan_exercise_id", OpenApiTypes.INT),
            OpenApiParameter("user_plan_id", OpenApiTypes.INT),
        ],
        responses={200: WorkoutLogSerializer(many=True), **PROBLEMS},
        examples=[examples.LOG_PAGE],
    )
    def get(self, request: Request, user_id: uuid.UUID | None = None) -> Response:
        user = user_for_request(request, user_id)
        params = WorkoutLogListParams(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        filters = {k: v for k, v in params.validated_data.items() if k not in ("page", "page_size", "lang")}
        lang = request_language(request) if "lang" in request.query_params else "en"
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.workout_log_list(user=user, **filters), request, view=self)
        return paginator.get_paginated_response([workout_log_item(log, lang) for log in page or []])

    @extend_schema(
        tags=["tracking"],
        summary="Log a workout",
        description="Records one exercise done: the plan exercise (of a plan the user has assigned or owns), the "
        "date trained (the user's date, at most one day ahead), sets, reps per set, weight, duration, RPE 1-10, "
        "notes. Send a client-made UUID `id` and retry freely: the same id again returns the stored log (200) and "
        f"creates nothing, even when two retries race. 201 when created. {ONLY_KEY}",
        request=WorkoutLogInput,
        responses={201: WorkoutLogSerializer, 200: WorkoutLogSerializer, 409: PROBLEMS[400], **PROBLEMS},
        examples=[examples.LOG_REQUEST, examples.LOG],
    )
    def post(self, request: Request, user_id: uuid.UUID | None = None) -> Response:
        user = user_for_request(request, user_id)
        data = WorkoutLogInput(data=request.data)
        data.is_valid(raise_exception=True)
        log, created = services.workout_log_record(user=user, data=data.to_log_input(data.validated_data))
        return Response(workout_log_item(log), status=http.HTTP_201_CREATED if created else http.HTTP_200_OK)


class WorkoutLogBatchView(APIView):
    permission_classes = ME_PERMISSIONS

    @extend_schema(
        tags=["tracking"],
        summary="Log many workouts at once (offline sync)",
        description="Up to 500 logs from the frontend's offline storage, all or nothing: when any item is invalid "
        "nothing is stored and the 400 problem lists every bad item (`items`: index, id, errors; `errors` keyed "
        f"`logs.<index>.<field>`). Idempotent per log id: a replayed batch stores nothing new. {ONLY_KEY}",
        request=WorkoutLogBatchInput,
        responses={200: BatchResultSerializer, 201: BatchResultSerializer, **PROBLEMS},
        examples=[examples.BATCH_REQUEST, examples.BATCH_RESULT],
    )
    def post(self, request: Request, user_id: uuid.UUID | None = None) -> Response:
        user = user_for_request(request, user_id)
        data = WorkoutLogBatchInput(data=request.data)
        if not data.is_valid():
            # items refused by the serializer (a negative count...) are reported per item too
            refused = _refused_items(data.errors, request.data, "logs")
            if refused:
                return _batch_problem(services.BatchInvalid(refused, "logs"), len(request.data["logs"]))
            raise ValidationError(data.errors)
        items = [services.LogInput(**item) for item in data.validated_data["logs"]]
        try:
            results = services.workout_log_record_batch(user=user, items=items)
        except services.BatchInvalid as invalid:
            return _batch_problem(invalid, len(items))
        created = sum(1 for _, was_created in results if was_created)
        body = {
            "created": created,
            "existing": len(results) - created,
            "logs": [workout_log_item(log) for log, _ in results],
        }
        return Response(body, status=http.HTTP_201_CREATED if created else http.HTTP_200_OK)


def _refused_items(errors: Any, raw: Any, field_name: str) -> list[dict[str, Any]]:
    """The items of the list `field_name` an input serializer refused, reported like the service's
    BatchInvalid: index, id (as sent), errors by field."""
    per_item = errors.get(field_name) if isinstance(errors, dict) else None
    raw_items = raw.get(field_name) if isinstance(raw, dict) else None
    if isinstance(per_item, list):
        by_index = dict(enumerate(per_item))
    elif isinstance(per_item, dict) and all(isinstance(index, int) for index in per_item):
        by_index = dict(per_item)  # DRF 3.15+: {index: errors} of the bad items only
    else:  # the list itself is refused (empty, too long, not a list)
        return []
    if not isinstance(raw_items, list):
        return []
    refused = []
    for index, item_errors in sorted(by_index.items()):
        if not item_errors:
            continue
        raw_item = raw_items[index] if index < len(raw_items) else None
        client_id = raw_item.get("id") if isinstance(raw_item, dict) else None
        if not isinstance(item_errors, dict):  # the item itself is refused (null, not an object)
            item_errors = {"non_field_errors": item_errors}
        refused.append(
            {
                "index": index,
                "id": None if client_id is None else str(client_id),
                "errors": {
                    name: [str(m) for m in (messages if isinstance(messages, list) else [messages])]
                    for name, messages in item_errors.items()
                },
            }
        )
    return refused


def _batch_problem(invalid: services.BatchInvalid, count: int) -> Response:
    errors = invalid.message_dict
    detail = f"{len(invalid.items)} of {count} items are invalid; nothing was stored."
    body = problem(400, detail, errors=errors, extra={"items": invalid.items})
    return Response(body, status=400, content_type=PROBLEM_CONTENT_TYPE)


class WorkoutLogDetailView(APIView):
    permission_classes = ME_PERMISSIONS

    @extend_schema(
        tags=["tracking"],
        summary="One workout log",
        description=f"A log of this user; another user's log id is a 404. {ONLY_KEY}",
        responses={200: WorkoutLogSerializer, 401: PROBLEMS[401], 404: PROBLEMS[404]},
        examples=[examples.LOG],
    )
    def get(self, request: Request, log_id: uuid.UUID, user_id: uuid.UUID | None = None) -> Response:
        return Response(workout_log_item(_log(user_for_request(request, user_id), log_id)))

    @extend_schema(
        tags=["tracking"],
        summary="Edit a workout log",
        description=f"Replaces the log's content, checked like a new log. Another user's log id is a 404. {ONLY_KEY}",
        request=WorkoutLogFields,
        responses={200: WorkoutLogSerializer, **PROBLEMS},
        examples=[examples.LOG_REQUEST, examples.LOG],
    )
    def put(self, request: Request, log_id: uuid.UUID, user_id: uuid.UUID | None = None) -> Response:
        user = user_for_request(request, user_id)
        log = _log(user, log_id)
        data = WorkoutLogFields(data=request.data)
        data.is_valid(raise_exception=True)
        log = services.workout_log_update(log=log, data=data.to_log_input(data.validated_data))
        return Response(workout_log_item(log))

    @extend_schema(
        tags=["tracking"],
        summary="Delete a workout log",
        description=f"Another user's log id, or one already deleted, is a 404. {ONLY_KEY}",
        responses={204: None, 401: PROBLEMS[401], 404: PROBLEMS[404]},
        examples=[examples.NOT_FOUND],
    )
    def delete(self, request: Request, log_id: uuid.UUID, user_id: uuid.UUID | None = None) -> Response:
        user = user_for_request(request, user_id)
        services.workout_log_delete(log=_log(user, log_id))
        return Response(status=http.HTTP_204_NO_CONTENT)


# ---- guest data ------------------------------------------------------------------------------------


class GuestMigrationView(APIView):
    permission_classes = ME_PERMISSIONS

    @extend_schema(
        tags=["tracking"],
        summary="Merge guest data from localStorage",
        description="Takes what the frontend kept while offline or as a guest: assigned plans (`plans`, each with "
        "its client id) and logs (`workout_logs`, each with its client id and, in `client_plan_id`, the client id "
        "of its assignment), and merges them into the user, all or nothing. Idempotent: what was merged before "
        f"(same client ids) is left as it is, so sending the same payload twice changes nothing. {ONLY_KEY}",
        request=GuestMigrationInput,
        responses={200: MigrationReportSerializer, 201: MigrationReportSerializer, **PROBLEMS},
        examples=[examples.MIGRATE_REQUEST, examples.MIGRATE_REPORT],
    )
    def post(self, request: Request, user_id: uuid.UUID | None = None) -> Response:
        user = user_for_request(request, user_id)
        data = GuestMigrationInput(data=request.data)
        data.is_valid(raise_exception=True)
        plans = [
            services.GuestPlan(
                client_id=item["id"], plan_id=item["plan_id"], start_date=item["start_date"], status=item["status"]
            )
            for item in data.validated_data["plans"]
        ]
        logs = []
        for item in data.validated_data["workout_logs"]:
            fields: dict[str, Any] = dict(item)
            client_plan_id = fields.pop("client_plan_id", None)
            logs.append((services.LogInput(**fields), client_plan_id))
        try:
            report = services.guest_data_migrate(user=user, plans=plans, logs=logs)
        except services.BatchInvalid as invalid:
            return _batch_problem(invalid, len(plans) + len(logs))
        body = {
            "plans": {"created": report.plans_created, "existing": report.plans_existing},
            "workout_logs": {"created": report.logs_created, "existing": report.logs_existing},
        }
        created = report.plans_created or report.logs_created
        return Response(body, status=http.HTTP_201_CREATED if created else http.HTTP_200_OK)
