"""The demo's data tells a journey in time order, ending before the demo runs, and its env
file gives a shell both the tracker's settings and the `tracker` command."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from demo.scenario import SHIPMENTS, Api, Demo, record_stories, sscc_of
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

    def get(self, role: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """What the demo reads before accepting: an agreement proposed with the shipment."""
        return {"agreement": {"proposed_tx": "0" * 64}} if path.endswith("/agreement") else {}


def _instant(text: str) -> datetime:
    assert text.endswith("Z"), text  # UTC, as the ledger stores it
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _stories(now: datetime | None) -> tuple[Demo, RecordingApi]:
    demo = Demo(ssccs={s: sscc_of(9000 + n) for n, s in enumerate(SHIPMENTS)})
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


def _terms_stories() -> tuple[Demo, RecordingApi, Any]:
    from demo.terms import record_terms_stories

    demo, api = _stories(NOW)
    outcome = record_terms_stories(api, demo.ssccs, b"png", NOW.replace(second=0))
    return demo, api, outcome


def test_each_agreement_is_accepted_before_the_goods_leave() -> None:
    demo, api, _ = _terms_stories()
    for story in ("delivered", "late", "breach_refund", "disputed"):
        sscc = demo.ssccs[story]
        paths = [path for _, path, _ in api.sent if sscc in path or path == "/shipments"]
        created = next(
            kwargs["json"] for _, path, kwargs in api.sent
            if path == "/shipments" and kwargs["json"]["sscc"] == sscc
        )  # fmt: skip
        assert created["agreement"]["price_minor"] == 250_000, story
        accepted = paths.index(f"/shipments/{sscc}/agreement/accept")
        assert accepted < paths.index(f"/shipments/{sscc}/checkpoints"), story


def test_the_late_delivery_is_three_hours_ten_after_its_promise() -> None:
    from demo.terms import BP_PER_HOUR

    demo, api, _ = _terms_stories()
    timeline = dict(_timeline(api, demo.ssccs["late"]))
    late = timeline["delivery"][0] - timeline["promised"][0]
    assert late == timedelta(hours=3, minutes=10)
    started_hours = -(-int(late.total_seconds()) // 3600)
    assert started_hours * BP_PER_HOUR == 800  # 8 %, as the settlement line will print
    assert timeline["delivery"][0] < NOW  # in the past: the delivery's own time counts


def test_the_breach_refund_shipment_breaches_and_is_delivered_on_time() -> None:
    demo, api, _ = _terms_stories()
    timeline = _timeline(api, demo.ssccs["breach_refund"])
    steps = [step for step, _ in timeline]
    assert steps == [
        "promised", "departing", "temperatures", "arriving", "loading", "delivery"
    ]  # fmt: skip
    readings = dict(timeline)["temperatures"]
    assert len(readings) == 10 and dict(timeline)["delivery"][0] < dict(timeline)["promised"][0]


def test_the_certificate_expired_before_the_in_transit_lot_travelled() -> None:
    from demo.terms import certificate_sha256

    demo, api, _ = _terms_stories()
    (body,) = [kwargs["json"] for _, path, kwargs in api.sent if path == "/certificates"]
    # A hash of its own on each run: a Fabric ledger keeps earlier runs' registrations.
    assert body["sha256"] == certificate_sha256(demo.ssccs["in_transit"])
    assert certificate_sha256(sscc_of(1)) != certificate_sha256(sscc_of(2))
    assert body["subject"] == {"gtin": "04006381333931", "lot": "LOT-2611-B"}
    assert _instant(body["valid_until"]) < NOW - timedelta(hours=30)  # before it departed


class CannedApi(RecordingApi):
    """Answers the reads settlement_lines makes, as the tracker would."""

    def get(self, role: str, path: str, **kwargs: Any) -> dict[str, Any]:
        if path.endswith("/agreement"):
            reasons = [{"code": "late", "bp": 800, "amount_minor": 20_000, "detail": "4 h"}]
            settlement = {
                "price_minor": 250_000,
                "released_to_seller_minor": 230_000, "refunded_to_buyer_minor": 20_000,
                "refund_bp": 800, "settled_tx": "tx-settle", "reasons": reasons,
            }  # fmt: skip
            return {"agreement": {}, "settlement": settlement, "disputes": []}
        if path.endswith("/certificates"):
            from demo.terms import certificate_sha256

            cert = {
                "doc_type": "organic", "issuer_name": "Ecocert", "issuer_msp": "ProducerMSP",
                "valid_from": "2025-01-01T00:00:00Z", "valid_until": "2027-03-07T14:37:00Z",
                "registered_tx": "tx-cert",
            }  # fmt: skip
            sscc = path.split("/")[2]
            row = {"sha256": certificate_sha256(sscc), "check": "expired", "certificate": cert}
            return {"certificates": [row]}
        balance = {"counterparty": "RetailerMSP", "currency": "EUR", "due_to": 5, "due_from": 0}
        return {"balances": [{**balance, "net": 5}]}


def test_the_settlement_lines_name_figures_reasons_tx_and_block() -> None:
    from demo.terms import TermsOutcome, settlement_lines

    demo, _ = _stories(NOW)
    outcome = TermsOutcome(
        deliveries={"late": {"block_number": 42}},
        certificate={"block_number": 7},
        chat={"cert": "organic (Ecocert): EXPIRED"},
    )
    lines = "\n".join(settlement_lines(CannedApi(), demo.ssccs, outcome))
    assert "Delivery agreements (price 2500.00 EUR" in lines
    assert (
        "late          released 2300.00 EUR to the seller, refunded 200.00 EUR (8 % of the "
        "price); "
        "tx tx-settle block 42"
    ) in lines
    assert "late: 8 %, 200.00 EUR: 4 h" in lines
    assert "EXPIRED at" in lines and "tx tx-cert block 7" in lines
    assert "Chat answer to CERT" in lines and "organic (Ecocert): EXPIRED" in lines
    assert "Balances of ProducerMSP: RetailerMSP EUR" in lines
