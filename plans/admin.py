"""Back-office curation of workout plans: plan exercises inline (grouped by week and day), the
featured flag and order (saved through plans.services, which invalidate the API cache), a preview of
the plan as the public API returns it, a "Duplicate plan" action, and each plan's recent changes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import transaction
from django.db.models import QuerySet
from django.forms import ModelForm
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from coach.embedding_index import refresh_after_edit
from movoai.admin_audit import AuditedAdminMixin, log_bulk_addition
from movoai.api import render_json
from plans import selectors
from plans.api.serializers import WorkoutPlanDetailSerializer
from plans.models import PlanExercise, WorkoutPlan
from plans.services import (
    plan_content_changed,
    plan_duplicate,
    plan_exercises_make_room,
    plan_featured_update,
)

# The table's CHECK constraints (db/schema.sql), as form errors rather than database errors.
PLAN_EXERCISE_RANGES = {
    "week_number": (1, 52),
    "day_number": (1, 7),
    "order_in_day": (1, 999),
    "sets": (1, 20),
    "reps": (1, 200),
    "duration_seconds": (1, 7200),
    "rest_seconds": (0, 900),
}
POSITION_FIELDS = ("week_number", "day_number", "order_in_day")


class PlanExerciseForm(ModelForm):  # type: ignore[type-arg]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, (low, high) in PLAN_EXERCISE_RANGES.items():
            field = self.fields.get(name)
            if field is not None:
                field.validators += [MinValueValidator(low), MaxValueValidator(high)]
                field.widget.attrs.update(min=low, max=high)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("reps") is None and cleaned.get("duration_seconds") is None and "reps" not in self.errors:
            self.add_error("reps", "Give reps or a duration.")
        week, plan = cleaned.get("week_number"), getattr(self.instance, "plan", None)
        if week is not None and plan is not None and plan.weeks and week > plan.weeks:
            self.add_error("week_number", f"The plan has {plan.weeks} weeks: week {week} is after its last week.")
        return cleaned


class PlanExerciseFormSet(BaseInlineFormSet):  # type: ignore[type-arg]
    def clean(self) -> None:
        super().clean()
        seen: set[tuple[Any, ...]] = set()
        clashes = []
        for form in self.forms:
            cleaned = getattr(form, "cleaned_data", None)
            if not cleaned or cleaned.get("DELETE"):
                continue
            position = tuple(cleaned.get(name) for name in POSITION_FIELDS)
            if None in position:
                continue
            if position in seen:
                week, day, order = position
                clashes.append(f"week {week}, day {day}, position {order}")
            seen.add(position)
        shown = [form.instance.pk for form in self.forms if form.instance.pk]
        if self.instance.pk is not None:
            elsewhere = (
                PlanExercise.objects.filter(plan=self.instance).exclude(id__in=shown).values_list(*POSITION_FIELDS)
            )
            clashes += [
                f"week {week}, day {day}, position {order}"
                for week, day, order in elsewhere
                if (week, day, order) in seen
            ]
        if clashes:
            raise forms.ValidationError(
                f"Two plan exercises share a place ({'; '.join(clashes)}): give each its own position in the day."
            )


class PlanExerciseInline(admin.TabularInline):  # type: ignore[type-arg]
    """The plan's exercises in week, day, order; a header row starts each week and each day
    (plans/templates/admin/plans/workoutplan/plan_exercises_tabular.html)."""

    model = PlanExercise
    form = PlanExerciseForm
    formset = PlanExerciseFormSet
    template = "admin/plans/workoutplan/plan_exercises_tabular.html"
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

    def get_queryset(self, request: HttpRequest) -> QuerySet[PlanExercise]:
        week = getattr(request, "plan_inline_week", None)
        queryset = super().get_queryset(request)
        return queryset if week is None else queryset.filter(week_number=week)

    def get_formset(self, request: HttpRequest, obj: WorkoutPlan | None = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        # read by the inline's template, above the table
        return type(formset.__name__, (formset,), {"week_navigation": _week_navigation(request, obj)})


# Form fields a plan exercise row sends (its 10 fields, id, plan, DELETE), and the plan's own.
FIELDS_PER_ROW = 13
PLAN_FORM_FIELDS = 40


def _all_weeks_fit(row_count: int) -> bool:
    """Whether the form with every row stays under Django's cap on the number of fields a POST
    may send (DATA_UPLOAD_MAX_NUMBER_FIELDS): past it, saving would answer 400."""
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    return limit is None or PLAN_FORM_FIELDS + FIELDS_PER_ROW * row_count <= limit


def inline_week(request: HttpRequest, plan: WorkoutPlan | None) -> int | None:
    """The week whose plan exercises the change form edits (None: every week). ?week=N picks one,
    ?week=all every week; by default every week when they fit in one form, else week 1."""
    if plan is None or plan.pk is None:
        return None
    asked = request.GET.get("week", "")
    if asked.isdigit() and 1 <= int(asked) <= max(plan.weeks, 1):
        return int(asked)
    rows = plan.plan_exercises.count()
    if asked == "all" or _all_weeks_fit(rows):
        return None
    return 1


def _week_navigation(request: HttpRequest, plan: WorkoutPlan | None) -> SafeString:
    if plan is None or plan.pk is None:
        return format_html("{}", "")
    selected = getattr(request, "plan_inline_week", None)
    links = [
        format_html('<strong class="plan-week-selected">Week {}</strong>', week)
        if week == selected
        else format_html('<a href="?week={}" class="plan-week-link">Week {}</a>', week, week)
        for week in range(1, plan.weeks + 1)
    ]
    if selected is None:
        links.append(format_html('<strong class="plan-week-selected">{}</strong>', "All weeks"))
    elif _all_weeks_fit(plan.plan_exercises.count()):
        links.append(format_html('<a href="?week=all" class="plan-week-link">{}</a>', "All weeks"))
    note = (
        ""
        if selected is None
        else f"Showing week {selected} only: save before switching weeks. A row moved to another week is saved there."
    )
    return format_html(
        '<p class="plan-week-navigation">{} <span class="help">{}</span></p>',
        format_html_join(" · ", "{}", ((link,) for link in links)),
        note,
    )


class WorkoutPlanForm(ModelForm):  # type: ignore[type-arg]
    """The change form and the changelist rows: the featured flag and the order are one setting.
    Typing an order features the plan; unticking "featured" clears its order; ticking it without
    an order puts the plan after the other featured plans; clearing the order stops featuring it."""

    class Meta:
        model = WorkoutPlan
        fields = (
            "slug",
            "name_en",
            "name_fr",
            "description_en",
            "description_fr",
            "goal",
            "difficulty",
            "weeks",
            "days_per_week",
            "equipment_setting",
            "is_template",
            "is_featured",
            "featured_order",
            "created_by",
            "source",
            "copied_from",
        )
        help_texts = {
            "featured_order": "Position among the featured plans (1 first). An order features the plan; "
            "unticking “featured” clears it.",
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "is_featured" in self.changed_data:  # the tick box decides
            if not cleaned.get("is_featured"):
                cleaned["featured_order"] = None
        elif "featured_order" in self.changed_data:  # the order decides
            cleaned["is_featured"] = cleaned.get("featured_order") is not None
        is_template = cleaned.get("is_template", self.instance.is_template)
        if cleaned.get("is_featured") and not is_template:
            field = "is_featured" if "is_featured" in self.fields else "featured_order"
            self.add_error(field, "Only a template plan can be featured.")
        return cleaned


def _api_json(plan: WorkoutPlan, lang: str) -> str:
    """GET /api/v1/workout-plans/{id}?lang=… as the API builds it (same selector, same
    serializer, same renderer), pretty-printed."""
    scheduled = selectors.template_plan_with_schedule(plan_id=plan.id)
    if scheduled is None:
        return ""
    body = render_json(WorkoutPlanDetailSerializer(scheduled, context={"lang": lang}).data)
    return json.dumps(json.loads(body), indent=2, ensure_ascii=False)


@admin.register(WorkoutPlan)
class WorkoutPlanAdmin(AuditedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    form = WorkoutPlanForm
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
    readonly_fields = ("created_at", "updated_at", "recent_changes", "api_preview")
    raw_id_fields = ("created_by", "copied_from")
    actions = ("duplicate_plans",)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "slug",
                    ("name_en", "name_fr"),
                    "description_en",
                    "description_fr",
                    ("goal", "difficulty", "equipment_setting"),
                    ("weeks", "days_per_week"),
                )
            },
        ),
        ("Template and featured", {"fields": ("is_template", ("is_featured", "featured_order"))}),
        ("Origin", {"fields": ("source", "created_by", "copied_from", "created_at", "updated_at")}),
        ("Recent changes", {"fields": ("recent_changes",)}),
        ("Preview: the public API", {"fields": ("api_preview",), "classes": ("collapse",)}),
    )

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        plan = self.get_object(request, object_id) if object_id else None
        request.plan_inline_week = inline_week(request, plan)  # type: ignore[attr-defined]
        return super().changeform_view(request, object_id, form_url, extra_context)

    def response_change(self, request: HttpRequest, obj: WorkoutPlan) -> HttpResponse:
        response = super().response_change(request, obj)
        week = request.GET.get("week")
        if "_continue" in request.POST and week and isinstance(response, HttpResponseRedirect):
            separator = "&" if "?" in response["Location"] else "?"
            response["Location"] = f"{response['Location']}{separator}week={week}"
        return response

    def get_changelist_form(self, request: HttpRequest, **kwargs: Any) -> type[ModelForm]:  # type: ignore[type-arg]
        return super().get_changelist_form(request, form=WorkoutPlanForm, **kwargs)

    @admin.display(description="As GET /api/v1/workout-plans/{id} returns it")
    def api_preview(self, plan: WorkoutPlan | None) -> SafeString:
        if plan is None or plan.pk is None:
            return format_html("{}", "Not saved yet.")
        url = reverse("plan-detail", args=[plan.id])
        english = _api_json(plan, "en")
        if not english:
            return format_html(
                "<p>Not served by the public API: <code>GET {}</code> answers 404 for a plan that is not a "
                "template.</p>",
                url,
            )
        return format_html(
            '<div class="api-preview"><p>The saved plan, as <a href="{}?lang=en">GET {}</a> returns it.</p>'
            '<details open><summary>lang=en</summary><pre class="api-preview-json" data-lang="en" '
            'style="max-height:32em;overflow:auto">{}</pre></details>'
            '<details><summary>lang=fr</summary><pre class="api-preview-json" data-lang="fr" '
            'style="max-height:32em;overflow:auto">{}</pre></details></div>',
            url,
            url,
            english,
            _api_json(plan, "fr"),
        )

    @admin.action(description="Duplicate plan")
    def duplicate_plans(self, request: HttpRequest, queryset: QuerySet[WorkoutPlan]) -> None:
        with transaction.atomic():
            pairs = [(plan, plan_duplicate(plan=plan)) for plan in queryset.order_by("id")]
            originals = {copy.id: plan for plan, copy in pairs}
            log_bulk_addition(
                user=request.user,
                objects=[copy for _plan, copy in pairs],
                message=lambda copy: (
                    f"Duplicated from “{originals[copy.id]}” (#{originals[copy.id].id}) with the “Duplicate plan” "
                    "action."
                ),
            )
        self._refresh_embeddings(request, [copy.id for _plan, copy in pairs if copy.is_template])
        links = format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            ((reverse("admin:plans_workoutplan_change", args=[copy.id]), copy.name_en) for _plan, copy in pairs),
        )
        self.message_user(request, format_html("Duplicated {} plan(s): {}.", len(pairs), links), messages.SUCCESS)

    def _refresh_embeddings(self, request: HttpRequest, plan_ids: Sequence[int]) -> None:
        if not plan_ids:
            return
        problem = refresh_after_edit(plan_ids=list(plan_ids))
        if problem:
            self.message_user(request, f"Saved; the search embedding was not refreshed: {problem}", messages.WARNING)

    def save_model(self, request: HttpRequest, obj: WorkoutPlan, form: ModelForm, change: bool) -> None:  # type: ignore[type-arg]
        super().save_model(request, obj, form, change)
        if {"is_featured", "featured_order"} & set(form.changed_data):
            plan_featured_update(plan=obj, is_featured=obj.is_featured, featured_order=obj.featured_order)
        plan_content_changed()

    def save_formset(self, request: HttpRequest, form: ModelForm, formset: Any, change: bool) -> None:  # type: ignore[type-arg]
        if isinstance(formset, PlanExerciseFormSet):
            # Rows that move or go away leave their places first: a swap must not collide half way.
            deleted = set(formset.deleted_forms)
            moving = [
                inline.instance.pk
                for inline in formset.initial_forms
                if inline.instance.pk and (inline in deleted or set(POSITION_FIELDS) & set(inline.changed_data))
            ]
            if moving:
                plan_exercises_make_room(plan_exercise_ids=moving)
        super().save_formset(request, form, formset, change)

    def save_related(self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool) -> None:  # type: ignore[type-arg]
        super().save_related(request, form, formsets, change)
        plan_content_changed()
        # after the inlines: a plan's embedded text lists its exercises
        self._refresh_embeddings(request, [form.instance.id])

    def delete_model(self, request: HttpRequest, obj: WorkoutPlan) -> None:
        super().delete_model(request, obj)
        plan_content_changed()
