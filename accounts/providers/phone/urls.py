"""/api/v1/auth/phone/: login and linking with a code sent by SMS."""

from django.urls import URLPattern, URLResolver, path

from accounts.providers.phone import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("send-code", views.PhoneSendCodeView.as_view(), name="auth-phone-send-code"),
    path("verify-code", views.PhoneVerifyCodeView.as_view(), name="auth-phone-verify-code"),
    path("link", views.PhoneLinkView.as_view(), name="auth-phone-link"),
]
