"""The fitness metrics against values computed by hand."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from coach import metrics
from coach.metrics import LogVolumeEntry

MONDAY = datetime.date(2025, 3, 3)


def week(n: int, day: int = 0) -> datetime.date:
    return MONDAY + datetime.timedelta(weeks=n, days=day)


# BMI


def test_bmi_of_80_kg_180_cm_is_24_7_normal():
    result = metrics.bmi(weight_kg=80, height_cm=180)
    assert result == metrics.BMI(value=24.7, category="normal", obesity_class=None)


@pytest.mark.parametrize(
    ("weight_kg", "height_cm", "value", "category", "obesity_class"),
    [
        (55, 180, 17.0, "underweight", None),  # 55 / 3.24 = 16.98
        (Decimal("60.00"), Decimal("180.0"), 18.5, "normal", None),  # 18.52: the lower bound is normal
        (81, 180, 25.0, "overweight", None),  # 25.00
        (100, 180, 30.9, "obese", 1),
        (120, 180, 37.0, "obese", 2),
        (150, 180, 46.3, "obese", 3),
    ],
)
def test_bmi_who_categories(weight_kg, height_cm, value, category, obesity_class):
    assert metrics.bmi(weight_kg=weight_kg, height_cm=height_cm) == metrics.BMI(value, category, obesity_class)


@pytest.mark.parametrize(
    ("weight_kg", "height_cm"), [(None, 180), (80, None), (10, 180), (80, 20), (80, 300), ("heavy", 180), (True, 180)]
)
def test_bmi_is_none_when_an_input_is_missing_or_implausible(weight_kg, height_cm):
    assert metrics.bmi(weight_kg=weight_kg, height_cm=height_cm) is None


# BMR (Mifflin-St Jeor)


def test_bmr_of_a_30_year_old_80_kg_180_cm_man_is_1780():
    # 10 x 80 + 6.25 x 180 - 5 x 30 + 5 = 800 + 1125 - 150 + 5
    result = metrics.bmr(weight_kg=80, height_cm=180, age=30, gender="male")
    assert result is not None
    assert result.kcal == 1780
    assert result.note is None


def test_bmr_of_the_same_woman_is_1614():
    result = metrics.bmr(weight_kg=80, height_cm=180, age=30, gender="female")
    assert result is not None
    assert result.kcal == 1614
    assert result.note is None


@pytest.mark.parametrize("gender", ["other", "prefer_not_to_say", None])
def test_bmr_for_other_genders_is_the_average_of_both_and_says_so(gender):
    result = metrics.bmr(weight_kg=80, height_cm=180, age=30, gender=gender)
    assert result is not None
    assert result.kcal == 1697  # (1780 + 1614) / 2
    assert result.note is not None
    assert "average" in result.note


@pytest.mark.parametrize(
    ("weight_kg", "height_cm", "age"), [(None, 180, 30), (80, None, 30), (80, 180, None), (80, 180, 7), (80, 180, 140)]
)
def test_bmr_is_none_when_an_input_is_missing_or_implausible(weight_kg, height_cm, age):
    assert metrics.bmr(weight_kg=weight_kg, height_cm=height_cm, age=age, gender="male") is None


# Daily energy need


@pytest.mark.parametrize(
    ("daily_activity", "kcal"),
    [
        ("sedentary", 2136),  # 1780 x 1.2
        ("lightly_active", 2448),  # 1780 x 1.375 = 2447.5
        ("moderately_active", 2759),  # 1780 x 1.55
        ("very_active", 3071),  # 1780 x 1.725 = 3070.5
        ("extra_active", 3382),  # 1780 x 1.9
    ],
)
def test_daily_energy_need_is_bmr_times_the_activity_factor(daily_activity, kcal):
    assert metrics.daily_energy_need(bmr_kcal=1780, daily_activity=daily_activity) == kcal


@pytest.mark.parametrize(("bmr_kcal", "daily_activity"), [(None, "sedentary"), (1780, None), (1780, "couch_potato")])
def test_daily_energy_need_is_none_without_bmr_or_a_known_activity(bmr_kcal, daily_activity):
    assert metrics.daily_energy_need(bmr_kcal=bmr_kcal, daily_activity=daily_activity) is None


# Training volume


def test_log_volume_is_sets_times_reps_times_weight():
    assert metrics.log_volume(sets=3, reps=10, weight_kg=Decimal("42.5")) == 1275.0


@pytest.mark.parametrize(("sets", "reps", "weight_kg"), [(None, 10, 40), (3, None, 40), (3, 10, None), (-1, 10, 40)])
def test_log_volume_is_none_when_a_part_is_missing(sets, reps, weight_kg):
    assert metrics.log_volume(sets=sets, reps=reps, weight_kg=weight_kg) is None


def test_weekly_volume_sums_iso_weeks_and_keeps_the_empty_ones():
    entries = [
        LogVolumeEntry(week(0), 3, 10, 40),  # Monday: 1200
        LogVolumeEntry(week(0, 6), 2, 5, 100),  # Sunday, same week: 1000
        LogVolumeEntry(week(2, 2), 4, 8, 50),  # Wednesday two weeks later: 1600
        LogVolumeEntry(week(2, 3), 3, 12, None),  # body weight: a log, no volume in kg
    ]
    weeks = metrics.weekly_volume(entries)
    assert [(w.week_start, w.volume_kg, w.sets, w.reps, w.logs) for w in weeks] == [
        (week(0), 2200.0, 5, 40, 2),
        (week(1), 0.0, 0, 0, 0),
        (week(2), 1600.0, 4, 32, 2),
    ]


def test_weekly_volume_spans_the_given_window_and_ignores_logs_outside_it():
    entries = [LogVolumeEntry(week(0), 3, 10, 40), LogVolumeEntry(week(3), 3, 10, 40)]
    weeks = metrics.weekly_volume(entries, start=week(1, 3), end=week(3, 6))
    assert [(w.week_start, w.volume_kg) for w in weeks] == [(week(1), 0.0), (week(2), 0.0), (week(3), 1200.0)]
    assert metrics.weekly_volume([]) == []


# Trends


def test_a_steady_rise_is_improving_with_its_slope_per_week():
    # 1000, 1100, 1200, 1300 one week apart: slope 100 per week, mean 1150, 8.7 % a week
    trend = metrics.progress_trend([(week(n), 1000 + 100 * n) for n in range(4)])
    assert trend == metrics.Trend(slope_per_week=100.0, relative_slope_per_week=0.087, label="improving", points=4)


def test_slope_is_per_week_whatever_the_spacing_of_the_points():
    # daily points rising 10 a day: 70 a week
    trend = metrics.progress_trend([(MONDAY + datetime.timedelta(days=d), 500 + 10 * d) for d in range(10)])
    assert trend is not None
    assert trend.slope_per_week == 70.0


def test_a_fall_is_declining_and_a_small_wobble_is_flat():
    falling = metrics.progress_trend([(week(n), 1300 - 100 * n) for n in range(4)])
    assert falling is not None
    assert falling.label == "declining"
    # +-10 around 1000: well within 2 % of the mean a week
    wobble = metrics.progress_trend([(week(n), v) for n, v in enumerate([1000, 1010, 990, 1005, 995])])
    assert wobble is not None
    assert wobble.label == "flat"


def test_the_threshold_decides_flat():
    points = [(week(n), 1000 + 10 * n) for n in range(4)]  # 1 % of the mean a week
    assert metrics.progress_trend(points).label == "flat"  # type: ignore[union-attr]
    assert metrics.progress_trend(points, threshold=0.005).label == "improving"  # type: ignore[union-attr]


def test_a_falling_body_weight_to_lose_is_improving():
    # 0.8 kg a week off about 88 kg: 0.9 % a week, over a 0.5 % threshold
    points = [(week(n), 90 - 0.8 * n) for n in range(5)]
    trend = metrics.progress_trend(points, threshold=0.005, higher_is_better=False)
    assert trend is not None
    assert (trend.slope_per_week, trend.label) == (-0.8, "improving")


def test_a_series_of_zeros_is_flat():
    trend = metrics.progress_trend([(week(0), 0), (week(1), 0)])
    assert trend is not None
    assert (trend.label, trend.relative_slope_per_week) == ("flat", None)


def test_a_trend_needs_two_points_on_different_dates():
    assert metrics.progress_trend([]) is None
    assert metrics.progress_trend([(week(0), 1000)]) is None
    assert metrics.progress_trend([(week(0), 1000), (week(0), 1200)]) is None
    assert metrics.progress_trend([(week(0), 1000), (week(1), None)]) is None


# One-rep max (Brzycki)


@pytest.mark.parametrize(
    ("weight_kg", "reps", "one_rep_max"),
    [
        (100, 1, 100.0),  # 100 x 36 / 36
        (100, 5, 112.5),  # 100 x 36 / 32
        (Decimal("60"), 10, 80.0),  # 60 x 36 / 27
        (80, 12, 115.2),  # 80 x 36 / 25
    ],
)
def test_brzycki_one_rep_max(weight_kg, reps, one_rep_max):
    assert metrics.one_rep_max(weight_kg=weight_kg, reps=reps) == one_rep_max


@pytest.mark.parametrize(("weight_kg", "reps"), [(None, 5), (100, None), (100, 0), (100, 13), (100, 37), (0, 5)])
def test_brzycki_is_none_outside_its_range(weight_kg, reps):
    assert metrics.one_rep_max(weight_kg=weight_kg, reps=reps) is None
