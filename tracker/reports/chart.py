"""The temperature chart as PNG (matplotlib Agg): °C over time, band shaded, excursions marked."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from tracker.reports.coldchain import Excursion, outside
from tracker.reports.model import ColdChainProfile, TemperatureReading

# Above this many points the line is decimated for drawing only: a 7-inch plot at 150 dpi has
# about 1000 pixel columns, so more points add time but no visible detail.
MAX_DRAWN_POINTS = 2000
# Beyond this many excursion spans, neighbours are merged so the shading stays one draw call each.
MAX_SPANS = 200
# matplotlib's default date epoch: x values are days since it, as its own date2num gives.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def date_number(value: datetime) -> float:
    """Days since the Unix epoch, matplotlib's float date unit."""
    return (value - EPOCH).total_seconds() / 86400.0


def decimate(readings: Sequence[TemperatureReading], limit: int) -> list[TemperatureReading]:
    """Min/max decimation: per bucket keep the lowest and highest reading, in time order.

    Unlike every-nth sampling this keeps every extreme, so no excursion vanishes from the plot.
    """
    if len(readings) <= limit:
        return list(readings)
    buckets = max(1, limit // 2)
    size = len(readings) / buckets
    kept: list[TemperatureReading] = []
    for b in range(buckets):
        chunk = readings[int(b * size) : int((b + 1) * size)]
        if not chunk:
            continue
        low = min(chunk, key=lambda r: r.celsius)
        high = max(chunk, key=lambda r: r.celsius)
        kept.extend(sorted({id(low): low, id(high): high}.values(), key=lambda r: r.time))
    return kept


def merge_spans(
    excursions: Sequence[Excursion], limit: int = MAX_SPANS
) -> list[tuple[float, float]]:
    """Excursion intervals as matplotlib date numbers, merging the closest ones beyond limit."""
    spans = [(date_number(e.start), date_number(e.end)) for e in excursions]
    while len(spans) > limit:
        gaps = sorted(range(len(spans) - 1), key=lambda i: spans[i + 1][0] - spans[i][1])
        drop = set(gaps[: len(spans) - limit])
        merged: list[tuple[float, float]] = []
        for i, span in enumerate(spans):
            if merged and (i - 1) in drop:
                merged[-1] = (merged[-1][0], span[1])
            else:
                merged.append(span)
        spans = merged
    return spans


def temperature_chart_png(
    readings: Sequence[TemperatureReading],
    profile: ColdChainProfile,
    excursions: Sequence[Excursion],
    dpi: int = 150,
) -> bytes:
    """Draws the readings against the allowed band and returns PNG bytes."""
    ordered = sorted(readings, key=lambda r: r.time)
    drawn = decimate(ordered, MAX_DRAWN_POINTS)
    # Figure + Agg canvas directly (no pyplot): no global state, safe in a server process.
    figure = Figure(figsize=(7.0, 3.2), dpi=dpi, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.axhspan(profile.min_celsius, profile.max_celsius, color="#cfe8cf", label="allowed band")
    for start, end in merge_spans(excursions):
        axes.axvspan(start, end, color="#f4c2c2", alpha=0.6, linewidth=0)
    x = [date_number(r.time) for r in drawn]
    axes.plot(x, [r.celsius for r in drawn], color="#1f4e79", linewidth=0.8, label="reading")
    out = [(xi, r.celsius) for xi, r in zip(x, drawn, strict=True) if outside(profile, r.celsius)]
    if out:
        axes.scatter(
            [p[0] for p in out],
            [p[1] for p in out],
            s=6,
            color="#c00000",
            zorder=3,
            label="outside band",
        )
    axes.xaxis_date(tz=UTC)  # float day numbers above, labelled as UTC dates
    figure.autofmt_xdate(rotation=30)  # date labels are long: slant them so they never overlap
    axes.set_xlabel("time (UTC)")
    axes.set_ylabel("temperature (°C)")
    axes.grid(True, linewidth=0.3)
    axes.legend(loc="upper right", fontsize=7)
    buffer = io.BytesIO()
    # A fixed Software tag and no date keep the PNG bytes reproducible run to run.
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
