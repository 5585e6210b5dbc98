"""The demo's delivery agreements: one shipment of each kind, made through /api/v1 (and the
dispute through the WhatsApp chat), and the lines that print their settlements.

  delivered      on time: the full price is released to the seller
  late           delivered 3 h 10 min after the promise: 4 started hours x 2 % = 8 % refunded
  breach_refund  two hours at 11-12 °C: the cold-chain breach refund, 15 %
  disputed       the retailer's contact types DISPUTE <code> damaged; the seller refunds
                 150.00 EUR; delivered on time, the settlement takes the refund in
  in_transit     an organic certificate of its lot that expired before the journey
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from demo.services import DemoError
from demo.world import ARRIVED_AGO, DELIVERED_AGO, DEPARTED_AGO, FARM, LOADED_AGO, PROMISED_IN

PRICE_MINOR = 250_000  # 2 500.00 EUR
BP_PER_HOUR, CAP_BP, BREACH_BP, DAMAGED_BP = 200, 2000, 1500, 3000
LATE_BY = timedelta(hours=3, minutes=10)
DISPUTE_REFUND_MINOR = 15_000  # 150.00 EUR
SETTLED = ("delivered", "late", "breach_refund", "disputed")
WAIT_S = 60.0


@dataclass
class TermsOutcome:
    """What the terms stories committed: answers by story, and the chat's answers."""

    deliveries: dict[str, dict[str, Any]] = field(default_factory=dict)
    resolution: dict[str, Any] = field(default_factory=dict)
    certificate: dict[str, Any] = field(default_factory=dict)
    dispute_opened_via: str = ""
    chat: dict[str, str] = field(default_factory=dict)


def agreement(promised: datetime) -> dict[str, Any]:
    """The demo's agreement: 2 500.00 EUR, 2 % per started hour late (capped at 20 %),
    15 % for a cold-chain breach, 30 % if delivered damaged; undelivered after 2 days."""
    return {
        "price_minor": PRICE_MINOR,
        "currency": "EUR",
        "lateness": {"bp_per_started_hour": BP_PER_HOUR, "cap_bp": CAP_BP},
        "breach_refund_bp": BREACH_BP,
        "damaged_refund_bp": DAMAGED_BP,
        "undelivered_after": _instant(promised + timedelta(days=2)),
    }


def accept(api: Any, sscc: str) -> dict[str, Any]:
    """The retailer's receiver reads the shipment's agreement, then accepts that proposal."""
    read = api.get("receiver", f"/shipments/{sscc}/agreement")["agreement"]
    body = {"proposed_tx": read["proposed_tx"]}
    result: dict[str, Any] = api.post("receiver", f"/shipments/{sscc}/agreement/accept", json=body)
    return result


def certificate_sha256(sscc: str) -> str:
    """The stand-in document's hash, new on each run (a Fabric ledger keeps earlier runs'
    registrations, and a hash is registered once): named after the run's shipment."""
    return hashlib.sha256(f"organic certificate, demo run of {sscc}".encode()).hexdigest()


def certificate_body(lot: str, now: datetime, sha256: str) -> dict[str, Any]:
    """An organic certificate of the lot that lapsed two days before `now`."""
    return {
        "sha256": sha256,
        "doc_type": "organic",
        "issuer_name": "Ecocert",
        "valid_from": _instant(now - timedelta(days=400)),
        "valid_until": _instant(now - timedelta(days=2)),
        "subject": {"gtin": "04006381333931", "lot": lot},
    }


def record_terms_stories(
    api: Any, ssccs: dict[str, str], photo: bytes, now: datetime
) -> TermsOutcome:
    """The late, breach-refund and disputed shipments up to the dispute, and the certificate
    (`api`: demo.scenario.Api; `now` the minute the stories end at, as record_stories')."""
    departed, delivered = now - DEPARTED_AGO, now - DELIVERED_AGO
    late_promise = delivered - LATE_BY
    promises = {
        "late": late_promise,
        "breach_refund": now + PROMISED_IN,
        "disputed": now + PROMISED_IN,
    }
    for story, promised in promises.items():
        api.create(ssccs[story], "Strawberries 250 g", "LOT-2611-C", promised, agreement(promised))
        accept(api, ssccs[story])
        api.scan(ssccs[story], "departing", departed, FARM)
    api.temperatures(
        ssccs["breach_refund"], [5.0, 11.0, 11.5, 12.0, 11.8, 11.2, 11.0, 11.6, 11.3, 6.0], departed
    )
    for story in promises:
        api.scan(ssccs[story], "arriving", now - ARRIVED_AGO)
        api.scan(ssccs[story], "loading", now - LOADED_AGO)
    outcome = TermsOutcome()
    for story in ("late", "breach_refund"):
        outcome.deliveries[story] = api.deliver(ssccs[story], photo, delivered)
    # The producer registers its organic certificate of the in-transit lot: lapsed already.
    body = certificate_body("LOT-2611-B", now, certificate_sha256(ssccs["in_transit"]))
    outcome.certificate = api.post("dispatcher", "/certificates", json=body)
    return outcome


