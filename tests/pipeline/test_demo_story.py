"""The demo's data tells a journey in time order, ending before the demo runs, and its env
file gives a shell both the tracker's settings and the `tracker` command."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from demo.scenario import Api, Demo, record_stories, sscc_of
from demo.services import Services
from tracker.reports.coldchain import analyse
from tracker.reports.model import ColdChainProfile, TemperatureReading

NOW = datetime(2027, 3, 9, 14, 37, 21, tzinfo=UTC)


class RecordingApi(Api):
    """The demo's API client, answering every POST itself and keeping what was sent."""

    def __init__(self) -> None:
        super().__init__("http://127.0.0.1:9", {})
        self.sent: list[tuple[str, str, dict[str, Any]]] = []

    def post(self, role: str, path: str, **kwargs: Any) -> dict[str, Any]:
        self.sent.append((role, path, kwargs))
        return {}


def _instant(text: str) -> datetime:
    assert text.endswith("Z"), text  # UTC, as the ledger stores it
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _stories(now: datetime | None) -> tuple[Demo, RecordingApi]:
    demo = Demo(ssccs={s: sscc_of(9000 + n) for n, s in enumerate(
        ("delivered", "cold_chain_breach", "in_transit", "ready_to_scan")
    )})  # fmt: skip
    api = RecordingApi()
    if now is None:
        record_stories(api, demo, b"png")  # the demo's own call
    else:
        record_stories(api, demo, b"png", now)
    api.http.close()
    return demo, api


def _timeline(api: RecordingApi, sscc: str) -> list[tuple[str, list[datetime]]]:
    """What each call said happened to the shipment, in the order the demo sent it."""
    out: list[tuple[str, list[datetime]]] = []
    for _, path, kwargs in api.sent:
        body = kwargs.get("json") or kwargs.get("data") or {}
        if path == "/shipments" and body["sscc"] == sscc:
            out.append(("promised", [_instant(body["promised_delivery"])]))
        elif path == f"/shipments/{sscc}/checkpoints":
            out.append((body["biz_step"], [_instant(body["event_time"])]))
        elif path == f"/shipments/{sscc}/temperatures":
            _, content, _ = kwargs["files"]["file"]
            rows = content.decode().splitlines()[1:]
            out.append(("temperatures", [_instant(r.split(",")[0]) for r in rows]))
        elif path == f"/shipments/{sscc}/delivery":
            out.append(("delivery", [_instant(body["event_time"])]))
    return out


def test_the_journey_runs_in_time_order_and_ends_before_now() -> None:
    demo, api = _stories(NOW)
    minute = NOW.replace(second=0)
    delivered = _timeline(api, demo.ssccs["delivered"])
    assert [step for step, _ in delivered] == [
        "promised", "departing", "temperatures", "arriving", "loading", "delivery"
    ]  # fmt: skip
    promised = delivered[0][1][0]
    events = [t for _, times in delivered[1:] for t in times]
    assert events == sorted(events), events
    assert events[0] == minute - timedelta(hours=30)  # departed, the first reading with it
    assert events[-1] == minute - timedelta(hours=1) < promised  # delivered early, an hour ago
    for story in ("cold_chain_breach", "in_transit"):
        timeline = _timeline(api, demo.ssccs[story])
        times = [t for step, ts in timeline if step != "promised" for t in ts]
        assert times == sorted(times) and times[-1] < minute < timeline[0][1][0], story


def test_readings_every_15_minutes_with_two_hours_of_breach() -> None:
    demo, api = _stories(NOW)
    ((_, times),) = [
        s for s in _timeline(api, demo.ssccs["cold_chain_breach"]) if s[0] == "temperatures"
    ]
    assert {b - a for a, b in zip(times, times[1:], strict=False)} == {timedelta(minutes=15)}
    (_, _, sent) = next(
        s for s in api.sent if s[1] == f"/shipments/{demo.ssccs['cold_chain_breach']}/temperatures"
    )
    rows = sent["files"]["file"][1].decode().splitlines()[1:]
    readings = [TemperatureReading(_instant(r.split(",")[0]), float(r.split(",")[1])) for r in rows]
    assert all(11.0 <= r.celsius <= 12.0 for r in readings[1:-1])
    analysis = analyse(readings, ColdChainProfile(2, 8, 30, 8))  # the demo shipments' profile
    assert (analysis.status, analysis.minutes_outside) == ("breach", 120.0)


def test_without_a_given_time_the_story_ends_at_the_current_minute() -> None:
    before = datetime.now(UTC)
    demo, api = _stories(None)
    after = datetime.now(UTC)
    (_, times) = _timeline(api, demo.ssccs["delivered"])[-1]  # the delivery
    assert before.replace(second=0, microsecond=0) <= times[0] + timedelta(hours=1) <= after


def test_the_env_file_puts_the_virtualenv_on_path(tmp_path: Path) -> None:
    env = {"TRACKER_DATABASE_URL": "sqlite:///a b/tracker.db", "SANDBOX_APP_SECRET": "hidden"}
    services = Services(state=tmp_path, env=env, tracker_port=1, sandbox_port=2)
    path = services.write_env_file()
    shell = subprocess.run(
        ["bash", "-c", 'source "$1" && command -v tracker && echo "$TRACKER_DATABASE_URL" '
         '&& echo "${SANDBOX_APP_SECRET:-unset}" && tracker --help >/dev/null', "-", str(path)],
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )  # fmt: skip
    assert shell.returncode == 0, shell.stderr
    found, url, secret = shell.stdout.splitlines()
    assert Path(found) == Path(sys.executable).parent / "tracker"
    assert (url, secret) == ("sqlite:///a b/tracker.db", "unset")
