"""Writes to the exercise library. Every write invalidates the cached library (one cache-key bump)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from exercises.models import Exercise
from movoai import cache_keys

PROJECT_TRANSLATION_ATTRIBUTION = {
    "part": "exercise_fr",
    "source": "movoai",
    "author": "MovoAI translators (the project's own translation)",
    "license": "CC0-1.0",
    "license_url": "https://creativecommons.org/publicdomain/zero/1.0/",
    "url": "https://github.com/movoai/backend/blob/main/exercises/data/fr_names.json",
}

# Columns the loader owns. Media gifs and staff-edited French names are never overwritten by it.
_LOADED_FIELDS = (
    "exercise_en",
    "exercise_fr",
    "exercise_fr_source",
    "difficulty",
    "goal",
    "category",
    "force",
    "mechanic",
    "muscles",
    "secondary_muscles",
    "equipments",
    "instructions_en",
    "instructions_fr",
    "image_urls",
    "alt_image_urls",
    "source",
    "source_ids",
    "license",
    "attribution",
    "notes",
)


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int
    unchanged: int


def read_library_files(data_file: Path, fr_names_file: Path) -> tuple[list[dict[str, Any]], dict[str, str]]:
    records = json.loads(data_file.read_text(encoding="utf-8"))
    fr_names = json.loads(fr_names_file.read_text(encoding="utf-8"))
    return records, fr_names


def _row_from_record(record: dict[str, Any], fr_names: dict[str, str]) -> dict[str, Any]:
    """The table row for one record of the open dataset, with the project's French name where the
    dataset has none (its source marked, its licence added, its translators credited)."""
    license_expression = record["license"]
    attribution = list(record.get("attribution") or [])
    if record.get("exercise_fr"):
        french_name, french_source = record["exercise_fr"], Exercise.FrenchNameSource.DATASET
    elif record["slug"] in fr_names:
        french_name, french_source = fr_names[record["slug"]], Exercise.FrenchNameSource.PROJECT
        attribution.append(PROJECT_TRANSLATION_ATTRIBUTION)
        if "CC0-1.0" not in license_expression:
            license_expression = f"{license_expression} AND CC0-1.0"
    else:
        french_name, french_source = None, None
    return {
        "exercise_en": record["exercise_en"],
        "exercise_fr": french_name,
        "exercise_fr_source": french_source,
        "difficulty": record.get("difficulty"),
        "goal": record.get("goal"),
        "category": record.get("category") or "",
        "force": record.get("force"),
        "mechanic": record.get("mechanic"),
        "muscles": list(record.get("muscles") or []),
        "secondary_muscles": list(record.get("secondary_muscles") or []),
        "equipments": list(record.get("equipments") or []),
        "instructions_en": list(record.get("instructions_en") or []),
        "instructions_fr": list(record["instructions_fr"]) if record.get("instructions_fr") else None,
        "image_urls": list(record.get("image_urls") or []),
        "alt_image_urls": list(record.get("alt_image_urls") or []),
        "source": record.get("source") or "",
        "source_ids": record.get("source_ids") or {},
        "license": license_expression,
        "attribution": attribution,
        "notes": list(record.get("notes") or []),
    }


@transaction.atomic
def exercise_library_load(*, records: list[dict[str, Any]], fr_names: dict[str, str]) -> LoadResult:
    """Upsert the library by slug: new slugs are created, changed rows updated, the rest left
    alone, so running it again changes nothing. A French name edited by staff is kept."""
    existing = {exercise.slug: exercise for exercise in Exercise.objects.all()}
    now = timezone.now()
    to_create: list[Exercise] = []
    to_update: list[Exercise] = []
    for record in records:
        row = _row_from_record(record, fr_names)
        current = existing.get(record["slug"])
        if current is None:
            to_create.append(Exercise(slug=record["slug"], created_at=now, updated_at=now, **row))
            continue
        if current.exercise_fr_source == Exercise.FrenchNameSource.STAFF:
            row.pop("exercise_fr")
            row.pop("exercise_fr_source")
        if all(getattr(current, field) == value for field, value in row.items()):
            continue
        for field, value in row.items():
            setattr(current, field, value)
        current.updated_at = now
        to_update.append(current)
    Exercise.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        Exercise.objects.bulk_update(to_update, [*_LOADED_FIELDS, "updated_at"], batch_size=200)
    if to_create or to_update:
        transaction.on_commit(cache_keys.content_changed)
    return LoadResult(
        created=len(to_create), updated=len(to_update), unchanged=len(records) - len(to_create) - len(to_update)
    )


@transaction.atomic
def exercise_curated_saved(*, exercise: Exercise | None, changed_fields: list[str]) -> None:
    """Staff saved (or, with exercise None, deleted) an exercise in the back-office: a French name
    they changed is marked as staff-written (so the loader never overwrites it), and the cached
    library is invalidated."""
    if exercise is not None:
        if "exercise_fr" in changed_fields:
            exercise.exercise_fr_source = Exercise.FrenchNameSource.STAFF if exercise.exercise_fr else None
        if not exercise.instructions_fr:  # no French text is NULL, as the loader stores it (filters test it)
            exercise.instructions_fr = None
        exercise.save()
    transaction.on_commit(cache_keys.content_changed)


@transaction.atomic
def exercise_bulk_set(*, exercise_ids: list[int], **values: str | None) -> int:
    """Staff set one field (difficulty or goal) on many exercises at once (an admin action): the
    cached library is invalidated once. Returns how many rows changed."""
    allowed = {"difficulty": Exercise.Difficulty.values, "goal": Exercise.Goal.values}
    for name, value in values.items():
        if name not in allowed or (value is not None and value not in allowed[name]):
            raise ValueError(f"cannot set {name} to {value!r}")
    changed = Exercise.objects.filter(id__in=exercise_ids).update(**values, updated_at=timezone.now())
    transaction.on_commit(cache_keys.content_changed)
    return changed


@transaction.atomic
def exercise_bulk_mark_reviewed(*, exercise_ids: list[int], reviewer: Any) -> int:
    """Staff checked these exercises (an admin action): each is stamped reviewed now, by
    `reviewer`, also when it had been reviewed before. The review marker is back-office data the
    public API never shows, so the cached library stays valid. Returns how many rows changed."""
    return Exercise.objects.filter(id__in=exercise_ids).update(reviewed_at=timezone.now(), reviewed_by=reviewer)


@transaction.atomic
def exercise_bulk_mark_not_reviewed(*, exercise_ids: list[int]) -> int:
    """Staff want these exercises checked again: their review marker is cleared. Returns how many
    rows changed."""
    return Exercise.objects.filter(id__in=exercise_ids).update(reviewed_at=None, reviewed_by=None)
