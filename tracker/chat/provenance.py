"""What the chat says about a shipment, read from the read model (never from the ledger).

`provenance_view` builds the `ProvenanceView` the message texts take, from the shipment's
exact ledger JSON (`ShipmentRow.document`) and its latest checkpoint. Views travel through
the outbox as JSON (`view_to_json` / `view_from_json`) without their URL, which the sender
adds when sending: the shipment's link with its token (`tracker.chat.links`).
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

import records
from records import VERDICTS, format_instant, parse_instant
from tracker.chat.links import ShipmentLinks
from tracker.store.readmodel import CheckpointRow, ShipmentRow, TransactionRow
from tracker.whatsapp.messages import ProvenanceView, Verdict


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
    shipment = records.from_json(records.Shipment, row.document, "shipment")
    place, moment, step = _last_seen(session, shipment, row)
    cold = shipment.cold_chain_state
    return ProvenanceView(
        sscc=sscc,
        status=row.status,
        custodian=row.custodian,
        last_place=place,
        last_time=moment,
        verdict=_verdict(row.verdict, cold),
        temp_min=cold.min_c,
        temp_max=cold.max_c,
        minutes_outside=round(cold.minutes_outside),
        mkt=cold.mkt_c,
        checkpoint_count=row.checkpoint_count,
        last_tx_id=row.last_tx_id,
        last_block=row.last_block,
        url=links.url(sscc) if links is not None else "",
        origin_name=shipment.origin.name or row.producer,
        origin_verified=_origin_verified(session, shipment.created_tx, row.producer),
        last_step=step,
    )


def _last_seen(
    session: Session, shipment: records.Shipment, row: ShipmentRow
) -> tuple[str, datetime, str]:
    """Place, time and bizStep of the latest checkpoint; before any, the origin at creation.

    A checkpoint without a read point (a temperature batch from a logger, say) happened
    where the goods were last seen: the latest read point before it, else the origin.
    """
    origin = shipment.origin.name or row.producer
    checkpoints = session.scalars(
        select(CheckpointRow)
        .where(CheckpointRow.sscc == row.sscc)
        .order_by(CheckpointRow.seq.desc())
    )
    latest: CheckpointRow | None = None
    place: str | None = None
    for checkpoint in checkpoints:
        latest = latest or checkpoint
        point = records.from_json(records.Checkpoint, checkpoint.document).read_point
        if point is not None and point.name.strip():
            place = point.name
            break
    if latest is None:
        return origin, parse_instant(shipment.created_at, "created_at"), "created"
    return place or origin, parse_instant(latest.event_time, "event_time"), latest.biz_step


def _origin_verified(session: Session, created_tx: str, producer: str) -> bool:
    # Verified: the creating transaction is valid and was signed by the producer's org.
    tx = session.get(TransactionRow, created_tx)
    return tx is not None and tx.validation_code == "VALID" and tx.creator_msp_id == producer


def _verdict(verdict: str, cold: records.ColdChainTotals) -> Verdict:
    if verdict == "ok" and not cold.readings:
        return "no_data"
    return cast(Verdict, verdict) if verdict in VERDICTS else "no_data"


def view_to_json(view: ProvenanceView) -> dict[str, Any]:
    """A view as JSON-ready data, without its URL."""
    data = asdict(replace(view, url=""))
    data["last_time"] = format_instant(view.last_time, "last_time")
    return data


def view_from_json(data: dict[str, Any], links: ShipmentLinks) -> ProvenanceView:
    """Rebuild a view stored by `view_to_json`, with the shipment's link (token included)."""
    fields = dict(data)
    fields["last_time"] = parse_instant(str(fields["last_time"]), "last_time")
    fields["url"] = links.url(str(fields["sscc"]))
    return ProvenanceView(**fields)
