from django.urls import URLPattern, path

from coach.api import execution_stream
from coach.api.agents import views

urlpatterns: list[URLPattern] = [
    path("ai/agents/generate-plan", views.GeneratePlanView.as_view(), name="ai-agents-generate-plan"),
    path("ai/agents/optimize-current-plan", views.OptimizePlanView.as_view(), name="ai-agents-optimize-plan"),
    path("ai/agents/adaptive-workout", views.AdaptiveWorkoutView.as_view(), name="ai-agents-adaptive-workout"),
    path("ai/agents/check-injury-risk", views.InjuryRiskView.as_view(), name="ai-agents-injury-risk"),
    path("ai/agents/nutrition-guidance", views.NutritionView.as_view(), name="ai-agents-nutrition"),
    path("ai/agents/motivation-boost", views.MotivationView.as_view(), name="ai-agents-motivation"),
    path("ai/agents/executions", views.ExecutionListView.as_view(), name="ai-agents-executions"),
    path("ai/agents/executions/<uuid:execution_id>", views.ExecutionDetailView.as_view(), name="ai-agents-execution"),
    path(
        "ai/agents/executions/<uuid:execution_id>/resume",
        views.ExecutionResumeView.as_view(),
        name="ai-agents-execution-resume",
    ),
    path(
        "ai/agents/executions/<uuid:execution_id>/events",
        execution_stream.ExecutionEventsView.as_view(),
        name="ai-agents-execution-events",
    ),
    path("ai/feedback", views.FeedbackView.as_view(), name="ai-feedback"),
    path("ai/feedback/stats", views.FeedbackStatsView.as_view(), name="ai-feedback-stats"),
]
