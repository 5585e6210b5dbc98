"""Strict readers for client JSON: every failure names the offending field.

Clients send one JSON object per transaction; a typo in a field name must be
refused rather than silently ignored, so readers track which keys were used
and :meth:`Fields.finish` rejects the rest.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import gs1
from chaincode.errors import ChaincodeError, ErrorCode, invalid_argument
from records import InvalidInstant, format_instant, parse_instant

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
MAX_TEXT = 200
MAX_NOTES = 1000


def parse_json_object(raw: str, what: str) -> dict[str, Any]:
    """Decode the single JSON argument of a transaction; it must be an object."""
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, TypeError) as exc:
        raise invalid_argument(what, f"not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise invalid_argument(what, "must be a JSON object")
    return data


class Fields:
    """Typed access to one JSON object, tracking used keys for strictness."""

    def __init__(self, data: object, path: str) -> None:
        if not isinstance(data, dict):
            raise invalid_argument(path, "must be a JSON object")
        self._data: dict[str, Any] = data
        self._path = path
        self._used: set[str] = set()

    def _name(self, key: str) -> str:
        """Dotted path of ``key`` for error messages."""
        return f"{self._path}.{key}" if self._path else key

    def _get(self, key: str, required: bool) -> Any:
        """Return the raw value (None when absent and optional)."""
        self._used.add(key)
        value = self._data.get(key)
        if value is None and required:
            raise invalid_argument(self._name(key), "is required")
        return value

    def has(self, key: str) -> bool:
        """True when ``key`` is present and not null (a null counts as absent, not unknown)."""
        self._used.add(key)
        return self._data.get(key) is not None

    def text(self, key: str, *, required: bool = True, max_len: int = MAX_TEXT) -> str:
        """A string field, stripped; optional ones default to ``""``."""
        value = self._get(key, required)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise invalid_argument(self._name(key), "must be a string")
        value = value.strip()
        if required and not value:
            raise invalid_argument(self._name(key), "must not be empty")
        if len(value) > max_len:
            raise invalid_argument(self._name(key), f"must be at most {max_len} characters")
        return value

    def number(
        self, key: str, *, required: bool = True, minimum: float | None = None
    ) -> float | None:
        """A finite JSON number (booleans refused), optionally with a lower bound."""
        value = self._get(key, required)
        if value is None:
            return None
        # bool is an int subclass in Python; true/false is never a valid quantity.
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise invalid_argument(self._name(key), "must be a number")
        number = float(value)
        if not math.isfinite(number):
            raise invalid_argument(self._name(key), "must be finite")
        if minimum is not None and number < minimum:
            raise invalid_argument(self._name(key), f"must be at least {minimum:g}")
        return number

    def required_number(self, key: str, *, minimum: float | None = None) -> float:
        """A mandatory finite number."""
        value = self.number(key, required=True, minimum=minimum)
        assert value is not None  # number() raises for a missing required field
        return value

    def integer(self, key: str, *, default: int, minimum: int, maximum: int) -> int:
        """An optional whole number within bounds."""
        value = self._get(key, False)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid_argument(self._name(key), "must be an integer")
        if not minimum <= value <= maximum:
            raise invalid_argument(self._name(key), f"must be between {minimum} and {maximum}")
        return value

    def whole(self, key: str, *, minimum: int, maximum: int) -> int:
        """A mandatory whole number within bounds (money in minor units, basis points)."""
        value = self._get(key, True)
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid_argument(self._name(key), "must be an integer")
        if not minimum <= value <= maximum:
            raise invalid_argument(self._name(key), f"must be between {minimum} and {maximum}")
        return value

    def matching(
        self, key: str, pattern: re.Pattern[str], what: str, *, required: bool = True
    ) -> str:
        """A string field that must match ``pattern`` (``what`` describes it in errors)."""
        value = self.text(key, required=required, max_len=1000)
        if value and not pattern.fullmatch(value):
            raise invalid_argument(self._name(key), f"must be {what}")
        return value

    def sub(self, key: str) -> Fields:
        """A mandatory nested object."""
        return Fields(self._get(key, True), self._name(key))

    def optional_sub(self, key: str) -> Fields | None:
        """An optional nested object."""
        value = self._get(key, False)
        return None if value is None else Fields(value, self._name(key))

    def array(self, key: str, *, required: bool = True, max_items: int = 10_000) -> list[Any]:
        """A JSON array (empty when optional and absent)."""
        value = self._get(key, required)
        if value is None:
            return []
        if not isinstance(value, list):
            raise invalid_argument(self._name(key), "must be an array")
        if len(value) > max_items:
            raise invalid_argument(self._name(key), f"must have at most {max_items} items")
        return value

    def item(self, key: str, index: int, value: object) -> Fields:
        """Wrap element ``index`` of array ``key`` as an object reader."""
        return Fields(value, f"{self._name(key)}[{index}]")

    def sha256(self, key: str) -> str:
        """A SHA-256 digest as 64 lowercase hex characters."""
        value = self.text(key).lower()
        if not _SHA256.match(value):
            raise invalid_argument(self._name(key), "must be a SHA-256 digest (64 hex characters)")
        return value

    def sha256_list(self, key: str, *, max_items: int = 50) -> tuple[str, ...]:
        """An optional array of SHA-256 digests."""
        digests = []
        for index, value in enumerate(self.array(key, required=False, max_items=max_items)):
            if not isinstance(value, str) or not _SHA256.match(value.lower()):
                raise invalid_argument(f"{self._name(key)}[{index}]", "must be a SHA-256 digest")
            digests.append(value.lower())
        return tuple(digests)

    def instant(self, key: str) -> str:
        """A mandatory ISO-8601 time with offset, returned in the stored UTC form."""
        value = self.text(key)
        try:
            return format_instant(parse_instant(value, self._name(key)))
        except InvalidInstant as exc:
            message = f"not an ISO-8601 time ({exc.problem})"
            raise invalid_argument(self._name(key), message) from None

    def sscc(self, key: str) -> str:
        """A mandatory SSCC, normalised; bad ones get the dedicated INVALID_SSCC code."""
        value = self._get(key, True)
        try:
            return gs1.normalize_sscc(value)
        except gs1.InvalidIdentifier as exc:
            raise ChaincodeError(ErrorCode.INVALID_SSCC, f"{self._name(key)}: {exc}") from None

    def gtin14(self, key: str) -> str:
        """A mandatory GTIN-14."""
        try:
            return gs1.validate_gtin14(self._get(key, True))
        except gs1.InvalidIdentifier as exc:
            raise invalid_argument(self._name(key), str(exc)) from None

    def gln(self, key: str) -> str:
        """A mandatory 13-digit GLN."""
        try:
            return gs1.validate_gln(self._get(key, True))
        except gs1.InvalidIdentifier as exc:
            raise invalid_argument(self._name(key), str(exc)) from None

    def finish(self) -> None:
        """Refuse keys the transaction does not define (catches client typos)."""
        unknown = sorted(set(self._data) - self._used)
        if unknown:
            raise invalid_argument(self._path or "argument", f"unknown field(s) {unknown}")
