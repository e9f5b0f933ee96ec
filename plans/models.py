"""Workout plans and their exercises: tables of the existing schema (unmanaged)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from exercises.models import Exercise


class WorkoutPlan(models.Model):
    class Goal(models.TextChoices):
        STRENGTH = "strength", "Strength"
        MUSCLE_GAIN = "muscle_gain", "Muscle gain"
        FAT_LOSS = "fat_loss", "Fat loss / conditioning"
        MOBILITY = "mobility", "Mobility"
        ENDURANCE = "endurance", "Endurance"
        GENERAL_FITNESS = "general_fitness", "General fitness"

    class EquipmentSetting(models.TextChoices):
        HOME = "home", "Home / bodyweight"
        DUMBBELLS = "dumbbells", "Dumbbells only"
        GYM = "gym", "Full gym"

    class Source(models.TextChoices):
        TEMPLATE = "template", "Template"
        CUSTOM = "custom", "Custom"
        COPY = "copy", "Copy of a template"
        AI = "ai", "Made by the AI planner"

    id = models.BigAutoField(primary_key=True)
    slug = models.SlugField(max_length=200, unique=True)
    name_en = models.CharField("English name", max_length=200)
    name_fr = models.CharField("French name", max_length=200, blank=True, default="")
    description_en = models.TextField(blank=True, default="")
    description_fr = models.TextField(blank=True, default="")
    goal = models.CharField(max_length=16, choices=Goal.choices)
    difficulty = models.CharField(max_length=16, choices=Exercise.Difficulty.choices)
    weeks = models.SmallIntegerField()
    days_per_week = models.SmallIntegerField()
    equipment_setting = models.CharField(max_length=16, choices=EquipmentSetting.choices, default="gym")
    is_template = models.BooleanField(default=False)
    is_featured = models.BooleanField(default=False)
    featured_order = models.IntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        db_column="created_by",
        related_name="created_plans",
    )
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.TEMPLATE)
    copied_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        managed = False
        db_table = "workout_plans"
        ordering = ("id",)

    def __str__(self) -> str:
        return self.name_en

    def clean(self) -> None:
        """The table's CHECK constraints, so that the back-office shows a form error, not a crash."""
        if self.is_featured and not self.is_template:
            raise ValidationError({"is_featured": "Only a template plan can be featured."})
        if self.is_template and self.created_by_id is not None:
            raise ValidationError({"is_template": "A user's own plan cannot be a template."})


class PlanExercise(models.Model):
    id = models.BigAutoField(primary_key=True)
    plan = models.ForeignKey(WorkoutPlan, on_delete=models.CASCADE, related_name="plan_exercises")
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="plan_exercises")
    week_number = models.SmallIntegerField()
    day_number = models.SmallIntegerField(help_text="Day of the week, 1 to 7; days without exercises are rest days.")
    order_in_day = models.SmallIntegerField()
    sets = models.SmallIntegerField()
    reps = models.SmallIntegerField(null=True, blank=True)
    duration_seconds = models.IntegerField(null=True, blank=True)
    rest_seconds = models.IntegerField(default=60)
    notes = models.TextField(blank=True, default="")
    notes_fr = models.TextField(blank=True, default="")

    class Meta:
        managed = False
        db_table = "plan_exercises"
        ordering = ("week_number", "day_number", "order_in_day")

    def __str__(self) -> str:
        return f"W{self.week_number} D{self.day_number} #{self.order_in_day}"
