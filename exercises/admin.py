"""Back-office curation of the exercise library. Saves go through the services, which invalidate
the API cache."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.forms import SimpleArrayField
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from coach.embedding_index import refresh_after_edit
from exercises.models import Exercise
from exercises.services import exercise_curated_saved


class MissingFrenchFilter(admin.SimpleListFilter):
    title = "French translation"
    parameter_name = "french"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("no_name", "Missing French name"), ("no_instructions", "Missing French instructions")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Exercise]) -> QuerySet[Exercise]:
        if self.value() == "no_name":
            return queryset.filter(exercise_fr__isnull=True)
        if self.value() == "no_instructions":
            return queryset.filter(instructions_fr__isnull=True)
        return queryset


class LinesField(SimpleArrayField):
    """A list edited one item a line: instructions hold commas, the default delimiter, so a comma
    must not split a step in two. Blank lines are no item."""

    def __init__(self, base_field: forms.Field, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 6}))
        super().__init__(base_field, delimiter="\n", **kwargs)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = "\n".join(line for line in value.splitlines() if line.strip())
        return super().to_python(value)


@admin.register(Exercise)
class ExerciseAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("id", "exercise_en", "exercise_fr", "exercise_fr_source", "difficulty", "goal", "category")
    list_filter = ("difficulty", "goal", "category", "exercise_fr_source", MissingFrenchFilter)
    search_fields = ("slug", "exercise_en", "exercise_fr")
    readonly_fields = ("created_at", "updated_at", "source", "source_ids", "attribution", "license")
    ordering = ("id",)
    formfield_overrides = {ArrayField: {"form_class": LinesField}}

    def save_model(self, request: HttpRequest, obj: Exercise, form: ModelForm, change: bool) -> None:  # type: ignore[type-arg]
        exercise_curated_saved(exercise=obj, changed_fields=list(form.changed_data))
        problem = refresh_after_edit(exercise_ids=[obj.id])
        if problem:
            self.message_user(request, f"Saved; its search embedding was not refreshed: {problem}", messages.WARNING)

    def delete_model(self, request: HttpRequest, obj: Exercise) -> None:
        super().delete_model(request, obj)
        exercise_curated_saved(exercise=None, changed_fields=[])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Exercise]) -> None:
        super().delete_queryset(request, queryset)  # the "delete selected" action
        exercise_curated_saved(exercise=None, changed_fields=[])
