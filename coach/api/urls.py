from django.urls import URLPattern, URLResolver, include, path

from accounts.access import legacy_id_view
from coach.api import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("ai/recommend-workout", views.RecommendWorkoutView.as_view(), name="ai-recommend-workout"),
    path("ai/analyze-progress", views.AnalyzeProgressView.as_view(), name="ai-analyze-progress"),
    path("ai/suggest-exercises", views.SuggestExercisesView.as_view(), name="ai-suggest-exercises"),
    path("ai/chat", views.ChatView.as_view(), name="ai-chat"),
    path("ai/session/start", views.SessionStartView.as_view(), name="ai-session-start"),
    path("ai/session/<uuid:session_id>/end", views.SessionEndView.as_view(), name="ai-session-end"),
    path("ai/conversations/<uuid:session_id>", views.ConversationView.as_view(), name="ai-conversation"),
    path("users/me/conversations", views.UserConversationsView.as_view(), name="me-user-conversations"),
    path(
        "users/<uuid:user_id>/conversations",
        legacy_id_view(views.UserConversationsView, me_path="/api/v1/users/me/conversations").as_view(),
        name="user-conversations",
    ),
    path("", include("coach.api.agents.urls")),
]
