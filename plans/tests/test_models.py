"""The workout_plans table's rules, checked by Django forms before the database refuses them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

pytestmark = pytest.mark.django_db


def test_a_users_own_plan_cannot_be_featured(alices_plan):
    alices_plan.is_featured = True
    alices_plan.featured_order = 1

    with pytest.raises(ValidationError) as refused:
        alices_plan.full_clean()

    assert "is_featured" in refused.value.message_dict


def test_a_users_own_plan_cannot_become_a_template(alices_plan):
    alices_plan.is_template = True

    with pytest.raises(ValidationError) as refused:
        alices_plan.full_clean()

    assert "is_template" in refused.value.message_dict


def test_a_template_plan_is_valid(four_week_plan):
    four_week_plan.full_clean()
