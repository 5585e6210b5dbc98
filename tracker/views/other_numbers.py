"""Webhook updates for a phone number that is not ours: logged, counted, shown in /healthz.

Meta sends every number of the business account to the one webhook, and a wrong
WHATSAPP_PHONE_NUMBER_ID (or Twilio sender) makes every genuine message look like another
number's: the tracker answers 200 so Meta does not retry, stores nothing, and would say
nothing. So each such delivery is logged at WARNING with the number id redacted, and counted
in a small JSON file in TRACKER_STATE_DIR, so that every web worker adds to one count that
survives restarts and that `/healthz` shows (`webhook.other_numbers`). Counting is best
effort: a state folder that cannot be written costs the count, never the delivery.
"""

from __future__ import annotations

import fcntl
import json
import logging
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FILENAME = "webhook-other-numbers.json"


def redact_id(phone_number_id: str) -> str:
    """Keep the last 4 characters: enough to tell two numbers apart, not to address one."""
    return "…" + phone_number_id[-4:] if len(phone_number_id) > 4 else "…"


def record(state_dir: Path, phone_number_ids: Iterable[str], now: datetime) -> None:
    """Log and count one delivery's updates for other numbers (nothing when there are none)."""
    per_id = Counter(redact_id(i) for i in phone_number_ids)
    if not per_id:
        return
    log.warning(
        "webhook updates for another phone number id ignored: %s; this tracker answers "
        "WHATSAPP_PHONE_NUMBER_ID (or the Twilio sender): check the configuration",
        ", ".join(f"{count} for {pid}" for pid, count in sorted(per_id.items())),
    )
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        with open(state_dir / FILENAME, "a+", encoding="utf-8") as file:
            fcntl.flock(file, fcntl.LOCK_EX)  # web workers are processes: one writer at a time
            file.seek(0)
            counts = _parse(file.read())
            for pid, count in per_id.items():
                counts["updates"] = int(counts.get("updates", 0)) + count
                by_id = counts.setdefault("by_phone_number_id", {})
                by_id[pid] = int(by_id.get(pid, 0)) + count
            counts["deliveries"] = int(counts.get("deliveries", 0)) + 1
            counts["last_at"] = now.isoformat()
            file.seek(0)
            file.truncate()
            file.write(json.dumps(counts, ensure_ascii=False, sort_keys=True))
    except OSError as error:
        log.warning("webhook updates for another number not counted: %s", error)


def summary(state_dir: Path) -> dict[str, Any]:
    """What /healthz shows: deliveries and updates for other numbers so far, the last one."""
    try:
        with open(state_dir / FILENAME, encoding="utf-8") as file:
            counts = _parse(file.read())
    except FileNotFoundError:
        counts = {}
    except OSError as error:
        log.warning("webhook counts unreadable: %s", error)
        counts = {}
    return {
        "deliveries": int(counts.get("deliveries", 0)),
        "updates": int(counts.get("updates", 0)),
        "by_phone_number_id": dict(counts.get("by_phone_number_id", {})),
        "last_at": counts.get("last_at"),
    }


def _parse(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text) if text.strip() else {}
    except ValueError:
        return {}  # a torn or hand-edited file starts the count again
    return data if isinstance(data, dict) else {}
