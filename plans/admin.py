"""Back-office curation of workout plans: plan exercises inline, featured flag and order."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.forms import ModelForm
from django.http import HttpRequest

from coach.embedding_index import refresh_after_edit
from plans.models import PlanExercise, WorkoutPlan
from plans.services import plan_content_changed


class PlanExerciseInline(admin.TabularInline):  # type: ignore[type-arg]
    model = PlanExercise
    extra = 0
    autocomplete_fields = ("exercise",)
    fields = (
        "week_number",
        "day_number",
        "order_in_day",
        "exercise",
        "sets",
        "reps",
        "duration_seconds",
        "rest_seconds",
        "notes",
        "notes_fr",
    )
    ordering = ("week_number", "day_number", "order_in_day")


@admin.register(WorkoutPlan)
class WorkoutPlanAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "id",
        "name_en",
        "goal",
        "difficulty",
        "weeks",
        "days_per_week",
        "is_template",
        "is_featured",
        "featured_order",
    )
    list_editable = ("is_featured", "featured_order")
    list_filter = ("is_template", "is_featured", "goal", "difficulty", "equipment_setting")
    search_fields = ("slug", "name_en", "name_fr")
    ordering = ("featured_order", "id")
    inlines = (PlanExerciseInline,)
    readonly_fields = ("created_at", "updated_at")
    raw_id_fields = ("created_by", "copied_from")

    def save_model(self, request: HttpRequest, obj: WorkoutPlan, form: ModelForm, change: bool) -> None:  # type: ignore[type-arg]
        super().save_model(request, obj, form, change)
        plan_content_changed()

    def save_related(self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool) -> None:  # type: ignore[type-arg]
        super().save_related(request, form, formsets, change)
        plan_content_changed()
        # after the inlines: a plan's embedded text lists its exercises
        problem = refresh_after_edit(plan_ids=[form.instance.id])
        if problem:
            self.message_user(request, f"Saved; its search embedding was not refreshed: {problem}", messages.WARNING)

    def delete_model(self, request: HttpRequest, obj: WorkoutPlan) -> None:
        super().delete_model(request, obj)
        plan_content_changed()
