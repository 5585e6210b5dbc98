"""Cold-chain recomputation and chart decimation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.reports.conftest import PROFILE, START, readings
from tracker.reports.chart import decimate, merge_spans
from tracker.reports.coldchain import Excursion, analyse, verdict_status
from tracker.reports.model import TemperatureReading


def test_mkt_is_duration_weighted_like_the_chaincode() -> None:
    # 22 h at 5 degC then 2 h at 25 degC (a closing reading ends the last span): 9.83 degC.
    series = [
        TemperatureReading(START, 5.0),
        TemperatureReading(START + timedelta(hours=22), 25.0),
        TemperatureReading(START + timedelta(hours=24), 25.0),
    ]
    result = analyse(series, PROFILE)
    assert result.mkt_celsius == 9.83
    assert analyse([TemperatureReading(START, 5.0)], PROFILE).mkt_celsius is None


def test_minutes_outside_counts_until_the_next_in_band_reading() -> None:
    result = analyse(readings(START, 100, excursion=(10, 13)), PROFILE)
    assert result.minutes_outside == 15.0
    assert result.excursions == (
        Excursion(START + timedelta(minutes=50), START + timedelta(minutes=65), 9.2),
    )
    assert result.status == "excursion"


def test_verdict_thresholds() -> None:
    assert verdict_status(PROFILE, 0, 5.0, any_outside=False) == "ok"
    assert verdict_status(PROFILE, 0, 5.0, any_outside=True) == "excursion"  # a last reading
    assert verdict_status(PROFILE, 60, 5.0, any_outside=True) == "excursion"
    assert verdict_status(PROFILE, 61, 5.0, any_outside=True) == "breach"
    assert verdict_status(PROFILE, 0, 8.5, any_outside=False) == "breach"  # MKT limit


def test_unsorted_readings_and_trailing_excursion() -> None:
    series = list(readings(START, 20, excursion=(18, 20)))
    result = analyse(list(reversed(series)), PROFILE)
    assert result.minutes_outside == 5.0  # the last reading holds no time
    assert result.excursions[-1].end == series[-1].time


def test_decimation_keeps_every_extreme() -> None:
    series = list(readings(START, 10_000, 1.0, excursion=(7001, 7002)))
    kept = decimate(series, 2000)
    assert len(kept) <= 2000
    assert max(r.celsius for r in kept) == 9.0
    assert kept == sorted(kept, key=lambda r: r.time)
    assert decimate(series[:50], 2000) == series[:50]


def test_many_excursion_spans_are_merged_for_drawing() -> None:
    spans = [
        Excursion(START + timedelta(minutes=10 * i), START + timedelta(minutes=10 * i + 5), 9.0)
        for i in range(500)
    ]
    merged = merge_spans(spans, limit=200)
    assert len(merged) == 200
    assert merged[0][0] < merged[-1][1]


def test_naive_times_are_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        TemperatureReading(START.replace(tzinfo=None), 4.0)
