"""/api/v1/auth: token refresh and logout, login methods, account claiming (accounts.auth_api.views)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
