from django.urls import path

from exercises.api import views

urlpatterns = [
    path("exercises", views.ExerciseListView.as_view(), name="exercise-list"),
    path("exercises/search", views.ExerciseSearchView.as_view(), name="exercise-search"),
    path("exercises/filter", views.ExerciseAdvancedFilterView.as_view(), name="exercise-filter"),
    path("exercises/taxonomy", views.TaxonomyView.as_view(), name="exercise-taxonomy"),
    path("exercises/<int:exercise_id>", views.ExerciseDetailView.as_view(), name="exercise-detail"),
]
