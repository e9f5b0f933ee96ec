"""Output shapes of the exercise endpoints.

Each serializer declares its fields (that is what the OpenAPI schema shows) and renders with a plain
function, several times faster than field-by-field serialization on the uncached search path.
A test keeps the declared fields and the rendered keys identical.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from exercises.models import Exercise
from exercises.taxonomy import CATEGORIES, DIFFICULTIES, EQUIPMENT, GOALS, MUSCLES, label

# ---- plain renderers ------------------------------------------------------------------------------


def _media(exercise: Exercise) -> dict[str, Any]:
    """Gender-specific animations where they exist; otherwise the other gender's, otherwise the
    still frames of the movement, and the API says which it returned."""
    frames = list(exercise.image_urls) or list(exercise.alt_image_urls)
    frames_kind = "frames" if exercise.image_urls else ("alt_frames" if exercise.alt_image_urls else "none")

    def pick(own: list[str], other: list[str], other_kind: str) -> tuple[list[str], str]:
        if own:
            return own, "own"
        if other:
            return other, other_kind
        return frames, frames_kind

    male, male_source = pick(list(exercise.male_gif_urls), list(exercise.female_gif_urls), "female")
    female, female_source = pick(list(exercise.female_gif_urls), list(exercise.male_gif_urls), "male")
    fallback = male_source != "own" or female_source != "own"
    sources = {male_source, female_source}
    note = None
    if sources & {"frames", "alt_frames"}:
        note = "No gender-specific animation exists for this exercise: still frames of the movement are shown."
    elif sources & {"male", "female"}:
        note = "Only one gender's animation exists for this exercise: it is shown for both."
    elif "none" in sources:
        note = "No media exists for this exercise yet."
    return {
        "male_gif_urls": male,
        "female_gif_urls": female,
        "media": {
            "fallback": fallback,
            "male_source": male_source,
            "female_source": female_source,
            "frames": list(exercise.image_urls),
            "alt_frames": list(exercise.alt_image_urls),
            "note": note,
        },
    }


def _labels(exercise: Exercise, lang: str) -> dict[str, Any]:
    return {
        "difficulty": label(DIFFICULTIES, exercise.difficulty, lang),
        "goal": label(GOALS, exercise.goal, lang),
        "category": label(CATEGORIES, exercise.category or None, lang),
        "muscles": [label(MUSCLES, m, lang) for m in exercise.muscles],
        "secondary_muscles": [label(MUSCLES, m, lang) for m in exercise.secondary_muscles],
        "equipments": [label(EQUIPMENT, e, lang) for e in exercise.equipments],
    }


def exercise_item(exercise: Exercise, lang: str) -> dict[str, Any]:
    """An exercise as listed: the name and instructions in the requested language, falling back to
    English (and saying so) where the French text is missing."""
    french_name = exercise.exercise_fr if lang == "fr" and exercise.exercise_fr else None
    french_instructions = exercise.instructions_fr if lang == "fr" and exercise.instructions_fr else None
    media = _media(exercise)
    return {
        "id": exercise.id,
        "slug": exercise.slug,
        "name": french_name or exercise.exercise_en,
        "name_language": "fr" if french_name else "en",
        "instructions": list(french_instructions or exercise.instructions_en),
        "instructions_language": "fr" if french_instructions else "en",
        "exercise_en": exercise.exercise_en,
        "exercise_fr": exercise.exercise_fr,
        "difficulty": exercise.difficulty,
        "goal": exercise.goal,
        "category": exercise.category or None,
        "muscles": list(exercise.muscles),
        "secondary_muscles": list(exercise.secondary_muscles),
        "equipments": list(exercise.equipments),
        "labels": _labels(exercise, lang),
        "male_gif_urls": media["male_gif_urls"],
        "female_gif_urls": media["female_gif_urls"],
        "media": media["media"],
        "license": exercise.license,
    }


def exercise_detail(exercise: Exercise, lang: str) -> dict[str, Any]:
    """One exercise with instructions in both languages and the credit its licences require."""
    return {
        **exercise_item(exercise, lang),
        "instructions_en": list(exercise.instructions_en),
        "instructions_fr": list(exercise.instructions_fr) if exercise.instructions_fr is not None else None,
        "exercise_fr_source": exercise.exercise_fr_source,
        "force": exercise.force,
        "mechanic": exercise.mechanic,
        "source": exercise.source,
        "attribution": list(exercise.attribution),
        "notes": list(exercise.notes),
        "created_at": exercise.created_at.isoformat(),
        "updated_at": exercise.updated_at.isoformat(),
    }


# ---- declared shapes (OpenAPI) --------------------------------------------------------------------


class ExerciseLabelsSerializer(serializers.Serializer[Any]):
    difficulty = serializers.CharField(allow_null=True)
    goal = serializers.CharField(allow_null=True)
    category = serializers.CharField(allow_null=True)
    muscles = serializers.ListField(child=serializers.CharField())
    secondary_muscles = serializers.ListField(child=serializers.CharField())
    equipments = serializers.ListField(child=serializers.CharField())


class ExerciseMediaSerializer(serializers.Serializer[Any]):
    fallback = serializers.BooleanField(help_text="True when a gender's media are borrowed or are still frames.")
    male_source = serializers.ChoiceField(["own", "female", "frames", "alt_frames", "none"])
    female_source = serializers.ChoiceField(["own", "male", "frames", "alt_frames", "none"])
    frames = serializers.ListField(child=serializers.URLField(), help_text="Still frames of the movement.")
    alt_frames = serializers.ListField(child=serializers.URLField(), help_text="Openly licensed illustrations.")
    note = serializers.CharField(allow_null=True)


class ExerciseItemSerializer(serializers.Serializer[Exercise]):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField(help_text="The name in the requested language (English where no French exists).")
    name_language = serializers.ChoiceField(["en", "fr"])
    instructions = serializers.ListField(child=serializers.CharField(), help_text="Steps, in instructions_language.")
    instructions_language = serializers.ChoiceField(["en", "fr"], help_text="'en' when French was asked but missing.")
    exercise_en = serializers.CharField()
    exercise_fr = serializers.CharField(allow_null=True)
    difficulty = serializers.ChoiceField(list(DIFFICULTIES), allow_null=True)
    goal = serializers.ChoiceField(list(GOALS), allow_null=True)
    category = serializers.ChoiceField(list(CATEGORIES), allow_null=True)
    muscles = serializers.ListField(child=serializers.CharField())
    secondary_muscles = serializers.ListField(child=serializers.CharField())
    equipments = serializers.ListField(child=serializers.CharField())
    labels = ExerciseLabelsSerializer(help_text="Taxonomy labels in the requested language.")
    male_gif_urls = serializers.ListField(child=serializers.URLField())
    female_gif_urls = serializers.ListField(child=serializers.URLField())
    media = ExerciseMediaSerializer()
    license = serializers.CharField(help_text="SPDX licence expression covering every field of the record.")

    def to_representation(self, instance: Exercise) -> dict[str, Any]:
        return exercise_item(instance, self.context["lang"])


class AttributionSerializer(serializers.Serializer[Any]):
    part = serializers.CharField(help_text="Which fields this credit covers.")
    source = serializers.CharField()  # type: ignore[assignment]  # a field named source
    author = serializers.CharField()
    license = serializers.CharField()
    license_url = serializers.URLField()
    url = serializers.URLField()


class ExerciseDetailSerializer(ExerciseItemSerializer):
    instructions_en = serializers.ListField(child=serializers.CharField())
    instructions_fr = serializers.ListField(child=serializers.CharField(), allow_null=True)
    exercise_fr_source = serializers.ChoiceField(["dataset", "project", "staff"], allow_null=True)
    force = serializers.CharField(allow_null=True)
    mechanic = serializers.CharField(allow_null=True)
    source = serializers.CharField()  # type: ignore[assignment]  # a field named source, not Field.source
    attribution = AttributionSerializer(many=True)
    notes = serializers.ListField(child=serializers.CharField())
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, instance: Exercise) -> dict[str, Any]:
        return exercise_detail(instance, self.context["lang"])
