"""Back-office view of what users follow and log: view-only pages for staff answering a question
about a user. Assignments and logs change only through the app (tracking.services), which keeps
each user's cached progress in step."""

from __future__ import annotations

from django.contrib import admin
from django.utils.safestring import SafeString

from accounts.models import User
from movoai.admin_tools import ReadOnlyAdminMixin, admin_link
from tracking.models import UserPlan, UserWorkoutLog


class ViewOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    pass


def _user_link(user: User) -> SafeString | str:
    return admin_link("admin:accounts_user_change", user.id, user.display_name or user.email or user.id)


@admin.register(UserPlan)
class UserPlanAdmin(ViewOnlyAdmin):
    list_display = ("id", "user_link", "plan", "start_date", "status", "completed_at", "created_at")
    list_select_related = ("user", "plan")
    list_filter = ("status", "start_date")
    # A full user id (copied from the user's page) or part of a name or plan.
    search_fields = ("=user__id", "user__display_name", "user__email", "plan__name_en", "plan__slug")
    search_help_text = "User id, user name or email, plan name."
    ordering = ("-created_at", "-id")
    show_full_result_count = False

    @admin.display(description="user", ordering="user__display_name")
    def user_link(self, user_plan: UserPlan) -> SafeString | str:
        return _user_link(user_plan.user)


@admin.register(UserWorkoutLog)
class UserWorkoutLogAdmin(ViewOnlyAdmin):
    list_display = (
        "date_performed",
        "user_link",
        "exercise",
        "plan",
        "sets_completed",
        "reps_completed",
        "weight_kg",
        "duration_seconds",
        "rpe",
    )
    list_select_related = ("user", "exercise", "user_plan__plan")
    list_filter = ("date_performed",)
    date_hierarchy = "date_performed"
    search_fields = ("=user__id", "user__display_name", "user__email", "exercise__exercise_en")
    search_help_text = "User id, user name or email, exercise name."
    ordering = ("-date_performed", "-created_at")
    show_full_result_count = False

    @admin.display(description="user", ordering="user__display_name")
    def user_link(self, log: UserWorkoutLog) -> SafeString | str:
        return _user_link(log.user)

    @admin.display(description="plan")
    def plan(self, log: UserWorkoutLog) -> str:
        return str(log.user_plan.plan) if log.user_plan else "—"
