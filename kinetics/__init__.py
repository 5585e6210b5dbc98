"""Cold-chain arithmetic shared by the chaincode and the tracker's reports (pure).

Duration rule: a logger samples, it does not integrate. Each reading holds from its own
timestamp until the next reading of the same batch; the last reading of a batch carries no
duration. Mean kinetic temperature (ICH Q1A / USP <1079>), with dH/R = 10 000 K:
    MKT = (dH/R) / -ln( sum(t_i * exp(-(dH/R) / T_i)) / sum(t_i) )
with T_i in kelvin and t_i the duration of reading i. 22 h at 5 degC + 2 h at 25 degC gives
9.83 degC (arithmetic mean 6.67 degC).
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
    """Arrhenius-weighted duration t * exp(-(dH/R) / T) that MKT sums."""
    return minutes * math.exp(-DELTA_H_OVER_R / (celsius + KELVIN_OFFSET))


def mkt_celsius(kinetic_weight_sum: float, duration_minutes: float) -> float | None:
    """Mean kinetic temperature in degC (0.01 degC) from the two sums; None without duration."""
    if duration_minutes <= 0 or kinetic_weight_sum <= 0:
        return None
    kelvin = DELTA_H_OVER_R / -math.log(kinetic_weight_sum / duration_minutes)
    return round(kelvin - KELVIN_OFFSET, 2)
