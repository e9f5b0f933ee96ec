"""Back-office view of users: searchable by their own fields and by their login methods, with their
login methods and plans shown read-only.

Login methods change only through the auth flows (accounts.identity, accounts.methods), so the
admin shows them and never edits them. One-time codes, refresh tokens and social-auth secrets have
no admin page at all: nothing here shows a code, its HMAC or a token.
"""

from __future__ import annotations

from typing import Any

import rest_framework_simplejwt.token_blacklist.admin  # noqa: F401
import social_django.admin  # noqa: F401
from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from social_django.models import Association, Nonce, UserSocialAuth

from accounts.codes import normalize_phone
from accounts.models import AuthMethod, User
from accounts.selectors import user_last_active
from accounts.services import DAILY_ACTIVITIES, FITNESS_LEVELS, GENDERS, WORKOUT_STYLES, user_delete
from movoai import cache_keys
from movoai.admin_tools import ReadOnlyAdminMixin, admin_link
from plans.models import WorkoutPlan
from tracking.models import UserPlan, UserWorkoutLog

# Refresh tokens (the whole JWT is stored), OAuth associations and social-auth extra data (access
# tokens) are secrets: staff never see them, so their third-party admin pages are removed. Their admin
# modules are imported above so that they are registered first, whatever the order of INSTALLED_APPS.
_SECRET_MODELS = (OutstandingToken, BlacklistedToken, UserSocialAuth, Nonce, Association)
for _model in _SECRET_MODELS:
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)

# The keys of AuthMethod.data shown to staff: profile details a provider sent (a Telegram username,
# a Google email). Anything else a provider may add later stays hidden until it is listed here.
AUTH_METHOD_DETAILS = ("username", "first_name", "last_name", "name", "email", "phone")

NO_LOGIN_METHOD = "anonymous"


def _choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [("", "—"), *((value, value.replace("_", " ").capitalize()) for value in values)]


class UserForm(ModelForm):  # type: ignore[type-arg]
    """The profile's vocabularies are CHECK constraints of the users table: a list, not free text."""

    gender = forms.TypedChoiceField(choices=_choices(GENDERS), required=False, empty_value=None)
    fitness_level = forms.TypedChoiceField(choices=_choices(FITNESS_LEVELS), required=False, empty_value=None)
    workout_style = forms.TypedChoiceField(choices=_choices(WORKOUT_STYLES), required=False, empty_value=None)
    daily_activity = forms.TypedChoiceField(choices=_choices(DAILY_ACTIVITIES), required=False, empty_value=None)

    class Meta:
        model = User
        # UserAdmin's fieldsets give the form the rest of its fields; never the password.
        fields = ("gender", "fitness_level", "workout_style", "daily_activity")


class LoginProviderFilter(admin.SimpleListFilter):
    title = "login method"
    parameter_name = "login"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [*AuthMethod.Provider.choices, (NO_LOGIN_METHOD, "None (anonymous)")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> QuerySet[User]:
        methods = AuthMethod.objects.filter(user=OuterRef("pk"))
        if self.value() == NO_LOGIN_METHOD:
            # staff log in with their password
            return queryset.filter(~Exists(methods), Q(password__isnull=True) | Q(password=""))
        if self.value() in AuthMethod.Provider.values:
            return queryset.filter(Exists(methods.filter(provider=self.value())))
        return queryset


class FitnessLevelFilter(admin.SimpleListFilter):
    title = "fitness level"
    parameter_name = "level"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(level, level.capitalize()) for level in FITNESS_LEVELS]

    def queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> QuerySet[User]:
        return queryset.filter(fitness_level=self.value()) if self.value() else queryset


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False
    show_change_link = False


class AuthMethodInline(ReadOnlyInline):
    """The user's login methods, as stored. Added and removed only through the auth flows."""

    model = AuthMethod
    verbose_name = "login method"
    verbose_name_plural = "login methods"
    fields = ("provider", "identifier", "details", "is_verified", "is_primary", "created_at", "last_used_at")
    readonly_fields = fields
    ordering = ("-is_primary", "created_at", "id")

    @admin.display(description="details from the provider")
    def details(self, method: AuthMethod) -> str:
        shown = [f"{key}: {method.data[key]}" for key in AUTH_METHOD_DETAILS if method.data.get(key)]
        return ", ".join(shown)


class UserPlanInline(ReadOnlyInline):
    """The plans assigned to the user, with how far they got."""

    model = UserPlan
    verbose_name = "assigned plan"
    verbose_name_plural = "assigned plans"
    fields = ("plan_link", "start_date", "status", "completed_at", "exercises_logged", "last_logged")
    readonly_fields = fields
    ordering = ("-start_date", "-id")

    def get_queryset(self, request: HttpRequest) -> QuerySet[UserPlan]:
        user_plans: QuerySet[UserPlan] = super().get_queryset(request)
        return user_plans.select_related("plan").annotate(
            logged=Count("logs"), last_logged_on=Max("logs__date_performed")
        )

    @admin.display(description="plan")
    def plan_link(self, user_plan: UserPlan) -> SafeString | str:
        return _plan_link(user_plan.plan)

    @admin.display(description="exercises logged")
    def exercises_logged(self, user_plan: UserPlan) -> int:
        logged: int = getattr(user_plan, "logged", 0)
        return logged

    @admin.display(description="last logged on")
    def last_logged(self, user_plan: UserPlan) -> Any:
        return getattr(user_plan, "last_logged_on", None)


