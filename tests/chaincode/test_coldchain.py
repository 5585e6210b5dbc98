"""Excursion minutes, mean kinetic temperature and cumulative verdicts."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

import kinetics
from chaincode import coldchain
from chaincode.coldchain import Reading
from records import ColdChainProfile, ColdChainTotals

T0 = datetime(2025, 3, 1, tzinfo=UTC)
PROFILE = ColdChainProfile(min_c=2, max_c=8, allowed_minutes_outside=30, mkt_limit_c=8)


def batch(*points: tuple[float, float]) -> tuple[Reading, ...]:
    """Readings from (minutes after T0, celsius) pairs."""
    return tuple(Reading(T0 + timedelta(minutes=m), c) for m, c in points)


def summarize(readings: tuple[Reading, ...], profile: ColdChainProfile = PROFILE):  # type: ignore[no-untyped-def]
    return coldchain.summarize_batch(readings, profile, "0" * 64)


def test_mkt_reference_example() -> None:
    # 22 h at 5 degC then 2 h at 25 degC; the last reading closes the batch.
    summary, _ = summarize(batch((0, 5), (22 * 60, 25), (24 * 60, 25)))
    assert summary.mkt_c == 9.83
    assert summary.duration_minutes == 24 * 60
    # The arithmetic mean of the *time-weighted* profile would be 6.67; the
    # reading mean is plain: (5 + 25 + 25) / 3.
    assert round((22 * 5 + 2 * 25) / 24, 2) == 6.67
    assert summary.mean_c == pytest.approx(18.333, abs=1e-3)


def test_each_reading_holds_until_the_next() -> None:
    summary, _ = summarize(batch((0, 5), (10, 9), (25, 5), (40, 5)))
    assert summary.minutes_outside == 15  # the 9 degC reading, held 10 -> 25
    assert summary.readings_outside == 1
    assert (summary.min_c, summary.max_c, summary.count) == (5, 9, 4)
    assert summary.first_reading == "2025-03-01T00:00:00Z"
    assert summary.last_reading == "2025-03-01T00:40:00Z"


def test_last_reading_carries_no_duration() -> None:
    summary, _ = summarize(batch((0, 5), (10, 12)))
    assert summary.minutes_outside == 0
    assert summary.readings_outside == 1


def test_single_reading_has_no_mkt() -> None:
    summary, _ = summarize(batch((0, 5)))
    assert summary.mkt_c is None
    assert summary.duration_minutes == 0


@pytest.mark.parametrize(
    ("celsius", "outside"), [(2.0, False), (8.0, False), (1.99, True), (8.01, True)]
)
def test_range_bounds_are_inclusive(celsius: float, outside: bool) -> None:
    assert coldchain.is_outside(celsius, PROFILE) is outside


def _totals_after(
    *batches: tuple[Reading, ...], profile: ColdChainProfile = PROFILE
) -> ColdChainTotals:
    totals = ColdChainTotals()
    for readings in batches:
        summary, sums = summarize(readings, profile)
        totals = coldchain.accumulate(totals, summary, sums, profile)
    return totals


def test_verdict_ok_when_always_inside() -> None:
    assert _totals_after(batch((0, 4), (60, 5))).verdict == "ok"


def test_exactly_the_allowance_is_an_excursion_one_second_more_a_breach() -> None:
    exactly = batch((0, 9), (30, 5), (60, 5))
    assert _totals_after(exactly).minutes_outside == 30
    assert _totals_after(exactly).verdict == "excursion"
    over = (Reading(T0, 9), Reading(T0 + timedelta(minutes=30, seconds=1), 5))
    assert _totals_after(over).verdict == "breach"


def test_allowance_is_cumulative_across_batches() -> None:
    first = batch((0, 9), (20, 5), (30, 5))
    second = batch((100, 10), (111, 5), (120, 5))
    assert _totals_after(first).verdict == "excursion"
    totals = _totals_after(first, second)
    assert totals.minutes_outside == 31
    assert totals.verdict == "breach"
    assert totals.readings == 6


def test_mkt_limit_breach_and_exact_limit() -> None:
    warm = ColdChainProfile(min_c=-50, max_c=50, allowed_minutes_outside=0, mkt_limit_c=9.83)
    readings = batch((0, 5), (22 * 60, 25), (24 * 60, 25))
    assert _totals_after(readings, profile=warm).verdict == "ok"  # MKT 9.83 == limit
    stricter = ColdChainProfile(min_c=-50, max_c=50, allowed_minutes_outside=0, mkt_limit_c=9.82)
    assert _totals_after(readings, profile=stricter).verdict == "breach"


def test_mkt_over_all_batches_equals_mkt_of_the_whole() -> None:
    whole = _totals_after(batch((0, 5), (22 * 60, 25), (24 * 60, 25)))
    split = _totals_after(batch((0, 5), (22 * 60, 5)), batch((22 * 60, 25), (24 * 60, 25)))
    assert split.mkt_c == whole.mkt_c == 9.83


def test_breach_is_sticky_even_if_mkt_recovers() -> None:
    profile = ColdChainProfile(min_c=-50, max_c=50, allowed_minutes_outside=0, mkt_limit_c=10)
    hot = batch((0, 30), (60, 30))
    cold = batch((120, 0), (24 * 60, 0))
    totals = _totals_after(hot, cold, profile=profile)
    assert totals.mkt_c is not None and totals.mkt_c < 10
    assert totals.verdict == "breach"


@pytest.mark.parametrize("celsius", [-273.15, -273.16, -1e20, float("nan"), float("inf")])
def test_kinetic_weight_refuses_what_is_not_above_absolute_zero(celsius: float) -> None:
    with pytest.raises(ValueError, match="above absolute zero"):
        kinetics.kinetic_weight(celsius, 60.0)


def test_mkt_of_readings_too_hot_for_the_formula_is_a_value_error() -> None:
    # exp(-(dH/R)/T) rounds to 1 at 1e21 degC: -ln(1) = 0 used to divide by zero.
    weight = kinetics.kinetic_weight(1e21, 60.0)
    with pytest.raises(ValueError, match="too hot"):
        kinetics.mkt_celsius(weight, 60.0)


@pytest.mark.parametrize(
    ("weight_sum", "minutes"), [(61.0, 60.0), (-1.0, 60.0), (float("inf"), 60.0), (1.0, math.nan)]
)
def test_mkt_refuses_sums_no_temperature_gives(weight_sum: float, minutes: float) -> None:
    with pytest.raises(ValueError):
        kinetics.mkt_celsius(weight_sum, minutes)


@pytest.mark.parametrize(("weight_sum", "minutes"), [(0.0, 0.0), (5.0, 0.0), (0.0, 60.0)])
def test_mkt_is_none_without_duration_or_when_every_weight_underflowed(
    weight_sum: float, minutes: float
) -> None:
    assert kinetics.mkt_celsius(weight_sum, minutes) is None


def test_mkt_of_one_steady_temperature_is_that_temperature() -> None:
    for celsius in (-200.0, 5.0, 1000.0):
        assert kinetics.mkt_celsius(kinetics.kinetic_weight(celsius, 60.0), 60.0) == celsius
