from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from coach.admin import ai_dashboard_view
from movoai import bench, metrics, views

api_v1: list[URLPattern | URLResolver] = [
    path("health", views.HealthView.as_view(), name="health"),
    path("", include("exercises.api.urls")),
    path("", include("plans.api.urls")),
    path("auth/", include("accounts.auth_urls")),
    path("", include("accounts.api.urls")),
    path("", include("tracking.api.urls")),
    path("", include("coach.api.urls")),
    # benchmark mode only (MOVOAI_BENCH=1): the ceiling route; nothing otherwise
    *bench.urlpatterns(),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("health", views.health, name="health-root"),
    # Prometheus scrapes; in production only with METRICS_TOKEN (a 404 otherwise).
    path("metrics", metrics.metrics_view, name=metrics.METRICS_URL_NAME),
    path("api/schema", SpectacularAPIView.as_view(), name="schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    # Staff only (admin_view: anyone else goes to the admin login); before admin/ so that it is not a 404 there.
    path("admin/ai-dashboard/", admin.site.admin_view(ai_dashboard_view), name="ai-dashboard"),
    path("admin/", admin.site.urls),
]

handler400 = "movoai.errors.bad_request"
handler403 = "movoai.errors.permission_denied"
handler404 = "movoai.errors.not_found"
handler500 = "movoai.errors.server_error"