class CreatedPlanInline(ReadOnlyInline):
    """The user's own plans (custom, copied or made by the AI planner), each a link to its admin."""

    model = WorkoutPlan
    fk_name = "created_by"
    verbose_name = "plan made by the user"
    verbose_name_plural = "plans made by the user"
    fields = ("plan_link", "source", "goal", "weeks", "days_per_week", "created_at")
    readonly_fields = fields
    ordering = ("-created_at", "-id")

    @admin.display(description="plan")
    def plan_link(self, plan: WorkoutPlan) -> SafeString | str:
        return _plan_link(plan)


def _plan_link(plan: WorkoutPlan) -> SafeString | str:
    return admin_link("admin:plans_workoutplan_change", plan.id, plan)


@admin.register(User)
class UserAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = UserForm
    list_display = (
        "name",
        "login_methods",
        "email",
        "telegram_id",
        "is_staff",
        "preferred_language",
        "fitness_level",
        "created_at",
        "last_active",
    )
    list_display_links = ("name",)
    list_filter = ("is_staff", "preferred_language", FitnessLevelFilter, LoginProviderFilter)
    # The user's own fields; get_search_results adds their login methods (email, phone, Telegram).
    search_fields = ("display_name", "email", "guest_id", "telegram_id", "id")
    search_help_text = "Name, email, phone number, Telegram id or username, guest id or user id (or part of one)."
    ordering = ("-created_at",)
    show_full_result_count = False
    inlines = (AuthMethodInline, UserPlanInline, CreatedPlanInline)
    readonly_fields = (
        "id",
        "telegram_id",
        "guest_id",
        "created_at",
        "updated_at",
        "last_seen",
        "last_login",
        "workout_logs",
    )
    fieldsets = (
        (None, {"fields": ("id", "display_name", "email", "telegram_id", "guest_id")}),
        (
            "Profile",
            {
                "fields": (
                    "preferred_language",
                    "time_zone",
                    "gender",
                    "age",
                    "weight_kg",
                    "height_cm",
                    "fitness_level",
                    "fitness_goals",
                    "workout_style",
                    "daily_activity",
                    "available_equipment",
                    "limitations",
                )
            },
        ),
        ("Activity", {"fields": ("created_at", "updated_at", "last_seen", "last_login", "workout_logs")}),
        ("Back-office access", {"fields": ("is_active", "is_staff", "is_superuser")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        # One query for the login methods of a whole page of users, not one per row.
        methods = AuthMethod.objects.only("id", "user_id", "provider", "is_primary").order_by("-is_primary", "id")
        return super().get_queryset(request).prefetch_related(Prefetch("auth_methods", queryset=methods))

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[User], search_term: str
    ) -> tuple[QuerySet[User], bool]:
        by_user_fields, _ = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if not term:
            return by_user_fields, False
        # An Exists, not a join: a user with two matching methods is listed once, without DISTINCT.
        by_login = Exists(AuthMethod.objects.filter(_auth_method_match(term), user=OuterRef("pk")))
        return queryset.filter(by_login | Q(pk__in=by_user_fields.values("pk"))), False

    # ---- users are created by the app's login flows, not here ------------------------------------

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: User, form: ModelForm, change: bool) -> None:  # type: ignore[type-arg]
        super().save_model(request, obj, form, change)
        user_id = obj.id
        transaction.on_commit(lambda: cache_keys.user_data_changed(user_id))

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        user_delete(user=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            user_delete(user=user)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[Any, ...]:
        """What deleting the users takes with them. user_delete removes everything of theirs, so the
        view-only admins of their rows (assigned plans, workout logs, AI executions and feedback) do
        not stop it, nor does an assignment of a user's own plan (their assignments go first): only
        someone else following one of their plans does."""
        users = list(objs)
        deleted, model_count, _perms_needed, _protected = super().get_deleted_objects(users, request)
        others_following = UserPlan.objects.filter(plan__created_by__in=users).exclude(user__in=users)
        protected = [str(user_plan) for user_plan in others_following]
        return deleted, model_count, set(), protected

    # ---- columns and read-only fields ------------------------------------------------------------

    @admin.display(description="name", ordering="display_name")
    def name(self, user: User) -> str:
        return user.display_name or "(no name)"

    @admin.display(description="logs in with")
    def login_methods(self, user: User) -> str:
        labels = [AuthMethod.Provider(method.provider).label for method in user.auth_methods.all()]
        if user.password:
            labels.append("Password (back-office)")
        return ", ".join(labels) or "— (anonymous)"

    @admin.display(description="last seen")
    def last_seen(self, user: User) -> Any:
        return user_last_active(user=user)

    @admin.display(description="workout logs")
    def workout_logs(self, user: User) -> SafeString:
        count = UserWorkoutLog.objects.filter(user=user).count()
        url = reverse("admin:tracking_userworkoutlog_changelist") + f"?user__id__exact={user.id}"
        return format_html('<a href="{}">{} logged exercise{}</a>', url, count, "" if count == 1 else "s")


def _auth_method_match(term: str) -> Q:
    """Login methods whose identifier (an email, an E.164 phone number, a Telegram id, a Google id)
    or provider profile (a Telegram username, a Google email) contains the search term; a phone
    number typed with spaces or 00 is looked up in its E.164 form too."""
    match = (
        Q(identifier__icontains=term)
        | Q(data__username__icontains=term.removeprefix("@"))
        | Q(data__email__icontains=term)
    )
    try:
        phone = normalize_phone(term)
    except ValueError:
        return match
    return match | Q(provider=AuthMethod.Provider.SMS, identifier=phone)
