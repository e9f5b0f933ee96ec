"""The multi-agent planner's routes under /api/v1/ai/agents, and the agents' feedback under
/api/v1/ai/feedback: thin views over coach.executions (create, read, resume executions),
coach.workflows.runner (the single-agent kinds run inside the request) and coach.feedback.

Every route needs the user's access token. Workflows (plan generation, plan optimisation, adaptive
workout) answer 202 at once with the execution to poll; the single-agent kinds (injury risk,
nutrition, motivation) run inside the request and answer 200 with the finished execution. Every
execution carries `engine` ("llm", "rules" or "mixed") at its top level once it has ended.
"""

from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import ME_PERMISSIONS, user_for_request
from accounts.models import User
from coach import executions, feedback
from coach.api.agents import examples
from coach.api.agents import serializers as io
from coach.api.serializers import validated_input, with_ignored
from coach.models import AgentExecution
from coach.validation import level_code
from coach.workflows import runner
from coach.workflows.context import current_plan
from movoai.api import reject_unknown_params, request_language
from movoai.errors import Conflict
from movoai.pagination import PageNumberPagination
from movoai.throttling import AIRateThrottle, PublicRateThrottle
from plans.models import WorkoutPlan

TAGS = ["ai-agents"]
Kind = AgentExecution.Kind
REUSED_HEADER = "X-Execution-Reused"
AUTH_NOTE = (
    "Send the user's access token (`Authorization: Bearer <access>`); without one, or with a bad or expired one, "
    "the answer is a 401 problem."
)
ASYNC_NOTE = (
    "Answers 202 at once with the execution (`execution_id`, `status` queued) and `Location`; follow it by polling "
    "`links.self` (GET /api/v1/ai/agents/executions/{id}), by Server-Sent Events (`links.events`) or by the "
    "WebSocket `links.websocket`. The same request again within AGENT_DEDUPE_SECONDS (60 s) returns the earlier "
    f"execution (202, header `{REUSED_HEADER}: true`) instead of running again."
)
INLINE_NOTE = (
    "Runs inside the request and answers 200 with the finished execution (as GET /executions/{id}): the agent's "
    "answer is in `output` (and `result`), its reasoning in `agents`. The same request again within "
    f"AGENT_DEDUPE_SECONDS (60 s) returns the earlier execution (header `{REUSED_HEADER}: true`)."
)
RULES_NOTE = (
    "Each agent uses its model when one is configured, else (or when the model fails) its rule-based "
    "implementation: `engine` says which (`llm`, `rules`, `mixed`). Request fields the endpoint does not read are "
    "named in `ignored_fields`; aliases that disagree are a 400 naming both."
)
LIMITS_NOTE = (
    "Limits: AGENT_EXECUTIONS_PER_DAY executions per user per UTC day and AGENT_MAX_CONCURRENT_PER_USER queued or "
    "running at once (429 problem with `Retry-After`), and AI_RATE_LIMIT requests a minute per IP."
)


def _problem(description: str, example: Any = None) -> OpenApiResponse:
    return OpenApiResponse(
        OpenApiTypes.OBJECT,
        description=f"Problem details: {description}",
        examples=[example] if example is not None else None,
    )


BAD_REQUEST = _problem("a bad value or a conflict between aliases, each named in `errors`.", examples.BAD_DAYS)
UNAUTHORIZED = _problem("no access token, or a bad or expired one.", examples.UNAUTHORIZED)
NOT_FOUND = _problem("no execution (or plan) with this id among the user's.", examples.NOT_FOUND)
TOO_MANY = _problem("the user's daily or concurrent executions are used up (`Retry-After`).", examples.LIMIT)
START_PROBLEMS = {400: BAD_REQUEST, 401: UNAUTHORIZED, 429: TOO_MANY}


# ---------------------------------------------------------------- helpers


def _language(request: Request, user: User) -> str:
    """`lang`, else Accept-Language, else the user's preferred language."""
    if "lang" in request.query_params or request.headers.get("Accept-Language"):
        return request_language(request)
    return user.preferred_language if user.preferred_language in ("en", "fr") else "en"


def _said(values: dict[str, Any]) -> dict[str, Any]:
    """The values a request gave (None and "" are "not said": the workflow fills them from the profile)."""
    return {name: value for name, value in values.items() if value is not None and value != ""}


