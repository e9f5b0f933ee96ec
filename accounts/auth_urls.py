"""Everything under /api/v1/auth: one URL module per login provider, plus tokens and methods."""

from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("accounts.auth_api.urls")),
    path("telegram/", include("accounts.providers.telegram.urls")),
    path("phone/", include("accounts.providers.phone.urls")),
    path("email/", include("accounts.providers.email.urls")),
    path("google/", include("accounts.providers.google.urls")),
]
