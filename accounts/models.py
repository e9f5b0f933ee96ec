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


class AuthMethod(models.Model):
    """A way to log in to a user's account: one identity of one provider, keyed by the provider's
    stable id (Telegram user id, E.164 phone number, lower-cased email, Google `sub`)."""

    class Provider(models.TextChoices):
        TELEGRAM = "telegram", "Telegram"
        SMS = "sms", "Phone (SMS code)"
        EMAIL = "email", "Email (code)"
        GOOGLE = "google", "Google"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="auth_methods")
    provider = models.CharField(max_length=16, choices=Provider.choices)
    identifier = models.CharField(max_length=255)
    data = models.JSONField(default=dict, blank=True)
    is_verified = models.BooleanField(default=False)
    is_primary = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "auth_methods"
        constraints = [
            models.UniqueConstraint(fields=["provider", "identifier"], name="auth_methods_provider_identifier_uniq"),
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(is_primary=True), name="auth_methods_one_primary_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.identifier}"


class VerificationCode(models.Model):
    """A one-time code sent by SMS or email. Only an HMAC of the code is stored."""

    class Purpose(models.TextChoices):
        LOGIN = "login", "Log in or register"
        LINK = "link", "Link to the current account"

    # "email:" and an address of up to 254 characters (RFC 5321) fit
    identifier = models.CharField(max_length=260, help_text="provider:value, e.g. sms:+33612345678")
    purpose = models.CharField(max_length=8, choices=Purpose.choices)
    code_hmac = models.CharField(max_length=64)
    # the account asking to link the identity (purpose link)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    requested_ip = models.GenericIPAddressField(null=True, blank=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    consumed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "verification_codes"
        indexes = [
            models.Index(fields=["identifier", "purpose", "-created_at"], name="verification_codes_lookup"),
            models.Index(fields=["requested_ip", "-created_at"], name="verification_codes_by_ip"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} code for {self.identifier}"


class SpentRefreshToken(models.Model):
    """A refresh token already traded for a new pair. Presenting it again is reuse, the sign of a
    stolen token, and ends every session of its user; a token merely revoked (logout) is not here.
    Removed with its OutstandingToken (simplejwt's flushexpiredtokens)."""

    token = models.OneToOneField(
        "token_blacklist.OutstandingToken", on_delete=models.CASCADE, primary_key=True, related_name="spent"
    )
    spent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "spent_refresh_tokens"

    def __str__(self) -> str:
        return f"refresh token {self.token_id} spent at {self.spent_at:%Y-%m-%d %H:%M}"
