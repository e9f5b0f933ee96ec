"""Public workout-plan endpoints: template plans, their schedules and the featured selection."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.views import APIView

from movoai import cache_keys
from movoai.api import json_response, reject_unknown_params, render_json, request_language
from movoai.views import LANG_PARAMETERS, CachedListView, CountedContentMixin
from plans import selectors
from plans.api import examples
from plans.api.filters import WorkoutPlanFilterSet
from plans.api.serializers import WorkoutPlanDetailSerializer, WorkoutPlanItemSerializer
from plans.models import WorkoutPlan

PUBLIC = "Public: no login, no authentication."
MAX_ID = 2**63 - 1


class WorkoutPlanListView(CachedListView):
    queryset = WorkoutPlan.objects.none()
    serializer_class = WorkoutPlanItemSerializer
    filterset_class = WorkoutPlanFilterSet
    cache_key = staticmethod(cache_keys.plan_list)

    def get_queryset(self) -> QuerySet[WorkoutPlan]:
        return selectors.template_plan_list()

    @extend_schema(
        tags=["workout plans"],
        summary="List template plans",
        description=f"{PUBLIC} The template workout plans, paginated, with name and description in the requested "
        "language (and both raw fields), goal, difficulty, weeks, days per week and the number of plan "
        "exercises. Filters: goal, difficulty, equipment_setting, days_per_week.",
        parameters=LANG_PARAMETERS,
        examples=[examples.PLAN_PAGE],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:  # type: ignore[override]
        return self.list(request)


class FeaturedPlanListView(WorkoutPlanListView):
    def get_queryset(self) -> QuerySet[WorkoutPlan]:
        return selectors.featured_plan_list()

    @extend_schema(
        tags=["workout plans"],
        summary="Featured plans",
        description=f"{PUBLIC} The template plans staff feature, in their curated order.",
        parameters=LANG_PARAMETERS,
        examples=[examples.PLAN_PAGE],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:  # type: ignore[override]
        return self.list(request)


class WorkoutPlanDetailView(CountedContentMixin, APIView):
    @extend_schema(
        tags=["workout plans"],
        summary="One template plan with its schedule",
        description=f"{PUBLIC} A template plan with its exercises grouped by week, then day of the week (rest "
        "days included, with no exercises), in order; each with sets, reps or duration, rest, notes and a "
        "short summary of the exercise (id, name, media). Deload weeks are marked.",
        parameters=LANG_PARAMETERS,
        responses={200: WorkoutPlanDetailSerializer, 404: OpenApiTypes.OBJECT},
        examples=[examples.PLAN_DETAIL],
    )
    def get(self, request: Request, plan_id: int) -> HttpResponse:
        lang = request_language(request)
        reject_unknown_params(request, {"lang"})

        def build() -> bytes:
            plan = selectors.template_plan_with_schedule(plan_id=plan_id) if plan_id <= MAX_ID else None
            if plan is None:
                raise NotFound(f"No template plan with id {plan_id}.")
            return render_json(WorkoutPlanDetailSerializer(plan, context={"lang": lang}).data)

        body = self.content(request, cache_keys.plan_detail(plan_id, lang), build)
        return json_response(body, lang=lang)
