"""manage.py recalculate_progress: invalidate and rebuild the cached progress of one user or all."""

from __future__ import annotations

import datetime
import io
import re
import uuid

import pytest
from django.core.management import CommandError, call_command

from accounts.tests.factories import UserFactory
from tracking.models import UserWorkoutLog

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def recalculate(*args: str) -> str:
    out = io.StringIO()
    call_command("recalculate_progress", *args, stdout=out)
    return out.getvalue()


def served_volume(api, user_id: uuid.UUID, lang: str = "en") -> float:
    volume: float = api.get(f"/api/v1/users/{user_id}/progress", {"lang": lang}).json()["totals"]["volume_kg"]
    return volume


def test_it_repairs_a_cache_left_stale_by_a_write_outside_the_services(api, alice, log_workout, frozen_today):
    workout_log = log_workout(frozen_today, sets=3, reps=10, weight="40")
    assert served_volume(api, alice.id) == 1200.0
    UserWorkoutLog.objects.filter(id=workout_log.id).update(weight_kg=50)  # a data fix in SQL
    assert served_volume(api, alice.id) == 1200.0  # still the cached answer

    output = recalculate("--user", str(alice.id))

    assert re.fullmatch(r"Recalculated the progress of 1 user in \d+\.\d\d s\.\n", output)
    assert served_volume(api, alice.id) == 1500.0


def test_it_warms_the_cache_in_every_language(api, alice, log_workout, frozen_today, django_assert_num_queries):
    log_workout(frozen_today)
    recalculate("--user", str(alice.id))
    api.get(f"/api/v1/users/{alice.id}/progress")  # the first request of the day writes last_active

    with django_assert_num_queries(2):  # only the access rule of each request (the user and their login methods)
        assert served_volume(api, alice.id, "en") == served_volume(api, alice.id, "fr") == 1200.0


def test_without_a_user_it_recalculates_every_active_app_user(alice, frozen_today):
    UserFactory.create_batch(2)
    UserFactory.create(is_active=False)
    UserFactory.create(is_staff=True, email="coach@movoai.test")

    output = recalculate()

    # Alice and the two others; neither the deactivated user nor staff.
    assert output.startswith("Recalculated the progress of 3 users in ")


@pytest.mark.parametrize("user_id", [str(uuid.uuid4()), "not-a-uuid"])
def test_an_unknown_user_is_an_error(user_id):
    with pytest.raises(CommandError):
        recalculate("--user", user_id)