def _reused(response: Response, created: bool) -> Response:
    if not created:
        response[REUSED_HEADER] = "true"
    return response


def _accepted(execution: AgentExecution, created: bool, ignored: list[str]) -> Response:
    body = with_ignored(dict(io.ExecutionAcceptedSerializer(execution).data), ignored)
    response = Response(body, status=202, headers={"Location": body["links"]["self"]})
    return _reused(response, created)


def _detail(execution: AgentExecution) -> dict[str, Any]:
    context = {"events_count": execution.events.count(), "usage": executions.execution_usage(execution.id)}
    return dict(io.ExecutionDetailSerializer(execution, context=context).data)


def _start(user: User, kind: str, input: dict[str, Any], ignored: list[str]) -> Response:
    execution, created = executions.execution_create(user=user, kind=kind, input=input)
    return _accepted(execution, created, ignored)


def _run_inline(user: User, kind: str, input: dict[str, Any], ignored: list[str]) -> Response:
    execution, created = executions.execution_create(user=user, kind=kind, input=input)
    if created:
        runner.run_inline(execution.id)
        execution.refresh_from_db()
    return _reused(Response(with_ignored(_detail(execution), ignored)), created)


def _plan_or_404(user: User, plan_id: int | None) -> WorkoutPlan | None:
    plan = current_plan(user, plan_id)
    if plan is None and plan_id is not None:
        raise NotFound(f"No plan {plan_id} that this user can follow (a template or one of their own plans).")
    return plan


class AgentsView(APIView):
    permission_classes = ME_PERMISSIONS


class StartView(AgentsView):
    """A view that starts an execution: the AI limit per IP on top of the public one."""

    throttle_classes = [PublicRateThrottle, AIRateThrottle]


# ---------------------------------------------------------------- the workflows (202)


class GeneratePlanView(StartView):
    @extend_schema(
        tags=TAGS,
        summary="Generate a multi-week plan",
        description="The plan generation workflow: the user's context and history, the progress analyst (when there "
        "is history), the exercise selector, the workout planner (periodisation, progressive overload, deload weeks), "
        "the injury-prevention review and validation against the library, the planner revising until both accept "
        "(at most AGENT_MAX_REVISIONS times). The plan is then saved as the user's own plan: `plan_id` of the "
        "finished execution, its schedule in `output.plan.weeks_detail`. With `start_date` it is assigned to them "
        "from that date (it appears in GET /api/v1/users/me/plans, with its progress); without, assign it with "
        'POST /api/v1/users/me/plans `{"plan_id": ...}` like any plan. With `review: true` the run pauses before '
        "saving (status `paused`, the draft in `output.review`): POST /executions/{id}/resume approves it or asks "
        "for changes.\n\n"
        "Input: `duration_weeks` (alias `weeks`, 1-12, default 4), `days_per_week` (1-6: every week keeps a rest "
        "day; default 3), `goals` (alias `goal`), `fitness_level`, `available_equipment` (alias `equipment`), "
        "`session_minutes` (15-120, default 45), `limitations`, `preferences`, `review`, `start_date`; "
        "`constraints` may carry `equipment`, `session_minutes` and `limitations` too. What the request leaves out "
        "comes from the user's profile (level, equipment, goals); the profile's limitations always count. Exercises "
        f"the user rejected in recent negative feedback are avoided. {ASYNC_NOTE} {RULES_NOTE} {LIMITS_NOTE} "
        f"{AUTH_NOTE}",
        request=io.GeneratePlanInput,
        responses={202: io.ExecutionAcceptedSerializer, **START_PROBLEMS},
        examples=[examples.GENERATE_REQUEST, examples.ACCEPTED],
    )
    def post(self, request: Request) -> Response:
        user = user_for_request(request)
        data, ignored = validated_input(io.GeneratePlanInput, request)
        start_date = data.pop("start_date")
        level = data.pop("level")
        input = _said(
            {
                **data,
                "fitness_level": level,
                "start_date": start_date.isoformat() if start_date else None,
                "language": _language(request, user),
            }
        )
        return _start(user, Kind.PLAN_GENERATION, input, ignored)


