"""Public exercise endpoints: thin views over selectors, rendered once and served from the cache."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.views import APIView

from exercises import selectors
from exercises.api import examples
from exercises.api.filters import AdvancedExerciseFilterSet, ExerciseFilterSet
from exercises.api.serializers import ExerciseDetailSerializer, ExerciseItemSerializer
from exercises.models import Exercise
from exercises.taxonomy import VOCABULARIES
from movoai import cache_keys
from movoai.api import json_response, reject_unknown_params, render_json, request_language
from movoai.views import LANG_PARAMETERS, CachedListView, CountedContentMixin

PUBLIC = "Public: no login, no authentication."
MAX_ID = 2**63 - 1


class ExerciseListView(CachedListView):
    queryset = Exercise.objects.none()
    serializer_class = ExerciseItemSerializer
    filterset_class = ExerciseFilterSet
    cache_key = staticmethod(cache_keys.exercise_list)

    def get_queryset(self) -> QuerySet[Exercise]:
        return selectors.exercise_list()

    def ranked(self, request: Request) -> bool:
        return bool(request.query_params.get("search"))

    @extend_schema(
        tags=["exercises"],
        summary="List exercises",
        description=f"{PUBLIC} The exercise library, 20 a page (page_size up to 100), filtered by difficulty, "
        "goal, primary muscles (muscles_match=any|all) and equipment (comma-separated), or by free text "
        "(`search`). Names and instructions come in the requested language, falling back to English "
        "(`name_language`, `instructions_language` say which). Unknown parameters or values are a 400.",
        parameters=LANG_PARAMETERS,
        examples=[examples.EXERCISE_PAGE],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:  # type: ignore[override]
        return self.list(request)


class ExerciseAdvancedFilterView(ExerciseListView):
    filterset_class = AdvancedExerciseFilterSet

    @extend_schema(
        tags=["exercises"],
        summary="Advanced exercise filter",
        description=f"{PUBLIC} Several muscles and equipment at once: primary muscles (any or all), secondary "
        "muscles, equipment (any or all), equipment to leave out, category, and whether French instructions "
        "or media exist.",
        parameters=LANG_PARAMETERS,
        examples=[examples.EXERCISE_PAGE],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:  # type: ignore[override]
        return self.list(request)


class ExerciseSearchView(ExerciseListView):
    cache_key = staticmethod(cache_keys.exercise_search)

    def extra_params(self) -> set[str]:
        return {"q"}

    def extra_key(self, request: Request) -> dict[str, Any]:
        return {"q": self._query(request)}

    def _query(self, request: Request) -> str:
        query = request.query_params.get("q", "").strip()
        if not query:
            raise ValidationError({"q": ["Required: the text to search for."]})
        if len(query) > 200:
            raise ValidationError({"q": ["At most 200 characters."]})
        return query

    def filter_results(self, queryset: QuerySet[Exercise], request: Request) -> QuerySet[Exercise]:
        return selectors.exercise_search(queryset, query=self._query(request))

    def ranked(self, request: Request) -> bool:
        return True

    @extend_schema(
        tags=["exercises"],
        summary="Search exercises",
        description=f"{PUBLIC} Ranked search over names (English and French), muscles and equipment: exact name, "
        "then names starting with the query, then every word found, then fuzzy matches. Accents, case, "
        "punctuation and glued words are ignored (`developpe couche`, `benchpress`, `pushup`), typos are "
        "tolerated, and French muscle and equipment words reach the taxonomy (`abdos`, `pectoraux`, "
        "`haltères`, `élastique`). Takes the filters of the list too.",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, required=True, description="Search text, 1 to 200 characters."),
            *LANG_PARAMETERS,
        ],
        examples=[examples.EXERCISE_PAGE],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:  # type: ignore[override]
        return self.list(request)


class ExerciseDetailView(CountedContentMixin, APIView):
    @extend_schema(
        tags=["exercises"],
        summary="One exercise",
        description=f"{PUBLIC} One exercise with its instructions in both languages (`instructions_fr` is null "
        "where no French text exists), its licence and the attribution each source requires.",
        parameters=LANG_PARAMETERS,
        responses={200: ExerciseDetailSerializer, 404: OpenApiTypes.OBJECT},
        examples=[examples.EXERCISE_DETAIL],
    )
    def get(self, request: Request, exercise_id: int) -> HttpResponse:
        lang = request_language(request)
        reject_unknown_params(request, {"lang"})

        def build() -> bytes:
            exercise = selectors.exercise_get(exercise_id=exercise_id) if exercise_id <= MAX_ID else None
            if exercise is None:
                raise NotFound(f"No exercise with id {exercise_id}.")
            return render_json(ExerciseDetailSerializer(exercise, context={"lang": lang}).data)

        body = self.content(request, cache_keys.exercise_detail(exercise_id, lang), build)
        return json_response(body, lang=lang)


class TaxonomyView(APIView):
    @extend_schema(
        tags=["exercises"],
        summary="Vocabulary of the filters",
        description=f"{PUBLIC} Every muscle, equipment, difficulty, goal and category code with its English "
        "and French labels: the values the filters accept. `label` is the one in the request's language "
        "(`lang`, else `Accept-Language`), for a client that shows one.",
        parameters=LANG_PARAMETERS,
        responses={200: inline_serializer("Taxonomy", {"muscles": serializers.ListField()})},
        examples=[
            OpenApiExample(
                "Taxonomy",
                value={"muscles": [{"code": "chest", "label": "Pectoraux", "en": "Chest", "fr": "Pectoraux"}]},
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> HttpResponse:
        lang = request_language(request)
        reject_unknown_params(request, {"lang"})
        body = {
            name: [
                {"code": code, "label": fr if lang == "fr" else en, "en": en, "fr": fr}
                for code, (en, fr) in vocabulary.items()
            ]
            for name, vocabulary in VOCABULARIES.items()
        }
        return json_response(render_json(body), lang=lang)
