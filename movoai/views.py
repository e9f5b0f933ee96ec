"""Project-wide views: health, and the base of the cached public list endpoints."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, cast

from django.core.cache import cache
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from movoai import cache_keys
from movoai.api import json_response, reject_unknown_params, render_json, request_language
from movoai.errors import OUTAGE_RETRY_AFTER_SECONDS
from movoai.pagination import PageNumberPagination
from movoai.throttling import PublicRateThrottle

logger = logging.getLogger("movoai.health")
COMPONENT_STATES = ["ok", "down"]
HEALTH_STATES = ["ok", "degraded", "down"]

LANG_PARAMETERS = [
    OpenApiParameter(
        "lang",
        OpenApiTypes.STR,
        enum=["en", "fr"],
        description="Response language. Default: the Accept-Language header, else English.",
    ),
    OpenApiParameter(
        "Accept-Language",
        OpenApiTypes.STR,
        location=OpenApiParameter.HEADER,
        required=False,
        description="Used when `lang` is absent, e.g. `fr-FR,fr;q=0.9`.",
    ),
]


class CountedContentMixin:
    """For the views that serve cached library content: the public rate limit is counted in the
    same Redis round trip as the cache read (cache_keys.content_bytes), where DRF would count it
    in a round trip of its own before the view runs. Other throttles run as usual. A request that
    fails before reading content (a bad parameter) is still counted, and answers 429 when over."""

    _public_throttle: PublicRateThrottle | None = None
    _public_counted = False

    def check_throttles(self, request: Request) -> None:
        view: Any = self
        durations = []
        self._public_throttle, self._public_counted = None, False
        for throttle in view.get_throttles():
            if type(throttle) is PublicRateThrottle and self._public_throttle is None:
                self._public_throttle = throttle
            elif not throttle.allow_request(request, view):
                durations.append(throttle.wait())
        if durations:
            view.throttled(request, max((d for d in durations if d is not None), default=None))

    def content(self, request: Request, key: str, build: Callable[[], bytes]) -> bytes:
        throttle, view = self._public_throttle, cast(APIView, self)
        if throttle is None or self._public_counted:
            return cache_keys.content_bytes(key, build)
        entry = throttle.entry(request)

        def admit(count: int) -> None:
            self._public_counted = True
            if not throttle.judge(count, entry):
                view.throttled(request, throttle.wait() or 1.0)

        return cache_keys.content_bytes(key, build, rate_limit=entry, admit=admit)

    def handle_exception(self, exc: Exception) -> Response:
        throttle, view = self._public_throttle, cast(APIView, self)
        if throttle is not None and not self._public_counted and not isinstance(exc, Throttled):
            self._public_counted = True
            if not throttle.allow_request(view.request, view):
                exc = Throttled(wait=throttle.wait())
        return cast(Response, super().handle_exception(exc))  # type: ignore[misc]


class CachedListView(CountedContentMixin, generics.ListAPIView):  # type: ignore[type-arg]
    """A public, paginated, filtered list rendered once per (filters, page, language, content
    version) and then served from Redis. Subclasses give the queryset, filterset and serializer."""

    filter_backends = [DjangoFilterBackend]
    pagination_class = PageNumberPagination
    cache_key: Callable[[dict[str, Any]], str]

    def extra_params(self) -> set[str]:
        return set()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:  # type: ignore[override]
        lang = request_language(request)
        filterset_class = self.filterset_class  # type: ignore[attr-defined]
        reject_unknown_params(
            request, {*filterset_class.base_filters, *self.extra_params(), "page", "page_size", "lang"}
        )
        # Keyed on the raw query (the page's next/previous links repeat it): a cached page is served
        # without building the filters; only a query that validated once was ever stored.
        key = type(self).cache_key(
            {
                "view": type(self).__name__,
                "lang": lang,
                "base": request.build_absolute_uri(request.path),
                "query": sorted((name, request.query_params.getlist(name)) for name in request.query_params),
                "extra": self.extra_key(request),
            }
        )

        def build() -> bytes:
            filterset = filterset_class(request.query_params, queryset=self.get_queryset(), request=request)
            if not filterset.is_valid():
                raise ValidationError(filterset.errors)
            paginator: PageNumberPagination = self.paginator  # type: ignore[assignment]
            paginator.validate(request)
            paginator.count_in_page = self.ranked(request)
            queryset = self.filter_results(filterset.qs, request)
            items = paginator.paginate_queryset(queryset, request, view=self)
            data = self.get_serializer(items, many=True, context={"lang": lang}).data
            return render_json(paginator.get_paginated_response(data).data)

        body = self.content(request, key, build)
        return json_response(body, lang=lang)

    def filter_results(self, queryset: QuerySet[Any], request: Request) -> QuerySet[Any]:
        return queryset

    def ranked(self, request: Request) -> bool:
        """Whether the results are ordered by a costly ranking (a free-text search): the page then
        carries its total (PageNumberPagination.count_in_page)."""
        return False

    def extra_key(self, request: Request) -> dict[str, Any]:
        return {}


@extend_schema(
    tags=["health"],
    summary="Service health",
    description="Public, no login. Whether the database and the cache answer. 200 when the database is up "
    "(the cache may be down: public reads bypass it), 503 when the database is down.",
    responses={
        200: inline_serializer(
            "Health",
            {
                "status": serializers.ChoiceField(HEALTH_STATES),
                "database": serializers.ChoiceField(COMPONENT_STATES),
                "cache": serializers.ChoiceField(COMPONENT_STATES),
            },
        ),
        503: OpenApiTypes.OBJECT,
    },
    examples=[
        OpenApiExample("Healthy", value={"status": "ok", "database": "ok", "cache": "ok"}, response_only=True),
    ],
)
class HealthView(APIView):
    throttle_classes: list[Any] = []

    def get(self, request: Request) -> JsonResponse:
        database = _probe(_database_ok)
        cache_state = _probe(_cache_ok)
        overall = "ok" if database == cache_state == "ok" else ("down" if database != "ok" else "degraded")
        body = {"status": overall, "database": database, "cache": cache_state}
        response = JsonResponse(body, status=200 if database == "ok" else 503)
        response["Cache-Control"] = "no-store"
        if database != "ok":
            response["Retry-After"] = str(OUTAGE_RETRY_AFTER_SECONDS)
        return response


def _probe(check: Callable[[], None]) -> str:
    try:
        check()
    except Exception as error:  # any failure of the dependency means it is down
        logger.warning("health check failed: %s: %s", check.__name__, error)
        return "down"
    return "ok"


def _database_ok() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache_ok() -> None:
    cache.get("health:probe")


def health(request: HttpRequest) -> HttpResponse:
    """/health at the root, for load balancers: the same answer as /api/v1/health."""
    view = HealthView.as_view()
    return view(request)