class OptimizePlanView(StartView):
    @extend_schema(
        tags=TAGS,
        summary="Suggest changes to the current plan",
        description="The plan optimisation workflow: the progress analyst reads the user's logs against their plan, "
        "then the workout planner suggests changes with reasons (`output.suggestions`: replace, add or remove a "
        "set, deload, add a rest day, progress the load). The plan itself is not changed. `plan_id` names a "
        "template or one of the user's own plans (else 404); without it, the plan of their active assignment. A user "
        f"who follows no plan gets a 409 problem. {ASYNC_NOTE} {LIMITS_NOTE} {AUTH_NOTE}",
        request=io.OptimizePlanInput,
        responses={
            202: io.ExecutionAcceptedSerializer,
            404: NOT_FOUND,
            409: _problem("the user follows no plan.", examples.NO_CURRENT_PLAN),
            **START_PROBLEMS,
        },
        examples=[examples.OPTIMIZE_REQUEST, examples.ACCEPTED_OPTIMIZATION],
    )
    def post(self, request: Request) -> Response:
        user = user_for_request(request)
        data, ignored = validated_input(io.OptimizePlanInput, request)
        plan = _plan_or_404(user, data.get("plan_id"))
        if plan is None:
            raise Conflict(
                "There is no current plan to optimise: this user follows no plan. Assign one "
                "(POST /api/v1/users/me/plans) or generate one (POST /api/v1/ai/agents/generate-plan) first."
            )
        input = {"plan_id": plan.id, "language": _language(request, user)}
        return _start(user, Kind.PLAN_OPTIMIZATION, input, ignored)


class AdaptiveWorkoutView(StartView):
    @extend_schema(
        tags=TAGS,
        summary="Today's workout, adapted to recovery",
        description="The adaptive workout workflow: the user's recent workouts, the progress analyst (recovery: "
        "muscles trained in the last two days, fatigue), the exercise selector (one session sparing what needs "
        "rest, or a rest day when recovery says so: `output.rest_day`) and the motivation coach. Input: "
        "`session_minutes` (15-120, default 45), `available_equipment` (alias `equipment`), `limitations`, "
        f"`fitness_level`; the profile fills the rest. {ASYNC_NOTE} {RULES_NOTE} {LIMITS_NOTE} {AUTH_NOTE}",
        request=io.AdaptiveWorkoutInput,
        responses={202: io.ExecutionAcceptedSerializer, **START_PROBLEMS},
        examples=[examples.ADAPTIVE_REQUEST, examples.ACCEPTED_ADAPTIVE],
    )
    def post(self, request: Request) -> Response:
        user = user_for_request(request)
        data, ignored = validated_input(io.AdaptiveWorkoutInput, request)
        level = data.pop("level")
        input = _said({**data, "fitness_level": level, "language": _language(request, user)})
        return _start(user, Kind.ADAPTIVE_WORKOUT, input, ignored)


# ---------------------------------------------------------------- the single agents (200)


class InjuryRiskView(StartView):
    @extend_schema(
        tags=TAGS,
        summary="Check planned exercises for injury risk",
        description="The injury-prevention agent reviews planned exercises: `exercises` (alias `planned_exercises`: "
        "`exercise_id`, `sets`, `reps`, `week`/`week_number`, `day`/`day_number`), or a plan (`plan_id`, else the "
        "user's current plan), against `limitations` (else the profile's) and `fitness_level` (else the profile's). "
        "The review (`output`) says whether it approves, the risk level, warnings (an exercise loading a stated "
        "limitation, risky combinations on one day such as two heavy lower-back hinges, volume, level), "
        "substitutions, a warm-up and a cool-down. Unknown exercise ids are a 400 naming them. It is not medical "
        f"advice. {INLINE_NOTE} {RULES_NOTE} {LIMITS_NOTE} {AUTH_NOTE}",
        request=io.InjuryRiskInput,
        responses={200: io.ExecutionAnswerSerializer, 404: NOT_FOUND, **START_PROBLEMS},
        examples=[examples.INJURY_REQUEST, examples.INJURY_RESPONSE],
    )
    def post(self, request: Request) -> Response:
        user = user_for_request(request)
        data, ignored = validated_input(io.InjuryRiskInput, request)
        exercises, plan_id = data["exercises"], data["plan_id"]
        if exercises is None:
            plan = _plan_or_404(user, plan_id)
            if plan is None:
                raise serializers.ValidationError(
                    {
                        "exercises": [
                            "Give the planned exercises (`exercises`) or a `plan_id`: this user follows no plan "
                            "to review."
                        ]
                    }
                )
            plan_id = plan.id
        limitations = data["limitations"] if data["limitations"] is not None else list(user.limitations or [])
        input = _said(
            {
                "exercises": exercises,
                "plan_id": plan_id,
                "limitations": limitations,
                "fitness_level": data["level"] or level_code(user.fitness_level),
                "language": _language(request, user),
            }
        )
        return _run_inline(user, Kind.INJURY_RISK, input, ignored)


