"""Factories for exercises (a test adds the few it needs on top of the loaded library)."""

from __future__ import annotations

import factory

from exercises.models import Exercise


class ExerciseFactory(factory.django.DjangoModelFactory[Exercise]):
    class Meta:
        model = Exercise

    slug = factory.Sequence(lambda n: f"test-exercise-{n}")
    exercise_en = factory.Sequence(lambda n: f"Test Exercise {n}")
    exercise_fr = factory.Sequence(lambda n: f"Exercice de test {n}")
    exercise_fr_source = Exercise.FrenchNameSource.PROJECT
    difficulty = Exercise.Difficulty.BEGINNER
    goal = Exercise.Goal.STRENGTH
    category = "strength"
    muscles = factory.LazyFunction(lambda: ["chest"])
    secondary_muscles = factory.LazyFunction(list)
    equipments = factory.LazyFunction(lambda: ["body weight"])
    instructions_en = factory.LazyFunction(lambda: ["Do the movement.", "Repeat."])
    instructions_fr = None
    image_urls = factory.LazyFunction(lambda: ["https://example.org/0.jpg", "https://example.org/1.jpg"])
    license = "CC0-1.0"
    attribution = factory.LazyFunction(list)

    class Params:
        # Only a female animation exists (the male one must be borrowed from it).
        female_gif_only = factory.Trait(
            female_gif_urls=factory.LazyFunction(lambda: ["https://example.org/female.gif"]),
            male_gif_urls=factory.LazyFunction(list),
        )
        # Both animations exist: nothing is a fallback.
        both_gifs = factory.Trait(
            male_gif_urls=factory.LazyFunction(lambda: ["https://example.org/male.gif"]),
            female_gif_urls=factory.LazyFunction(lambda: ["https://example.org/female.gif"]),
        )
        # No media at all.
        no_media = factory.Trait(image_urls=factory.LazyFunction(list))
