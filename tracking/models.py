"""A user's assigned plans and workout logs: tables of the existing schema (unmanaged)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from exercises.models import Exercise
from plans.models import PlanExercise, WorkoutPlan


class UserPlan(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        COMPLETED = "completed", "Completed"

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="user_plans")
    plan = models.ForeignKey(WorkoutPlan, on_delete=models.PROTECT, related_name="user_plans")
    start_date = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    completed_at = models.DateTimeField(null=True, blank=True)
    client_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        managed = False
        db_table = "user_plans"

    def __str__(self) -> str:
        return f"{self.user_id} follows plan {self.plan_id} ({self.status})"


class UserWorkoutLog(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workout_logs")
    user_plan = models.ForeignKey(UserPlan, null=True, blank=True, on_delete=models.SET_NULL, related_name="logs")
    plan_exercise = models.ForeignKey(PlanExercise, null=True, blank=True, on_delete=models.SET_NULL)
    exercise = models.ForeignKey(Exercise, null=True, blank=True, on_delete=models.SET_NULL)
    date_performed = models.DateField()
    sets_completed = models.SmallIntegerField(null=True, blank=True)
    reps_completed = models.SmallIntegerField(null=True, blank=True)
    weight_kg = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    duration_seconds = models.IntegerField(null=True, blank=True)
    rpe = models.SmallIntegerField(null=True, blank=True)
    notes = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        managed = False
        db_table = "user_workout_logs"

    def __str__(self) -> str:
        return f"log {self.id} on {self.date_performed}"