NUTRITION_NEEDS = {
    "age": "your age (13-100)",
    "sex": "male, female, other or prefer_not_to_say (the equation differs)",
    "weight_kg": "your weight in kg",
    "height_cm": "your height in cm",
    "activity_level": f"how active your days are ({', '.join(io.ACTIVITY_LEVELS)})",
}


class NutritionView(StartView):
    @extend_schema(
        tags=TAGS,
        summary="Calories and macros",
        description="The nutrition advisor: basal metabolic rate (Mifflin-St Jeor), maintenance calories (times the "
        "activity factor), a target for the goal with safe floors, and macros (protein, carbs, fat in grams) that add "
        "up to the target (4/4/9 kcal per gram), with basic guidance. Never medical advice: no diets for conditions. "
        "Input: `age`, `sex` (alias `gender`: male or female), `weight_kg`, `height_cm`, `activity_level` (alias "
        "`daily_activity`: sedentary, lightly_active, moderately_active, very_active, extra_active, or words like "
        "moderate or active), `goal` (alias `goals`: fat_loss, weight_loss, maintenance, muscle_gain, ...). What the "
        "request leaves out comes from the profile; what is still missing is a 400 naming each field (the goal "
        f"defaults to maintenance). {INLINE_NOTE} {RULES_NOTE} {LIMITS_NOTE} {AUTH_NOTE}",
        request=io.NutritionInput,
        responses={200: io.ExecutionAnswerSerializer, **START_PROBLEMS},
        examples=[examples.NUTRITION_REQUEST, examples.NUTRITION_RESPONSE, examples.NUTRITION_MISSING],
    )
    def post(self, request: Request) -> Response:
        user = user_for_request(request)
        data, ignored = validated_input(io.NutritionInput, request)
        profile_goal = next(
            (goal for goal in (_profile_nutrition_goal(value) for value in user.fitness_goals or []) if goal), None
        )
        values: dict[str, Any] = {
            "age": data["age"] or user.age,
            "sex": data["sex"] or io.sex_from_profile(user.gender),
            "weight_kg": data["weight_kg"] or user.weight_kg,
            "height_cm": data["height_cm"] or user.height_cm,
            "activity_level": data["activity_level"] or io.activity_from_profile(user.daily_activity),
        }
        missing = {
            name: [f"Needed: {NUTRITION_NEEDS[name]}; it is not in the profile either."]
            for name, value in values.items()
            if value is None
        }
        if missing:
            raise serializers.ValidationError(missing)
        input = {
            **values,
            "age": int(values["age"]),
            "weight_kg": float(values["weight_kg"]),
            "height_cm": float(values["height_cm"]),
            "goal": data["goal"] or profile_goal or "maintenance",
            "language": _language(request, user),
        }
        return _run_inline(user, Kind.NUTRITION, input, ignored)


def _profile_nutrition_goal(value: str) -> str | None:
    try:
        return io.nutrition_goal_of(value)
    except serializers.ValidationError:
        return None


class MotivationView(StartView):
    @extend_schema(
        tags=TAGS,
        summary="A motivation boost",
        description="The motivation coach reads the user's adherence (sessions a week against their plan, streak, "
        "last workout) and answers with a message (`output.message`, tone welcome, celebrate, encourage or "
        "re_engage) and concrete next actions (`output.accountability`). No history: a welcome and a first step. "
        f"The body is empty (`{{}}`). {INLINE_NOTE} {RULES_NOTE} {LIMITS_NOTE} {AUTH_NOTE}",
        request=io.MotivationInput,
        responses={200: io.ExecutionAnswerSerializer, **START_PROBLEMS},
        examples=[examples.MOTIVATION_RESPONSE],
    )
    def post(self, request: Request) -> Response:
        user = user_for_request(request)
        _data, ignored = validated_input(io.MotivationInput, request)
        plan = current_plan(user)
        input = _said(
            {"planned_days_per_week": plan.days_per_week if plan else None, "language": _language(request, user)}
        )
        return _run_inline(user, Kind.MOTIVATION, input, ignored)


