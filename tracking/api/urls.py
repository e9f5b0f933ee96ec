from django.urls import URLPattern, URLResolver, path

from tracking.api import progress, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("users/<uuid:user_id>/plans", views.UserPlanListView.as_view(), name="user-plan-list"),
    path("users/<uuid:user_id>/plans/<int:user_plan_id>", views.UserPlanDetailView.as_view(), name="user-plan-detail"),
    path("users/<uuid:user_id>/plans/<int:user_plan_id>/copy", views.UserPlanCopyView.as_view(), name="user-plan-copy"),
    path("users/<uuid:user_id>/workout-logs", views.WorkoutLogListView.as_view(), name="workout-log-list"),
    path("users/<uuid:user_id>/workout-logs/batch", views.WorkoutLogBatchView.as_view(), name="workout-log-batch"),
    path(
        "users/<uuid:user_id>/workout-logs/<uuid:log_id>",
        views.WorkoutLogDetailView.as_view(),
        name="workout-log-detail",
    ),
    path("users/<uuid:user_id>/migrate", views.GuestMigrationView.as_view(), name="user-migrate"),
    path("users/<uuid:user_id>/progress", progress.UserProgressView.as_view(), name="user-progress"),
]
