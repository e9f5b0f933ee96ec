"""Back-office curation of the exercise library. Saves go through the services, which invalidate
the API cache; bulk actions write one admin log entry per exercise (movoai/admin_audit.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.forms import SimpleArrayField
from django.db.models import Q, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html

from coach.embedding_index import refresh_after_edit
from exercises.models import Exercise
from exercises.services import (
    exercise_bulk_mark_not_reviewed,
    exercise_bulk_mark_reviewed,
    exercise_bulk_set,
    exercise_curated_saved,
)
from exercises.taxonomy import EQUIPMENT, MUSCLES
from movoai.admin_audit import AuditedAdminMixin, log_bulk_change


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


class MuscleFilter(admin.SimpleListFilter):
    title = "primary muscle"
    parameter_name = "muscle"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(code, english) for code, (english, _french) in MUSCLES.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Exercise]) -> QuerySet[Exercise]:
        return queryset.filter(muscles__contains=[self.value()]) if self.value() else queryset


class EquipmentFilter(admin.SimpleListFilter):
    title = "equipment"
    parameter_name = "equipment"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(code, english) for code, (english, _french) in EQUIPMENT.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Exercise]) -> QuerySet[Exercise]:
        return queryset.filter(equipments__contains=[self.value()]) if self.value() else queryset


NO_MEDIA = Q(male_gif_urls=[], female_gif_urls=[], image_urls=[], alt_image_urls=[])


class MediaFilter(admin.SimpleListFilter):
    title = "media"
    parameter_name = "media"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("missing", "No GIF or image"), ("present", "Has a GIF or image")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Exercise]) -> QuerySet[Exercise]:
        if self.value() == "missing":
            return queryset.filter(NO_MEDIA)
        if self.value() == "present":
            return queryset.exclude(NO_MEDIA)
        return queryset


class ReviewedFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "reviewed"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Reviewed"), ("no", "Not reviewed")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Exercise]) -> QuerySet[Exercise]:
        if self.value() == "yes":
            return queryset.filter(reviewed_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(reviewed_at__isnull=True)
        return queryset


def _media_url(exercise: Exercise) -> str | None:
    """The picture that shows the exercise best: a frame image, else a GIF."""
    for urls in (exercise.image_urls, exercise.male_gif_urls, exercise.female_gif_urls, exercise.alt_image_urls):
        if urls:
            return urls[0]
    return None


def translation_coverage() -> str:
    """One line for the changelist: how much of the library has French."""
    exercises = Exercise.objects.all()
    total = exercises.count()
    named = exercises.filter(exercise_fr__isnull=False).exclude(exercise_fr="").count()
    instructed = exercises.filter(instructions_fr__isnull=False).exclude(instructions_fr=[]).count()

    def share(count: int) -> str:
        return f"{count}/{total} ({round(100 * count / total) if total else 0}%)"

    return (
        f"Translation coverage: French names {share(named)}, French instructions {share(instructed)}; "
        f"{total - named} exercises lack a French name (filter: French translation)."
    )


def _bulk_action(field: str, value: str, label: str) -> Any:
    def action(model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Exercise]) -> None:  # type: ignore[type-arg]
        exercises = list(queryset)
        changed = exercise_bulk_set(exercise_ids=[exercise.id for exercise in exercises], **{field: value})
        log_bulk_change(
            user=request.user,
            objects=exercises,
            message=lambda exercise: f"Set {field} to {value}, was {getattr(exercise, field) or 'none'} (bulk action).",
        )
        model_admin.message_user(request, f"{label}: {changed} exercises.", messages.SUCCESS)

    action.__name__ = f"set_{field}_{value}"
    return admin.action(description=label)(action)


@admin.action(description="Mark as reviewed")
def mark_reviewed(model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Exercise]) -> None:  # type: ignore[type-arg]
    exercises = list(queryset)
    changed = exercise_bulk_mark_reviewed(exercise_ids=[exercise.id for exercise in exercises], reviewer=request.user)
    log_bulk_change(user=request.user, objects=exercises, message="Marked as reviewed (bulk action).")
    model_admin.message_user(request, f"Marked as reviewed: {changed} exercises.", messages.SUCCESS)


@admin.action(description="Mark as not reviewed")
def mark_not_reviewed(model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Exercise]) -> None:  # type: ignore[type-arg]
    exercises = list(queryset)
    changed = exercise_bulk_mark_not_reviewed(exercise_ids=[exercise.id for exercise in exercises])
    log_bulk_change(user=request.user, objects=exercises, message="Marked as not reviewed (bulk action).")
    model_admin.message_user(request, f"Marked as not reviewed: {changed} exercises.", messages.SUCCESS)


BULK_ACTIONS = [
    mark_reviewed,
    mark_not_reviewed,
    *(_bulk_action("difficulty", code, f"Set difficulty to {code}") for code in Exercise.Difficulty.values),
    *(_bulk_action("goal", code, f"Set goal to {code.replace('_', ' ')}") for code in Exercise.Goal.values),
]


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
class ExerciseAdmin(AuditedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "id",
        "thumbnail",
        "exercise_en",
        "exercise_fr",
        "exercise_fr_source",
        "difficulty",
        "goal",
        "category",
        "reviewed",
    )
    list_display_links = ("id", "exercise_en")
    list_filter = (
        "difficulty",
        "goal",
        "category",
        MuscleFilter,
        EquipmentFilter,
        "exercise_fr_source",
        MissingFrenchFilter,
        MediaFilter,
        ReviewedFilter,
    )
    search_fields = ("slug", "exercise_en", "exercise_fr")
    readonly_fields = (
        "media_preview",
        "created_at",
        "updated_at",
        "source",
        "source_ids",
        "attribution",
        "license",
        "reviewed_at",
        "reviewed_by",
        "recent_changes",
    )
    ordering = ("id",)
    formfield_overrides = {ArrayField: {"form_class": LinesField}}
    actions = BULK_ACTIONS

    @admin.display(description="media")
    def thumbnail(self, exercise: Exercise) -> str:
        url = _media_url(exercise)
        if url is None:
            return "—"
        return format_html('<img src="{}" alt="" loading="lazy" style="height:48px;width:auto">', url)

    @admin.display(description="reviewed", boolean=True, ordering="reviewed_at")
    def reviewed(self, exercise: Exercise) -> bool:
        return exercise.reviewed_at is not None

    @admin.display(description="media preview")
    def media_preview(self, exercise: Exercise) -> str:
        urls = [*exercise.image_urls, *exercise.male_gif_urls, *exercise.female_gif_urls][:4]
        if not urls:
            return "No GIF or image for this exercise."
        return format_html(
            "".join('<img src="{}" alt="" style="height:160px;width:auto;margin-right:8px">' for _ in urls), *urls
        )

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if request.method == "GET":
            self.message_user(request, translation_coverage(), messages.INFO)
        return super().changelist_view(request, extra_context)

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
