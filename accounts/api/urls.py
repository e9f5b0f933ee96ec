from django.urls import URLPattern, URLResolver, path

from accounts.api import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("users", views.UserCreateView.as_view(), name="user-create"),
    path("users/me", views.MeView.as_view(), name="user-me"),
    path("users/<uuid:user_id>", views.UserDetailView.as_view(), name="user-detail"),
]
