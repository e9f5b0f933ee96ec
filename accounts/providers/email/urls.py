"""/api/v1/auth/email/: login and linking with a code sent by email."""

from django.urls import URLPattern, URLResolver, path

from accounts.providers.email import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("send-code", views.EmailSendCodeView.as_view(), name="auth-email-send-code"),
    path("verify-code", views.EmailVerifyCodeView.as_view(), name="auth-email-verify-code"),
    path("link", views.EmailLinkView.as_view(), name="auth-email-link"),
]
