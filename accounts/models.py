"""Users: the `users` table of the existing schema (unmanaged).

App users are anonymous or identified by Telegram and never have a password; staff who use the
back-office are users too, with an email, a password and is_staff.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.postgres.fields import ArrayField
from django.db import models


class UserManager(BaseUserManager["User"]):
    def create_user(self, email: str | None = None, password: str | None = None, **fields: Any) -> User:
        user = self.model(email=self.normalize_email(email) if email else None, **fields)
        if password:
            user.set_password(password)
        else:
            user.password = None
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser):
    class Language(models.TextChoices):
        EN = "en", "English"
        FR = "fr", "Français"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_active = models.DateTimeField(null=True, blank=True)
    telegram_id = models.BigIntegerField(null=True, blank=True, unique=True)
    guest_id = models.CharField(max_length=64, null=True, blank=True)
    display_name = models.CharField(max_length=150, blank=True, default="")
    preferred_language = models.CharField(max_length=2, choices=Language.choices, default=Language.EN)
    gender = models.CharField(max_length=20, null=True, blank=True)
    age = models.SmallIntegerField(null=True, blank=True)
    weight_kg = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    height_cm = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    fitness_level = models.CharField(max_length=16, null=True, blank=True)
    fitness_goals = ArrayField(models.TextField(), default=list, blank=True)
    workout_style = models.CharField(max_length=32, null=True, blank=True)
    daily_activity = models.CharField(max_length=32, null=True, blank=True)
    available_equipment = ArrayField(models.TextField(), default=list, blank=True)
    limitations = ArrayField(models.TextField(), default=list, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    email = models.EmailField(max_length=254, null=True, blank=True, unique=True)
    # NULL for app users, who never have a password.
    password = models.CharField(max_length=128, null=True, blank=True)  # type: ignore[assignment]
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    is_superuser = models.BooleanField(default=False)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        managed = False
        db_table = "users"

    def __str__(self) -> str:
        return self.email or self.display_name or str(self.id)

    # The back-office has one role: active staff may curate everything.
    def has_perm(self, perm: str, obj: object = None) -> bool:
        return self.is_active and (self.is_superuser or self.is_staff)

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_active and (self.is_superuser or self.is_staff)
