"""/api/v1/auth: tokens (refresh, logout) and login methods, account claiming."""

from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("accounts.auth_api.token_urls")),
    path("", include("accounts.auth_api.methods_urls")),
]
