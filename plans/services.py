"""Writes to workout plans. Content writes invalidate the cached library (one cache-key bump)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Max, Value, When
from django.utils import timezone

from exercises.models import Exercise
from movoai import cache_keys
from plans.models import PlanExercise, WorkoutPlan

_PLAN_FIELDS = (
    "name_en",
    "name_fr",
    "description_en",
    "description_fr",
    "goal",
    "difficulty",
    "weeks",
    "days_per_week",
    "equipment_setting",
)
_DOSE_FIELDS = ("exercise_id", "sets", "reps", "duration_seconds", "rest_seconds", "notes", "notes_fr")


@dataclass(frozen=True)
class PlanLoadResult:
    created: int
    updated: int
    unchanged: int


class UnknownExercise(ValueError):
    pass


@transaction.atomic
def template_plans_load(*, plans: list[dict[str, Any]]) -> PlanLoadResult:
    """Upsert template plans by slug. Plan exercises are matched by (week, day, order) and updated
    in place, so that workout logs pointing at them keep their link; running it twice changes
    nothing. Exercises are referred to by slug; an unknown slug aborts the whole load."""
    slugs = {entry["exercise_slug"] for plan in plans for entry in plan["exercises"]}
    exercise_ids = dict(Exercise.objects.filter(slug__in=slugs).values_list("slug", "id"))
    missing = sorted(slugs - set(exercise_ids))
    if missing:
        raise UnknownExercise(f"plans refer to exercises that are not loaded: {', '.join(missing[:10])}")

    existing = {plan.slug: plan for plan in WorkoutPlan.objects.filter(slug__in=[p["slug"] for p in plans])}
    created = updated = 0
    for spec in plans:
        plan = existing.get(spec["slug"])
        fields = {name: spec[name] for name in _PLAN_FIELDS}
        featured_order = spec.get("featured_order")
        fields.update(
            is_template=True,
            is_featured=featured_order is not None,
            featured_order=featured_order,
            source=WorkoutPlan.Source.TEMPLATE,
        )
        if plan is None:
            plan = WorkoutPlan.objects.create(slug=spec["slug"], **fields)
            created += 1
            changed = True
        else:
            changed = any(getattr(plan, name) != value for name, value in fields.items())
            if changed:
                for name, value in fields.items():
                    setattr(plan, name, value)
                plan.save()
        rows_changed = _sync_plan_exercises(plan, spec["exercises"], exercise_ids)
        if plan.slug in existing and (changed or rows_changed):
            updated += 1
    unchanged = len(plans) - created - updated
    if created or updated:
        transaction.on_commit(cache_keys.content_changed)
    return PlanLoadResult(created=created, updated=updated, unchanged=unchanged)


def _sync_plan_exercises(plan: WorkoutPlan, entries: list[dict[str, Any]], exercise_ids: dict[str, int]) -> bool:
    current = {(pe.week_number, pe.day_number, pe.order_in_day): pe for pe in plan.plan_exercises.all()}
    wanted: dict[tuple[int, int, int], dict[str, Any]] = {}
    for entry in entries:
        key = (entry["week_number"], entry["day_number"], entry["order"])
        wanted[key] = {
            "exercise_id": exercise_ids[entry["exercise_slug"]],
            "sets": entry["sets"],
            "reps": entry.get("reps"),
            "duration_seconds": entry.get("duration_seconds"),
            "rest_seconds": entry["rest_seconds"],
            "notes": entry.get("notes_en") or "",
            "notes_fr": entry.get("notes_fr") or "",
        }
    stale = [pe.id for key, pe in current.items() if key not in wanted]
    to_update = []
    for key, values in wanted.items():
        pe = current.get(key)
        if pe is not None and any(getattr(pe, name) != values[name] for name in _DOSE_FIELDS):
            for name in _DOSE_FIELDS:
                setattr(pe, name, values[name])
            to_update.append(pe)
    to_create = [
        PlanExercise(plan=plan, week_number=w, day_number=d, order_in_day=o, **values)
        for (w, d, o), values in wanted.items()
        if (w, d, o) not in current
    ]
    if stale:
        PlanExercise.objects.filter(id__in=stale).delete()
    if to_update:
        PlanExercise.objects.bulk_update(to_update, list(_DOSE_FIELDS), batch_size=500)
    if to_create:
        PlanExercise.objects.bulk_create(to_create, batch_size=500)
    return bool(stale or to_update or to_create)


@transaction.atomic
def plan_featured_order_set(*, plan: WorkoutPlan, featured_order: int | None) -> WorkoutPlan:
    """Feature a template plan at a position, or (None) stop featuring it."""
    plan.is_featured = featured_order is not None
    plan.featured_order = featured_order
    plan.updated_at = timezone.now()
    plan.save(update_fields=["is_featured", "featured_order", "updated_at"])
    transaction.on_commit(cache_keys.content_changed)
    return plan


def plan_content_changed() -> None:
    """Staff changed a plan (name, texts, exercises) through the back-office."""
    transaction.on_commit(cache_keys.content_changed)


def _plan_clone(plan: WorkoutPlan, **fields: Any) -> WorkoutPlan:
    """A new plan with `plan`'s texts, weeks and plan exercises (same exercises, same week, day and
    order, same doses), a fresh slug and `fields` for the rest (template flag, owner, source...)."""
    suffix = uuid.uuid4().hex[:8]
    copy = WorkoutPlan.objects.create(
        slug=f"{plan.slug[:180]}-copy-{suffix}",
        name_en=fields.pop("name_en", plan.name_en),
        name_fr=fields.pop("name_fr", plan.name_fr),
        description_en=plan.description_en,
        description_fr=plan.description_fr,
        goal=plan.goal,
        difficulty=plan.difficulty,
        weeks=plan.weeks,
        days_per_week=plan.days_per_week,
        equipment_setting=plan.equipment_setting,
        is_featured=False,
        featured_order=None,
        copied_from=plan,
        **fields,
    )
    PlanExercise.objects.bulk_create(
        [
            PlanExercise(
                plan=copy,
                exercise_id=pe.exercise_id,
                week_number=pe.week_number,
                day_number=pe.day_number,
                order_in_day=pe.order_in_day,
                sets=pe.sets,
                reps=pe.reps,
                duration_seconds=pe.duration_seconds,
                rest_seconds=pe.rest_seconds,
                notes=pe.notes,
                notes_fr=pe.notes_fr,
            )
            for pe in plan.plan_exercises.all()
        ],
        batch_size=500,
    )
    return copy


@transaction.atomic
def plan_copy(*, plan: WorkoutPlan, owner: Any) -> WorkoutPlan:
    """Fork a plan into a custom plan the owner can edit: the same texts, weeks and plan
    exercises, not a template, created_by the owner, remembering where it came from."""
    return _plan_clone(plan, is_template=False, created_by=owner, source=WorkoutPlan.Source.COPY)


def _with_suffix(name: str, suffix: str, max_length: int = 200) -> str:
    return f"{name[: max_length - len(suffix)]}{suffix}"


@transaction.atomic
def plan_duplicate(*, plan: WorkoutPlan) -> WorkoutPlan:
    """Staff duplicate a plan in the back-office (to make a variant of it): a copy named
    "... (copy)" ("... (copie)" in French) with a new slug and the same plan exercises by week and
    day, never featured; a template stays a template (owned by no one), a user's plan stays that
    user's. The copy remembers where it came from. A new template changes the public library, so
    the cached library is invalidated."""
    copy = _plan_clone(
        plan,
        name_en=_with_suffix(plan.name_en, " (copy)"),
        name_fr=_with_suffix(plan.name_fr, " (copie)") if plan.name_fr else "",
        is_template=plan.is_template,
        created_by_id=None if plan.is_template else plan.created_by_id,
        source=plan.source,
    )
    if copy.is_template:
        transaction.on_commit(cache_keys.content_changed)
    return copy


@transaction.atomic
def plan_featured_update(*, plan: WorkoutPlan, is_featured: bool, featured_order: int | None) -> WorkoutPlan:
    """The back-office's featured flag and order, saved with plan_featured_order_set's rules: a
    plan not featured has no order; a featured plan without an order goes after the other featured
    plans. Only a template plan can be featured: ValidationError (on is_featured) otherwise."""
    if not is_featured:
        return plan_featured_order_set(plan=plan, featured_order=None)
    if not plan.is_template:
        raise ValidationError({"is_featured": "Only a template plan can be featured."})
    if featured_order is None:
        others = WorkoutPlan.objects.filter(is_featured=True).exclude(id=plan.id)
        featured_order = (others.aggregate(last=Max("featured_order"))["last"] or 0) + 1
    return plan_featured_order_set(plan=plan, featured_order=featured_order)


# order_in_day is only CHECKed >= 1 (a smallint): positions from here up are free in any real plan.
_PARKING_ORDER = 30000


@transaction.atomic
def plan_exercises_make_room(*, plan_exercise_ids: list[int]) -> None:
    """Move these plan exercises out of the way before staff save their new week, day and order
    (or delete them): the table's UNIQUE (plan, week, day, order) is checked row by row, so two
    rows swapping places would otherwise collide half way."""
    ids = sorted(plan_exercise_ids)
    if not ids:
        return
    parked = Case(*(When(id=row_id, then=Value(_PARKING_ORDER + offset)) for offset, row_id in enumerate(ids)))
    PlanExercise.objects.filter(id__in=ids).update(order_in_day=parked)  # one UPDATE, not one a row
