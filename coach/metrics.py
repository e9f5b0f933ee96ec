"""Fitness metrics the coach quotes: pure functions, no database.

Every function returns None, never raises, when an input is missing or outside a plausible range
(the ranges are those the profile and the workout log accept), so a coach can call them on any
profile and say "unknown" instead of inventing a number.

Formulas:
- BMI = weight_kg / (height_cm / 100)², WHO adult categories: underweight < 18.5 <= normal < 25
  <= overweight < 30 <= obese (class I < 35 <= class II < 40 <= class III).
- BMR (Mifflin-St Jeor, kcal/day) = 10 x weight_kg + 6.25 x height_cm - 5 x age + s, with s = +5 for
  men and -161 for women; for any other or unknown gender, the average of the two (s = -78).
- Daily energy need (TDEE, kcal/day) = BMR x activity factor (sedentary 1.2, lightly_active 1.375,
  moderately_active 1.55, very_active 1.725, extra_active 1.9).
- Training volume (kg) = sets x reps x weight_kg, summed per ISO week (Monday to Sunday).
- Trend: the least-squares slope of the series against time, in units per week, compared with the
  series' mean: above +threshold (default 2 % of the mean per week) is improving, below -threshold
  declining, else flat.
- One-rep max (Brzycki) = weight_kg x 36 / (37 - reps), for 1 to 12 reps (beyond that it is unreliable).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

Number = int | float | Decimal

# Plausible ranges, as the profile (accounts.api.serializers) and the workout log accept them.
AGE_RANGE = (13, 100)
WEIGHT_KG_RANGE = (25.0, 350.0)
HEIGHT_CM_RANGE = (100.0, 250.0)
LOG_SETS_RANGE = (0, 50)
LOG_REPS_RANGE = (0, 1000)
LOG_WEIGHT_KG_RANGE = (0.0, 1000.0)
BRZYCKI_MAX_REPS = 12

MALE_CONSTANT = 5.0
FEMALE_CONSTANT = -161.0
# Neither male nor female (other, prefer_not_to_say, unknown): halfway between the two equations.
UNSPECIFIED_CONSTANT = (MALE_CONSTANT + FEMALE_CONSTANT) / 2

ACTIVITY_FACTORS: dict[str, float] = {
    "sedentary": 1.2,
    "lightly_active": 1.375,
    "moderately_active": 1.55,
    "very_active": 1.725,
    "extra_active": 1.9,
}

# A trend within +-2 % of the series' mean per week is flat.
DEFAULT_TREND_THRESHOLD = 0.02

BMICategory = Literal["underweight", "normal", "overweight", "obese"]
TrendLabel = Literal["improving", "flat", "declining"]


@dataclass(frozen=True)
class BMI:
    value: float  # kg/m², one decimal
    category: BMICategory
    obesity_class: int | None  # WHO class I, II or III when obese


@dataclass(frozen=True)
class BMR:
    kcal: int
    sex_constant: float
    # Set when the equation was not the one of the user's gender: why, in one sentence.
    note: str | None


@dataclass(frozen=True)
class WeekVolume:
    week_start: datetime.date  # a Monday
    volume_kg: float
    sets: int
    reps: int
    logs: int


@dataclass(frozen=True)
class Trend:
    slope_per_week: float
    relative_slope_per_week: float | None  # slope / |mean|; None when the mean is 0
    label: TrendLabel
    points: int


@dataclass(frozen=True)
class LogVolumeEntry:
    """What weekly_volume needs from one workout log."""

    date_performed: datetime.date
    sets: int | None
    reps: int | None
    weight_kg: Number | None


def _round(value: float, places: int = 0) -> float:
    """Rounded half away from zero, as by hand (round() takes halves to even: 3070.5 to 3070), on the
    shortest decimal that prints the float."""
    exponent = Decimal(1).scaleb(-places)
    return float(Decimal(repr(value)).quantize(exponent, rounding=ROUND_HALF_UP))


def _number(value: Number | None, bounds: tuple[float, float]) -> float | None:
    """The value as a finite float within bounds (inclusive), else None. Booleans are not numbers."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, ArithmeticError):
        return None
    if not math.isfinite(number) or not bounds[0] <= number <= bounds[1]:
        return None
    return number


def bmi(*, weight_kg: Number | None, height_cm: Number | None) -> BMI | None:
    """Body-mass index, kg/m² to one decimal, with its WHO category (decided on the rounded value,
    so a BMI shown as 25.0 is never called normal)."""
    weight = _number(weight_kg, WEIGHT_KG_RANGE)
    height = _number(height_cm, HEIGHT_CM_RANGE)
    if weight is None or height is None:
        return None
    value = _round(weight / (height / 100) ** 2, 1)
    if value < 18.5:
        return BMI(value, "underweight", None)
    if value < 25:
        return BMI(value, "normal", None)
    if value < 30:
        return BMI(value, "overweight", None)
    return BMI(value, "obese", 1 if value < 35 else 2 if value < 40 else 3)


