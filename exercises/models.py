"""The exercise library: the `exercises` table of the existing schema (unmanaged)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models


class Exercise(models.Model):
    class Difficulty(models.TextChoices):
        BEGINNER = "beginner", "Beginner"
        INTERMEDIATE = "intermediate", "Intermediate"
        ADVANCED = "advanced", "Advanced"

    class Goal(models.TextChoices):
        STRENGTH = "strength", "Strength"
        POWER = "power", "Power"
        ENDURANCE = "endurance", "Endurance"
        MOBILITY = "mobility", "Mobility"
        HYPERTROPHY = "hypertrophy", "Hypertrophy"
        WEIGHT_LOSS = "weight_loss", "Weight loss"

    class FrenchNameSource(models.TextChoices):
        DATASET = "dataset", "Source dataset (wger)"
        PROJECT = "project", "MovoAI's own translation"
        STAFF = "staff", "Edited by staff"

    id = models.BigAutoField(primary_key=True)
    slug = models.SlugField(max_length=200, unique=True)
    exercise_en = models.CharField("English name", max_length=200)
    exercise_fr = models.CharField("French name", max_length=200, null=True, blank=True)
    exercise_fr_source = models.CharField(max_length=16, choices=FrenchNameSource.choices, null=True, blank=True)
    difficulty = models.CharField(max_length=16, choices=Difficulty.choices, null=True, blank=True)
    goal = models.CharField(max_length=16, choices=Goal.choices, null=True, blank=True)
    category = models.CharField(max_length=32, blank=True, default="")
    force = models.CharField(max_length=16, null=True, blank=True)
    mechanic = models.CharField(max_length=16, null=True, blank=True)
    muscles = ArrayField(models.TextField(), default=list, blank=True)
    secondary_muscles = ArrayField(models.TextField(), default=list, blank=True)
    equipments = ArrayField(models.TextField(), default=list, blank=True)
    instructions_en = ArrayField(models.TextField(), default=list, blank=True)
    instructions_fr = ArrayField(models.TextField(), null=True, blank=True)
    male_gif_urls = ArrayField(models.TextField(), default=list, blank=True)
    female_gif_urls = ArrayField(models.TextField(), default=list, blank=True)
    image_urls = ArrayField(models.TextField(), default=list, blank=True)
    alt_image_urls = ArrayField(models.TextField(), default=list, blank=True)
    source = models.CharField(max_length=64, blank=True, default="")
    source_ids = models.JSONField(default=dict, blank=True)
    license = models.CharField(max_length=200)
    attribution = models.JSONField(default=list, blank=True)
    notes = ArrayField(models.TextField(), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Staff marked it reviewed in the back-office (never shown by the public API).
    reviewed_at = models.DateTimeField("reviewed at", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="reviewed by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_column="reviewed_by",
        related_name="+",
    )

    class Meta:
        managed = False
        db_table = "exercises"
        ordering = ("id",)

    def __str__(self) -> str:
        return self.exercise_en

    def name_in(self, language: str) -> str:
        """The name in `language` ("en" or "fr"), falling back to English: never empty."""
        return self.exercise_fr if language == "fr" and self.exercise_fr else self.exercise_en
