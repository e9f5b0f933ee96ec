"""Google sign-in under /api/v1/auth/google."""

from django.urls import URLPattern, URLResolver, path

from accounts.providers.google import views

urlpatterns: list[URLPattern | URLResolver] = [
    # POST: an ID token from Google Identity Services; GET: start the redirect flow
    path("login", views.GoogleLoginView.as_view(), name="google-login"),
    path("callback", views.GoogleCallbackView.as_view(), name="google-callback"),
    path("exchange", views.GoogleExchangeView.as_view(), name="google-exchange"),
    path("link", views.GoogleLinkView.as_view(), name="google-link"),
]
