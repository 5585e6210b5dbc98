"""Cold-chain arithmetic for data-logger batches (pure).

Duration rule: a logger samples, it does not integrate. Each reading is taken
to hold from its own timestamp until the next reading of the same batch; the
last reading of a batch closes the batch and carries no duration. Gaps
between batches are therefore never counted (nobody observed them).

Minutes outside: the summed durations of readings strictly below ``min_c`` or
strictly above ``max_c`` (a reading exactly on a bound is inside).

Mean kinetic temperature (ICH Q1A / USP <1079>), with dH/R = 10 000 K:
    MKT = (dH/R) / -ln( sum(t_i * exp(-(dH/R) / T_i)) / sum(t_i) )
with T_i in kelvin and t_i the duration of reading i. Shipment totals keep the
two sums, so MKT over all batches is exact regardless of how they were split.

Verdict: ``breach`` when cumulative minutes outside exceed the allowance or
the MKT (rounded to 0.01 degC, as displayed) exceeds its limit; ``excursion``
when any reading was outside but the allowance still holds; otherwise ``ok``.
Verdicts only get worse: a breach stays a breach even if later cold readings
pull the MKT back down, because the goods were exposed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import kinetics
from records import ColdChainProfile, ColdChainTotals, TemperatureSummary, format_instant

# Minutes are seconds / 60 summed as floats; this keeps an exact boundary
# (e.g. 30 min outside with a 30 min allowance) from tipping over by 1e-15.
_MINUTES_EPSILON = 1e-9
VERDICT_RANK = {"ok": 0, "excursion": 1, "breach": 2}


@dataclass(frozen=True)
class BatchSums:
    """Exact sums of one batch that the rounded summary cannot carry."""

    kinetic_weight_sum: float
    sum_c: float


@dataclass(frozen=True)
class Reading:
    """One logger sample: UTC time and temperature in degrees Celsius."""

    at: datetime
    celsius: float


def durations_minutes(readings: tuple[Reading, ...]) -> list[float]:
    """Minutes each reading holds: until the next one; zero for the last one."""
    return kinetics.durations_minutes([reading.at for reading in readings])


def is_outside(celsius: float, profile: ColdChainProfile) -> bool:
    """True when a temperature is strictly outside the allowed range."""
    return kinetics.is_outside(celsius, profile.min_c, profile.max_c)


def summarize_batch(
    readings: tuple[Reading, ...], profile: ColdChainProfile, raw_sha256: str
) -> tuple[TemperatureSummary, BatchSums]:
    """Summary of one batch plus the exact sums the running totals need."""
    if not readings:
        raise ValueError("a batch needs at least one reading")
    spans = durations_minutes(readings)
    temps = [reading.celsius for reading in readings]
    outside = [is_outside(celsius, profile) for celsius in temps]
    weight_sum = sum(kinetics.kinetic_weight(c, m) for c, m in zip(temps, spans, strict=True))
    duration = sum(spans)
    summary = TemperatureSummary(
        min_c=min(temps),
        max_c=max(temps),
        mean_c=round(sum(temps) / len(temps), 3),
        count=len(temps),
        readings_outside=sum(outside),
        minutes_outside=sum(m for m, out in zip(spans, outside, strict=True) if out),
        duration_minutes=duration,
        mkt_c=kinetics.mkt_celsius(weight_sum, duration),
        first_reading=format_instant(readings[0].at),
        last_reading=format_instant(readings[-1].at),
        raw_sha256=raw_sha256,
    )
    return summary, BatchSums(kinetic_weight_sum=weight_sum, sum_c=sum(temps))


def verdict_for(totals: ColdChainTotals, profile: ColdChainProfile) -> str:
    """Verdict of the running totals alone (see the module docstring)."""
    over_allowance = totals.minutes_outside > profile.allowed_minutes_outside + _MINUTES_EPSILON
    over_mkt = (
        profile.mkt_limit_c is not None
        and totals.mkt_c is not None
        and totals.mkt_c > profile.mkt_limit_c
    )
    if over_allowance or over_mkt:
        return "breach"
    if totals.readings_outside > 0:
        return "excursion"
    return "ok"


def worse(first: str, second: str) -> str:
    """The more severe of two verdicts."""
    return first if VERDICT_RANK[first] >= VERDICT_RANK[second] else second


def accumulate(
    totals: ColdChainTotals,
    summary: TemperatureSummary,
    sums: BatchSums,
    profile: ColdChainProfile,
) -> ColdChainTotals:
    """Add one batch to the shipment's running totals and re-derive the verdict."""
    kinetic = totals.kinetic_weight_sum + sums.kinetic_weight_sum
    duration = totals.duration_minutes + summary.duration_minutes
    merged = replace(
        totals,
        readings=totals.readings + summary.count,
        readings_outside=totals.readings_outside + summary.readings_outside,
        duration_minutes=duration,
        minutes_outside=totals.minutes_outside + summary.minutes_outside,
        kinetic_weight_sum=kinetic,
        sum_c=totals.sum_c + sums.sum_c,
        min_c=summary.min_c if totals.min_c is None else min(totals.min_c, summary.min_c),
        max_c=summary.max_c if totals.max_c is None else max(totals.max_c, summary.max_c),
        mkt_c=kinetics.mkt_celsius(kinetic, duration),
    )
    return replace(merged, verdict=worse(totals.verdict, verdict_for(merged, profile)))