# ---------------------------------------------------------------- executions


class ExecutionListView(AgentsView):
    pagination_class = PageNumberPagination  # the page envelope in the schema (the view paginates by hand)

    @extend_schema(
        tags=TAGS,
        summary="The user's executions",
        description="The user's own executions, newest first, paginated (`page`, `page_size` up to 100). Filters: "
        f"`type` ({', '.join(io.KIND_CHOICES)}) and `status` ({', '.join(io.STATUS_CHOICES)}). "
        f"Each item is a summary; GET /executions/{{id}} has the result and the agents' reasoning. {AUTH_NOTE}",
        parameters=[
            OpenApiParameter("type", OpenApiTypes.STR, enum=io.KIND_CHOICES),
            OpenApiParameter("status", OpenApiTypes.STR, enum=io.STATUS_CHOICES),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT),
        ],
        responses={200: io.ExecutionSummarySerializer(many=True), 400: BAD_REQUEST, 401: UNAUTHORIZED},
        examples=[examples.EXECUTION_PAGE],
    )
    def get(self, request: Request) -> Response:
        user = user_for_request(request)
        reject_unknown_params(request, ("type", "status", "page", "page_size"))
        params = io.ExecutionListParams(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        paginator = self.pagination_class()
        found = executions.execution_list(
            user=user, kind=params.validated_data.get("type"), status=params.validated_data.get("status")
        )
        page = paginator.paginate_queryset(found, request, view=self)
        return paginator.get_paginated_response(io.ExecutionSummarySerializer(page or [], many=True).data)


def _own_execution(user: User, execution_id: uuid.UUID) -> AgentExecution:
    execution = executions.execution_get(user=user, execution_id=execution_id)
    if execution is None:
        raise NotFound(f"No execution {execution_id} among this user's.")
    return execution


class ExecutionDetailView(AgentsView):
    @extend_schema(
        tags=TAGS,
        summary="An execution: progress, result and reasoning",
        description="Poll this until `status` is succeeded, failed or paused. `progress` (0-100) and `current_step` "
        "say where the run is. Once finished: `output` (also as `result`; per type: plan_generation has `plan_id` and "
        "the plan, adaptive_workout the `session` or `rest_day`, plan_optimization the `suggestions`, injury_risk the "
        "review, nutrition the calories and macros, motivation the message), `engine` (llm, rules or mixed), "
        "`fallback_used` (a model failed and the rules answered), `variants` (A/B per agent), `agents` (one record "
        "per agent run: engine, variant, model, fallback reason, duration and its `reasoning`: each decision, why "
        "and the data behind it), `path` (the nodes of the workflow in the order they ran: the decision path, "
        "revisions included), `plan_id` (the saved plan) and `error` (failed). Another user's execution is a "
        f"404. {AUTH_NOTE}",
        responses={200: io.ExecutionDetailSerializer, 401: UNAUTHORIZED, 404: NOT_FOUND},
        examples=[examples.EXECUTION_DETAIL],
    )
    def get(self, request: Request, execution_id: uuid.UUID) -> Response:
        user = user_for_request(request)
        return Response(_detail(_own_execution(user, execution_id)))


class ExecutionResumeView(AgentsView):
    @extend_schema(
        tags=TAGS,
        summary="Resume a paused execution",
        description="A plan generation started with `review: true` pauses before saving the plan (status "
        "`paused`, the draft in `output.review`). `approve: true` saves it as it is; `approve: false` with `notes` "
        "(what to change, in words) sends it back to the planner, and the revised plan is checked again. Answers 202 "
        "(status queued; follow the execution as before). Only a paused execution can be resumed: otherwise a 409 "
        f"problem. Another user's execution is a 404. {AUTH_NOTE}",
        request=io.ResumeInput,
        responses={
            202: io.ExecutionAcceptedSerializer,
            400: BAD_REQUEST,
            401: UNAUTHORIZED,
            404: NOT_FOUND,
            409: _problem("the execution is not paused.", examples.NOT_PAUSED),
        },
        examples=[examples.RESUME_REQUEST, examples.ACCEPTED],
    )
    def post(self, request: Request, execution_id: uuid.UUID) -> Response:
        user = user_for_request(request)
        execution = _own_execution(user, execution_id)
        data, ignored = validated_input(io.ResumeInput, request)
        decision = {"approve": data["approve"], "notes": list(data["notes"])}
        try:
            resumed = executions.execution_resume(user=user, execution_id=execution.id, decision=decision)
        except AgentExecution.DoesNotExist:
            raise NotFound(f"No execution {execution_id} among this user's.") from None
        return _accepted(resumed, True, ignored)


# ---------------------------------------------------------------- feedback


class FeedbackView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="Rate an agent's work",
        description="The user's verdict on an agent (`agent_type`: "
        f"{', '.join(feedback.FEEDBACK_TYPES)}; alias `agent`), positive or negative (`rating`: positive, negative, "
        "+1 or -1; or the booleans `is_positive` / `positive`), with a `text` (alias `comment`), optionally on one of "
        "the user's executions (`execution_id`: another user's is a 404; the variant of the agent in that execution "
        "is recorded for the A/B statistics) and naming exercises the user rejects (`exercise_ids`, which must exist). "
        "Negative feedback on plans is used: the user's next plan generation avoids the exercises it rejects (listed, "
        f"or named in the text). Answers 201 with the stored feedback. {AUTH_NOTE}",
        request=io.FeedbackInput,
        responses={201: io.FeedbackSerializer, 400: BAD_REQUEST, 401: UNAUTHORIZED, 404: NOT_FOUND},
        examples=[examples.FEEDBACK_REQUEST, examples.FEEDBACK_RESPONSE],
    )
    def post(self, request: Request) -> Response:
        user = user_for_request(request)
        data, ignored = validated_input(io.FeedbackInput, request)
        execution = _own_execution(user, data["execution_id"]) if data["execution_id"] else None
        stored = feedback.feedback_create(
            user=user,
            agent_type=data["agent_type"],
            positive=data["positive"],
            text=data["text"],
            execution=execution,
            rejected_exercise_ids=data["exercise_ids"],
        )
        return Response(with_ignored(dict(io.FeedbackSerializer(stored).data), ignored), status=201)


