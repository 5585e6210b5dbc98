"""Recomputes the cold-chain verdict from every logger reading, to check the ledger's verdict.

The arithmetic is the chaincode's own (the shared `kinetics` module): each reading holds until
the next, MKT is duration-weighted, a verdict is `excursion` as soon as one reading is outside.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import kinetics
from tracker.reports.model import ColdChainProfile, TemperatureReading

# Minutes are float sums; an exact boundary (30 min outside, 30 allowed) must not tip over.
_MINUTES_EPSILON = 1e-9


@dataclass(frozen=True)
class Excursion:
    """A run of readings outside the allowed band: from the first one to the next in-band one."""

    start: datetime
    end: datetime
    extreme_celsius: float


@dataclass(frozen=True)
class ColdChainAnalysis:
    """The verdict recomputed from all readings (never from a downsampled series)."""

    status: str
    minutes_outside: float
    min_celsius: float | None
    max_celsius: float | None
    mkt_celsius: float | None
    reading_count: int
    excursions: tuple[Excursion, ...]


def outside(profile: ColdChainProfile, celsius: float) -> bool:
    """True when a temperature lies outside the profile's band (limits themselves are allowed)."""
    return kinetics.is_outside(celsius, profile.min_celsius, profile.max_celsius)


def find_excursions(
    readings: Sequence[TemperatureReading], profile: ColdChainProfile
) -> tuple[Excursion, ...]:
    """Runs of out-of-band readings; a reading holds until the next one, so a run ends there."""
    found: list[Excursion] = []
    start: TemperatureReading | None = None
    extreme = 0.0
    for reading in readings:
        if outside(profile, reading.celsius):
            if start is None:
                start, extreme = reading, reading.celsius
            elif _further(profile, reading.celsius, extreme):
                extreme = reading.celsius
        elif start is not None:
            found.append(Excursion(start.time, reading.time, extreme))
            start = None
    if start is not None:
        found.append(Excursion(start.time, readings[-1].time, extreme))
    return tuple(found)


def _further(profile: ColdChainProfile, candidate: float, current: float) -> bool:
    """True when candidate is further from the band than current."""
    return _distance(profile, candidate) > _distance(profile, current)


def _distance(profile: ColdChainProfile, celsius: float) -> float:
    """How far a temperature lies outside the band (0 inside)."""
    return max(profile.min_celsius - celsius, celsius - profile.max_celsius, 0.0)


def analyse(readings: Sequence[TemperatureReading], profile: ColdChainProfile) -> ColdChainAnalysis:
    """Recomputes minutes outside, min/max, MKT and the verdict from time-ordered readings."""
    ordered = sorted(readings, key=lambda r: r.time)
    spans = kinetics.durations_minutes([r.time for r in ordered])
    values = [r.celsius for r in ordered]
    flags = [outside(profile, c) for c in values]
    minutes = sum(m for m, out in zip(spans, flags, strict=True) if out)
    weights = sum(kinetics.kinetic_weight(c, m) for c, m in zip(values, spans, strict=True))
    mkt = kinetics.mkt_celsius(weights, sum(spans))
    return ColdChainAnalysis(
        status=verdict_status(profile, minutes, mkt, any_outside=any(flags)),
        minutes_outside=round(minutes, 3),
        min_celsius=min(values) if values else None,
        max_celsius=max(values) if values else None,
        mkt_celsius=mkt,
        reading_count=len(ordered),
        excursions=find_excursions(ordered, profile),
    )


def verdict_status(
    profile: ColdChainProfile, minutes_outside: float, mkt: float | None, *, any_outside: bool
) -> str:
    """ok (never outside), excursion (within the allowance) or breach (allowance or MKT over)."""
    limit = profile.mkt_limit_celsius
    over_allowance = minutes_outside > profile.allowed_minutes_outside + _MINUTES_EPSILON
    if over_allowance or (limit is not None and mkt is not None and mkt > limit):
        return "breach"
    return "excursion" if any_outside else "ok"
