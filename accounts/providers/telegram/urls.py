"""/api/v1/auth/telegram/: log in or link with Telegram (Mini App initData or Login Widget data)."""

from django.urls import URLPattern, URLResolver, path

from accounts.providers.telegram.views import TelegramLinkView, TelegramLoginView

urlpatterns: list[URLPattern | URLResolver] = [
    path("login", TelegramLoginView.as_view(), name="auth-telegram-login"),
    path("link", TelegramLinkView.as_view(), name="auth-telegram-link"),
]