class FeedbackStatsView(APIView):
    permission_classes = [IsAuthenticated, IsAdminUser]

    @extend_schema(
        tags=TAGS,
        summary="The agents' statistics (staff)",
        description="For staff only (another user's token is a 403). Over a period (`days`, default 30; or "
        "`since` and `until`, dates or ISO datetimes, `until` a date including that day), per agent and per "
        "workflow type: executions, succeeded and failed with their rates, `rules_rate` (runs the rules answered) "
        "and `fallback_rate` (runs where a configured model failed and the rules answered), p50 and p95 of the "
        "execution time in ms (per agent: its runs' duration), model calls, tokens and cost in USD (from the calls "
        "recorded against the executions), feedback count and positive rate; `variants` splits each by A/B "
        "variant (settings.AGENT_VARIANTS). Rates are 0..1 and null when there is nothing to divide.",
        parameters=[
            OpenApiParameter("days", OpenApiTypes.INT, description="The last N days (1-366), default 30."),
            OpenApiParameter("since", OpenApiTypes.STR, description="Start: a date or an ISO datetime."),
            OpenApiParameter("until", OpenApiTypes.STR, description="End: a date (included) or an ISO datetime."),
        ],
        responses={
            200: OpenApiTypes.OBJECT,
            400: BAD_REQUEST,
            401: UNAUTHORIZED,
            403: _problem("the token's user is not staff.", examples.FORBIDDEN),
        },
        examples=[examples.STATS_RESPONSE],
    )
    def get(self, request: Request) -> Response:
        reject_unknown_params(request, ("days", "since", "until"))
        params = io.FeedbackStatsParams(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        return Response(feedback.feedback_stats(**params.validated_data))
