"""Uploaded files: temperature-logger exports (CSV or JSON) and proof-of-delivery photos."""

from __future__ import annotations

import csv
import io
import math
import re
from datetime import datetime

from records import InvalidInstant, parse_instant
from tracker.api.bodies import loads, text_problem
from tracker.errors import ApiError
from tracker.ledger.facade_values import Reading

MAX_READINGS = 10_000
# A reading is a temperature a logger can report: above absolute zero (where the mean
# kinetic temperature divides by zero kelvin) and at most this hot.
ABSOLUTE_ZERO_C = -273.15
MAX_CELSIUS = 1000.0
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Magic numbers of the photo formats phones produce; the declared type alone proves nothing.
_PHOTO_MAGIC = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/webp": (b"RIFF",),
}


_WHY = {
    "not_text": "is not ISO-8601",
    "not_iso": "is not ISO-8601",
    "no_offset": "has no UTC offset",
    "out_of_range": "is out of range in UTC",
}


def _bad(field: str, message: str) -> ApiError:
    return ApiError(422, "INVALID_ARGUMENT", f"{field}: {message}", field=field)


def _instant(text: str, where: str) -> datetime:
    try:
        return parse_instant(text.strip())
    except InvalidInstant as error:
        raise _bad("file", f"{where}: time {text!r} {_WHY[error.kind]}") from None


def _celsius(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _bad("file", f"{where}: celsius must be a number")
    try:
        number = float(value)
    except ValueError:
        raise _bad("file", f"{where}: celsius {value!r} is not a number") from None
    if not math.isfinite(number):
        raise _bad("file", f"{where}: celsius must be finite")
    if not ABSOLUTE_ZERO_C < number <= MAX_CELSIUS:
        limits = f"above {ABSOLUTE_ZERO_C} (absolute zero) and at most {MAX_CELSIUS:g}"
        raise _bad("file", f"{where}: celsius {number:g} is not a temperature: give one {limits}")
    return number


def _from_csv(text: str) -> list[Reading]:
    rows = list(csv.reader(io.StringIO(text)))
    header = [cell.strip().lower() for cell in rows[0]] if rows else []
    if header != ["time", "celsius"]:
        raise _bad("file", "CSV must start with the header line `time,celsius`")
    readings = []
    for number, row in enumerate(rows[1:], start=2):
        if not row or not "".join(row).strip():
            continue  # blank lines, e.g. a final newline twice
        if len(row) != 2:
            raise _bad("file", f"line {number}: expected 2 columns, got {len(row)}")
        where = f"line {number}"
        readings.append(Reading(_instant(row[0], where), _celsius(row[1].strip(), where)))
    return readings


def _from_json(text: str) -> tuple[list[Reading], str]:
    data = loads(text, "file")
    if not isinstance(data, dict) or not isinstance(data.get("readings"), list):
        raise _bad("file", 'JSON must be an object {"readings": [{"time", "celsius"}, ...]}')
    unknown = set(data) - {"readings", "device_id"}
    if unknown:
        raise _bad("file", f"unknown JSON field(s): {', '.join(sorted(unknown))}")
    readings = []
    for index, item in enumerate(data["readings"]):
        where = f"readings[{index}]"
        if not isinstance(item, dict) or set(item) != {"time", "celsius"}:
            raise _bad("file", f"{where}: must be an object with exactly time and celsius")
        if not isinstance(item["time"], str):
            raise _bad("file", f"{where}: time must be a string")
        readings.append(Reading(_instant(item["time"], where), _celsius(item["celsius"], where)))
    device = data.get("device_id", "")
    if not isinstance(device, str):
        raise _bad("file", "device_id must be a string")
    return readings, device


def parse_logger_file(content: bytes) -> tuple[tuple[Reading, ...], str]:
    """Readings (and a device id found in JSON) from a logger export; 422 naming the line."""
    try:
        text = content.decode("utf-8-sig")  # loggers' Windows tools often add a BOM
    except UnicodeDecodeError:
        raise _bad("file", "must be UTF-8 text (CSV or JSON)") from None
    for number, line in enumerate(_LINE_BREAK.split(text), start=1):
        problem = text_problem(line)
        if problem is not None:
            raise _bad("file", f"line {number}: {problem}")
    if text.lstrip().startswith("{"):
        readings, device = _from_json(text)
    else:
        readings, device = _from_csv(text), ""
    if not readings:
        raise _bad("file", "holds no readings")
    if len(readings) > MAX_READINGS:
        raise _bad("file", f"holds {len(readings)} readings; at most {MAX_READINGS} per batch")
    for index in range(1, len(readings)):
        if readings[index].time <= readings[index - 1].time:
            raise _bad("file", f"reading {index + 1} is not later than the one before")
    return tuple(readings), device


def logger_media_type(content: bytes) -> str:
    """The media type the raw logger file is stored under."""
    return "application/json" if content.lstrip().startswith(b"{") else "text/csv"


def check_photo(content: bytes, declared: str | None) -> str:
    """The photo's media type, checked against its first bytes; 422 otherwise."""
    media = (declared or "").split(";")[0].strip().lower()
    if not content:
        raise _bad("photo", "is empty")
    magics = _PHOTO_MAGIC.get(media)
    if magics is None:
        raise _bad("photo", f"must be JPEG, PNG or WebP, got {media or 'no type'}")
    if not content.startswith(magics):
        raise _bad("photo", f"content is not {media}")
    return media
