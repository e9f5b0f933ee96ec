from django.urls import path

from plans.api import views

urlpatterns = [
    path("workout-plans", views.WorkoutPlanListView.as_view(), name="plan-list"),
    path("workout-plans/featured", views.FeaturedPlanListView.as_view(), name="plan-featured"),
    path("workout-plans/<int:plan_id>", views.WorkoutPlanDetailView.as_view(), name="plan-detail"),
]
