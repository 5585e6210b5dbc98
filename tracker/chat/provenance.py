"""What the chat says about a shipment, read from the read model (never from the ledger).

`provenance_view` builds the `ProvenanceView` the message texts take, from the shipment's
exact ledger JSON (`ShipmentRow.document`) and its latest checkpoint. Views travel through
the outbox as JSON (`view_to_json` / `view_from_json`) without their URL, which the sender
adds when sending: the shipment's link with its token (`tracker.chat.links`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.chat.links import ShipmentLinks
from tracker.store.readmodel import CheckpointRow, ShipmentRow, TransactionRow
from tracker.whatsapp.messages import ProvenanceView, Verdict

_VERDICTS = ("ok", "excursion", "breach")


def shipment_parties(session: Session, sscc: str) -> frozenset[str] | None:
    """MSP ids of the shipment's producer, carrier and retailer; None if unknown."""
    row = session.get(ShipmentRow, sscc)
    return None if row is None else frozenset((row.producer, row.carrier, row.retailer))


def provenance_view(
    session: Session, sscc: str, *, links: ShipmentLinks | None = None
) -> ProvenanceView | None:
    """The shipment as the replies show it, or None when the read model does not know it;
    with its link (token included) when `links` is given."""
    row = session.get(ShipmentRow, sscc)
    if row is None:
        return None
    doc = json.loads(row.document)
    place, moment, step = _last_seen(session, doc, row)
    cold = _dict(doc.get("cold_chain_state"))
    return ProvenanceView(
        sscc=sscc,
        status=row.status,
        custodian=row.custodian,
        last_place=place,
        last_time=moment,
        verdict=_verdict(row.verdict, cold),
        temp_min=_float(cold.get("min_c")),
        temp_max=_float(cold.get("max_c")),
        minutes_outside=round(_float(cold.get("minutes_outside")) or 0),
        mkt=_float(cold.get("mkt_c")),
        checkpoint_count=row.checkpoint_count,
        last_tx_id=row.last_tx_id,
        last_block=row.last_block,
        url=links.url(sscc) if links is not None else "",
        origin_name=str(_dict(doc.get("origin")).get("name") or row.producer),
        origin_verified=_origin_verified(session, doc, row.producer),
        last_step=step,
    )


def _last_seen(
    session: Session, doc: dict[str, Any], row: ShipmentRow
) -> tuple[str, datetime, str]:
    """Place, time and bizStep of the latest checkpoint; before any, the origin at creation.

    A checkpoint without a read point (a temperature batch from a logger, say) happened
    where the goods were last seen: the latest read point before it, else the origin.
    """
    origin = str(_dict(doc.get("origin")).get("name") or row.producer)
    checkpoints = session.scalars(
        select(CheckpointRow)
        .where(CheckpointRow.sscc == row.sscc)
        .order_by(CheckpointRow.seq.desc())
    )
    latest: CheckpointRow | None = None
    place: str | None = None
    for checkpoint in checkpoints:
        latest = latest or checkpoint
        name = _dict(json.loads(checkpoint.document).get("read_point")).get("name")
        if isinstance(name, str) and name.strip():
            place = name
            break
    if latest is None:
        return origin, _instant(str(doc.get("created_at", "")), row.committed_at), "created"
    moment = _instant(latest.event_time, row.committed_at)
    return place or origin, moment, latest.biz_step


def _origin_verified(session: Session, doc: dict[str, Any], producer: str) -> bool:
    # Verified: the creating transaction is valid and was signed by the producer's org.
    created_tx = doc.get("created_tx")
    if not isinstance(created_tx, str):
        return False
    tx = session.get(TransactionRow, created_tx)
    return tx is not None and tx.validation_code == "VALID" and tx.creator_msp_id == producer


def _verdict(verdict: str, cold: dict[str, Any]) -> Verdict:
    if verdict == "ok" and not cold.get("readings"):
        return "no_data"
    return cast(Verdict, verdict) if verdict in _VERDICTS else "no_data"


def _instant(text: str, fallback: datetime) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return fallback


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _float(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def view_to_json(view: ProvenanceView) -> dict[str, Any]:
    """A view as JSON-ready data, without its URL."""
    data = asdict(replace(view, url=""))
    data["last_time"] = view.last_time.isoformat()
    return data


def view_from_json(data: dict[str, Any], links: ShipmentLinks) -> ProvenanceView:
    """Rebuild a view stored by `view_to_json`, with the shipment's link (token included)."""
    fields = dict(data)
    fields["last_time"] = datetime.fromisoformat(str(fields["last_time"]))
    fields["url"] = links.url(str(fields["sscc"]))
    return ProvenanceView(**fields)