def dispute_story(
    api: Any,
    sscc: str,
    photo: bytes,
    chat: Callable[[str], str],
    quiet: Callable[[], object],
    outcome: TermsOutcome,
) -> None:
    """The retailer's contact opens a dispute in the chat; the seller refunds; delivered.

    `quiet` waits for the tracker to have sent (and anchored) what the resolution made it
    say, so that the printout shows the conversation's anchors before the delivery."""
    outcome.chat["dispute"] = chat(f"DISPUTE {sscc} damaged")
    outcome.dispute_opened_via = f"WhatsApp chat: DISPUTE {sscc} damaged"
    dispute = _wait_for_dispute(api, sscc)
    body = {
        "outcome": "refund",
        "refund_minor": DISPUTE_REFUND_MINOR,
        "reason": "Two cases crushed in transit: 150.00 EUR refunded.",
    }
    path = f"/shipments/{sscc}/disputes/{dispute['dispute_id']}/resolution"
    outcome.resolution = api.post("dispatcher", path, json=body)
    quiet()
    outcome.deliveries["disputed"] = api.deliver(sscc, photo, datetime.now(UTC))


def _wait_for_dispute(api: Any, sscc: str) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        disputes = api.get("receiver", f"/shipments/{sscc}/agreement")["disputes"]
        if disputes:
            found: dict[str, Any] = disputes[0]
            return found
        time.sleep(0.5)
    raise DemoError(f"no dispute on the ledger for {sscc} within {WAIT_S:.0f} s of the chat")


def _instant(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def money(minor: int) -> str:
    """Minor units as EUR for reading."""
    return f"{minor // 100}.{minor % 100:02d} EUR"


def settlement_lines(api: Any, ssccs: dict[str, str], outcome: TermsOutcome) -> list[str]:
    """The settlements' figures, reasons, tx ids and blocks, the dispute and the certificate."""
    lines = [
        f"Delivery agreements (price {money(PRICE_MINOR)}; refunds: {BP_PER_HOUR // 100} % per "
        f"started hour late, capped at {CAP_BP // 100} %; cold-chain breach {BREACH_BP // 100} %;"
        f" damaged {DAMAGED_BP // 100} %):",
    ]
    for story in SETTLED:
        view = api.get("auditor", f"/shipments/{ssccs[story]}/agreement")
        settlement, delivered = view["settlement"], outcome.deliveries.get(story, {})
        if settlement is None:
            lines.append(f"  {story:<14}NOT SETTLED")
            continue
        lines.append(
            f"  {story:<14}released {money(settlement['released_to_seller_minor'])} to the "
            f"seller, refunded {money(settlement['refunded_to_buyer_minor'])} "
            f"({_share(settlement)} of the price); tx {settlement['settled_tx']} "
            f"block {delivered.get('block_number')}"
        )
        lines += [
            f"                {r['code']}: {r['bp'] / 100:g} %, {money(r['amount_minor'])}: "
            f"{r['detail']}"
            for r in settlement["reasons"]
        ]
    return lines + _dispute_lines(api, ssccs, outcome) + _certificate_lines(api, ssccs, outcome)


def _share(settlement: dict[str, Any]) -> str:
    """The refund as a percentage of the price, for reading (exact to 0.01 %)."""
    hundredths = settlement["refunded_to_buyer_minor"] * 10_000 // settlement["price_minor"]
    return f"{hundredths / 100:g} %"


def _dispute_lines(api: Any, ssccs: dict[str, str], outcome: TermsOutcome) -> list[str]:
    if not outcome.resolution:
        return []
    resolved = outcome.resolution["dispute"]
    # As the ledger holds it now: the conversation may have been anchored again since.
    view = api.get("auditor", f"/shipments/{ssccs['disputed']}/agreement")
    dispute = next(d for d in view["disputes"] if d["dispute_id"] == resolved["dispute_id"])
    resolution = dispute["resolution"]
    anchors = ", ".join(f"{a['count']} msg root {a['root'][:16]}… tx {a['tx_id']}"
                        for a in dispute["anchors"]) or "none yet"  # fmt: skip
    return [
        f"Dispute {dispute['dispute_id']} on {ssccs['disputed']} ({dispute['subject']}), "
        f"opened via {outcome.dispute_opened_via}; opened tx {dispute['opened_tx']}",
        f"  conversation anchors: {anchors}",
        f"  resolved: {resolution['outcome']} {money(resolution['refund_minor'])}, tx "
        f"{resolution['resolved_tx']} block {outcome.resolution.get('block_number')}",
        f"  chat answer to DISPUTE: {(outcome.chat.get('dispute') or '-').splitlines()[0]}",
    ]


def _certificate_lines(api: Any, ssccs: dict[str, str], outcome: TermsOutcome) -> list[str]:
    if not outcome.certificate:
        return []
    listed = api.get("receiver", f"/shipments/{ssccs['in_transit']}/certificates")
    sha256 = certificate_sha256(ssccs["in_transit"])
    row = next(c for c in listed["certificates"] if c["sha256"] == sha256)
    cert = row["certificate"]
    lines = [
        f"Certificate {cert['doc_type']} ({cert['issuer_name']}, {cert['issuer_msp']}) of lot "
        f"LOT-2611-B, valid {cert['valid_from']} to {cert['valid_until']}: "
        f"{row['check'].upper()} at {ssccs['in_transit']}'s dates; tx "
        f"{cert['registered_tx']} block {outcome.certificate.get('block_number')}",
    ]
    if "cert" in outcome.chat:
        answer = outcome.chat["cert"].replace("\n", "\n    ")
        lines.append(f"Chat answer to CERT {ssccs['in_transit']}:\n    {answer}")
    balances = api.get("auditor", "/balances", params={"msp_id": "ProducerMSP"})["balances"]
    lines += [
        f"Balances of ProducerMSP: {b['counterparty']} {b['currency']}: due to "
        f"{money(b['due_to'])}, due from {money(b['due_from'])}, net {money(b['net'])}"
        for b in balances
    ]
    return lines
