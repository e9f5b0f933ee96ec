"""/api/v1/auth/refresh and /api/v1/auth/logout."""

from django.urls import URLPattern, URLResolver, path

from accounts.auth_api.token_views import LogoutView, TokenRefreshView

urlpatterns: list[URLPattern | URLResolver] = [
    path("refresh", TokenRefreshView.as_view(), name="auth-refresh"),
    path("logout", LogoutView.as_view(), name="auth-logout"),
]