def bmr(*, weight_kg: Number | None, height_cm: Number | None, age: int | None, gender: str | None) -> BMR | None:
    """Basal metabolic rate by Mifflin-St Jeor, kcal/day rounded to the unit. A gender other than
    male or female (or none) uses the average of the two equations, and the result says so."""
    weight = _number(weight_kg, WEIGHT_KG_RANGE)
    height = _number(height_cm, HEIGHT_CM_RANGE)
    years = _number(age, AGE_RANGE)
    if weight is None or height is None or years is None:
        return None
    note: str | None = None
    if gender == "male":
        constant = MALE_CONSTANT
    elif gender == "female":
        constant = FEMALE_CONSTANT
    else:
        constant = UNSPECIFIED_CONSTANT
        note = "Gender not given as male or female: the average of the male and female equations is used."
    kcal = 10 * weight + 6.25 * height - 5 * years + constant
    return BMR(kcal=int(_round(kcal)), sex_constant=constant, note=note)


def activity_factor(daily_activity: str | None) -> float | None:
    """The multiplier of BMR for a daily activity level; None for an unknown level."""
    if daily_activity is None:
        return None
    return ACTIVITY_FACTORS.get(daily_activity)


def daily_energy_need(*, bmr_kcal: Number | None, daily_activity: str | None) -> int | None:
    """Total daily energy expenditure, kcal/day rounded to the unit: BMR x activity factor."""
    base = _number(bmr_kcal, (500.0, 6000.0))
    factor = activity_factor(daily_activity)
    if base is None or factor is None:
        return None
    return int(_round(base * factor))


def log_volume(*, sets: int | None, reps: int | None, weight_kg: Number | None) -> float | None:
    """Volume of one log in kg: sets x reps x weight. None when a part is missing or implausible
    (a body-weight log with no weight has no volume in kg)."""
    set_count = _number(sets, LOG_SETS_RANGE)
    rep_count = _number(reps, LOG_REPS_RANGE)
    weight = _number(weight_kg, LOG_WEIGHT_KG_RANGE)
    if set_count is None or rep_count is None or weight is None:
        return None
    return _round(set_count * rep_count * weight, 2)


def week_start(day: datetime.date) -> datetime.date:
    """The Monday of the ISO week of a date."""
    return day - datetime.timedelta(days=day.weekday())


def weekly_volume(
    entries: Iterable[LogVolumeEntry],
    *,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> list[WeekVolume]:
    """Training volume per ISO week, oldest first, every week from `start` (default: the first log)
    to `end` (default: the last log) present, weeks without logs at 0 so a trend sees the gaps.
    Logs with no measurable volume (missing sets, reps or weight) count in `logs` only; logs outside
    [start, end] are ignored. An empty list when there is nothing to span."""
    totals: dict[datetime.date, list[float]] = {}
    for entry in entries:
        day = entry.date_performed
        if (start and day < start) or (end and day > end):
            continue
        week = totals.setdefault(week_start(day), [0.0, 0, 0, 0])
        week[3] += 1
        volume = log_volume(sets=entry.sets, reps=entry.reps, weight_kg=entry.weight_kg)
        if volume is not None and entry.sets is not None and entry.reps is not None:
            week[0] += volume
            week[1] += entry.sets
            week[2] += entry.sets * entry.reps
    if not totals and (start is None or end is None):
        return []
    first = week_start(start) if start else min(totals)
    last = week_start(end) if end else max(totals)
    weeks: list[WeekVolume] = []
    monday = first
    while monday <= last:
        volume_kg, sets, reps, logs = totals.get(monday, [0.0, 0, 0, 0])
        weeks.append(WeekVolume(monday, _round(volume_kg, 2), int(sets), int(reps), int(logs)))
        monday += datetime.timedelta(days=7)
    return weeks


def progress_trend(
    points: Sequence[tuple[datetime.date, Number | None]],
    *,
    threshold: float = DEFAULT_TREND_THRESHOLD,
    higher_is_better: bool = True,
) -> Trend | None:
    """The trend of a dated series: the least-squares slope in units per week and a label.

    The slope relative to the mean magnitude of the series decides: above `threshold` the series is
    improving (declining when `higher_is_better` is False, for a weight to lose), below -threshold
    the opposite, else flat. A series whose mean is 0 is flat unless its slope is not 0. Points with
    no value are skipped; None with fewer than two points on distinct dates."""
    series: list[tuple[datetime.date, float]] = []
    for day, value in points:
        number = _number(value, (-1e12, 1e12))
        if number is not None:
            series.append((day, number))
    if len(series) < 2 or len({day for day, _ in series}) < 2 or not math.isfinite(threshold) or threshold < 0:
        return None
    origin = min(day for day, _ in series)
    xs = [(day - origin).days / 7 for day, _ in series]
    ys = [value for _, value in series]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    covariance = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    variance = sum((x - mean_x) ** 2 for x in xs)
    slope = covariance / variance
    relative = slope / abs(mean_y) if mean_y else None
    direction = relative if relative is not None else (math.copysign(math.inf, slope) if slope else 0.0)
    if not higher_is_better:
        direction = -direction
    label: TrendLabel = "improving" if direction > threshold else "declining" if direction < -threshold else "flat"
    return Trend(
        slope_per_week=_round(slope, 3),
        relative_slope_per_week=_round(relative, 4) if relative is not None else None,
        label=label,
        points=len(series),
    )


def one_rep_max(*, weight_kg: Number | None, reps: int | None) -> float | None:
    """Estimated one-rep max by Brzycki, kg to one decimal: weight x 36 / (37 - reps), 1 to 12 reps."""
    weight = _number(weight_kg, (0.5, LOG_WEIGHT_KG_RANGE[1]))
    rep_count = _number(reps, (1, BRZYCKI_MAX_REPS))
    if weight is None or rep_count is None or rep_count != int(rep_count):
        return None
    return _round(weight * 36 / (37 - rep_count), 1)
