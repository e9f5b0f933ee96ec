"""/api/v1/auth: the current account's login methods, and claiming an anonymous account."""

from django.urls import URLPattern, URLResolver, path

from accounts.auth_api import methods_views as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("methods", views.AuthMethodListView.as_view(), name="auth-methods"),
    path("methods/<int:method_id>", views.AuthMethodDetailView.as_view(), name="auth-method"),
    path("methods/<int:method_id>/set-primary", views.AuthMethodSetPrimaryView.as_view(), name="auth-method-primary"),
    path("claim-account", views.ClaimAccountView.as_view(), name="auth-claim-account"),
]
