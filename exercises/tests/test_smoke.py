import pytest

pytestmark = pytest.mark.django_db


def test_the_library_is_loaded_and_listed(api):
    response = api.get("/api/v1/exercises")
    assert response.status_code == 200
    assert response.json()["count"] == 926
