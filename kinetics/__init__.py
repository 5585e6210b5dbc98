"""Cold-chain arithmetic shared by the chaincode and the tracker's reports (pure).

Duration rule: a logger samples, it does not integrate. Each reading holds from its own
timestamp until the next reading of the same batch; the last reading of a batch carries no
duration. Mean kinetic temperature (ICH Q1A / USP <1079>), with dH/R = 10 000 K:
    MKT = (dH/R) / -ln( sum(t_i * exp(-(dH/R) / T_i)) / sum(t_i) )
with T_i in kelvin and t_i the duration of reading i. 22 h at 5 degC + 2 h at 25 degC gives
9.83 degC (arithmetic mean 6.67 degC).

Inputs the formula cannot take raise ValueError (never ZeroDivisionError or OverflowError): a
temperature at or below absolute zero (T_i <= 0 K), and sums whose ratio reaches 1, which is
what readings so hot that exp(-(dH/R) / T_i) rounds to 1 give (e.g. 1e21 degC). Which readings
are plausible (say, at most 1000 degC) is the caller's rule, not this module's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

DELTA_H_OVER_R = 10_000.0
KELVIN_OFFSET = 273.15


def durations_minutes(times: Sequence[datetime]) -> list[float]:
    """Minutes each reading holds: until the next one; zero for the last one."""
    pairs = zip(times, times[1:], strict=False)  # n-1 pairs by construction
    spans = [(later - earlier).total_seconds() / 60.0 for earlier, later in pairs]
    return [*spans, 0.0] if times else []


def is_outside(celsius: float, min_c: float, max_c: float) -> bool:
    """True when a temperature is strictly outside the allowed range (bounds are inside)."""
    return celsius < min_c or celsius > max_c


def kinetic_weight(celsius: float, minutes: float) -> float:
    """Arrhenius-weighted duration t * exp(-(dH/R) / T) that MKT sums; ValueError at <= 0 K."""
    kelvin = celsius + KELVIN_OFFSET
    if not math.isfinite(kelvin) or kelvin <= 0:
        # 0 K divides by zero; below it exp(+huge) overflows: neither is a temperature.
        raise ValueError(
            f"MKT needs temperatures above absolute zero ({-KELVIN_OFFSET} degC), got {celsius!r}"
        )
    return minutes * math.exp(-DELTA_H_OVER_R / kelvin)


def mkt_celsius(kinetic_weight_sum: float, duration_minutes: float) -> float | None:
    """Mean kinetic temperature in degC (0.01 degC) from the two sums.

    None without duration, or when every weight underflowed to 0 (readings within ~13 K of
    absolute zero, far below any MKT limit). ValueError when the sums cannot come from
    temperatures above absolute zero, or are too hot for the formula (ratio rounds to 1).
    """
    if not (math.isfinite(kinetic_weight_sum) and math.isfinite(duration_minutes)):
        raise ValueError("MKT sums must be finite")
    if duration_minutes <= 0:
        return None
    ratio = kinetic_weight_sum / duration_minutes
    if ratio == 0:
        return None
    if not 0 < ratio < 1:
        # ratio 1 makes -ln(ratio) zero (the ZeroDivisionError of readings near 1e21 degC);
        # above 1 or below 0 the sums do not come from temperatures above absolute zero.
        raise ValueError(
            f"no MKT for a kinetic weight sum of {kinetic_weight_sum!r} over "
            f"{duration_minutes!r} minutes: the readings are too hot or not temperatures"
        )
    kelvin = DELTA_H_OVER_R / -math.log(ratio)
    return round(kelvin - KELVIN_OFFSET, 2)
