"""The tracking routes: under /users/me for the token's user, and under the deprecated /users/{user_id}
(the same views, documented as deprecated: accounts.access.legacy_id_view)."""

import re

from django.urls import URLPattern, URLResolver, path
from rest_framework.views import APIView

from accounts.access import ME, legacy_id_view
from tracking.api import progress, views

# (path under users/me, view, route name): each also under users/<uuid:user_id>, deprecated.
ROUTES: list[tuple[str, type[APIView], str]] = [
    ("plans", views.UserPlanListView, "user-plan-list"),
    ("plans/<int:user_plan_id>", views.UserPlanDetailView, "user-plan-detail"),
    ("plans/<int:user_plan_id>/copy", views.UserPlanCopyView, "user-plan-copy"),
    ("workout-logs", views.WorkoutLogListView, "workout-log-list"),
    ("workout-logs/batch", views.WorkoutLogBatchView, "workout-log-batch"),
    ("workout-logs/<uuid:log_id>", views.WorkoutLogDetailView, "workout-log-detail"),
    ("migrate", views.GuestMigrationView, "user-migrate"),
    ("progress", progress.UserProgressView, "user-progress"),
]


CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def _documented(route: str) -> str:
    """/api/v1/users/me/<route> as the OpenAPI schema writes it: .../plans/{user_plan_id}."""
    return f"{ME}/" + CONVERTER.sub(r"{\1}", route)


urlpatterns: list[URLPattern | URLResolver] = [
    *(path(f"users/me/{route}", view.as_view(), name=f"me-{name}") for route, view, name in ROUTES),
    *(
        path(
            f"users/<uuid:user_id>/{route}",
            legacy_id_view(view, me_path=_documented(route)).as_view(),
            name=name,
        )
        for route, view, name in ROUTES
    ),
]
