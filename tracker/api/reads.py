"""Read endpoints: shipments (ledger, or the read model for listings), scans, evidence."""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Response, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.exc import SQLAlchemyError

import tracker.api.bodies as bodies
from tracker.api.blueprint import api
from tracker.api.openapi import openapi_document
from tracker.api.pending import find
from tracker.api.schemas import ListQuerySchema, PlacesQuerySchema
from tracker.api.state import api_state, signed_in
from tracker.api.writes import sscc_of
from tracker.errors import ApiError, from_ledger
from tracker.ledger.errors import LedgerError
from tracker.store.evidence import get_evidence, media_type_of, readers, sync_from_read_model
from tracker.store.readmodel import CheckpointRow, FollowerState, ShipmentRow
from tracker.store.staff import StaffMember
from tracker.views.shipments import links

log = logging.getLogger(__name__)

READ_MODEL_BOOKMARK = "rm:"
# At most this many of an evidence's shipments are asked of the ledger for one read.
EVIDENCE_LEDGER_CHECKS = 20
# How many of the latest checkpoints GET /places looks through for distinct read points.
PLACES_WINDOW = 1000
_SEE_ALL = ("auditor", "admin")
# File name extensions of the media types evidence is stored under (uploads.py, writes.py).
_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "text/csv": "csv",
    "application/json": "json",
}


@api.get("/me")
def me() -> ResponseReturnValue:
    """Who the token belongs to (the scan page's sign-in check)."""
    member = signed_in()
    return jsonify(
        {
            "display_name": member.display_name,
            "msp_id": member.msp_id,
            "role": member.role,
            "enrollment_id": member.enrollment_id,
        }
    )


@api.get("/shipments/<sscc>")
def get_shipment(sscc: str) -> ResponseReturnValue:
    """The shipment and its provenance, read from the ledger as the signed-in person."""
    member, state = signed_in(), api_state()
    sscc = sscc_of(sscc)
    try:
        found = state.facade.get_provenance(state.actors.actor(member), sscc)
    except LedgerError as error:
        raise from_ledger(error) from error
    checkpoints = [c.document() for c in found.checkpoints]
    return jsonify({"shipment": found.shipment.document(), "checkpoints": checkpoints})


def _scope(member: StaffMember, party: str | None) -> str | None:
    # The ledger's rule (README access matrix), applied to the read model too.
    if member.role in _SEE_ALL:
        return party
    if party is not None and party != member.msp_id:
        message = f"{member.msp_id} with role {member.role} may not list {party}'s shipments"
        raise ApiError(403, "FORBIDDEN", message)
    return member.msp_id


def _from_read_model(party: str | None, query: dict[str, Any]) -> dict[str, Any] | None:
    state = api_state()
    bookmark = query.get("bookmark", "")
    if bookmark and not bookmark.startswith(READ_MODEL_BOOKMARK):
        return None  # a ledger bookmark: keep paging where it started
    with state.sessions() as session:
        if session.get(FollowerState, state.settings.channel) is None:
            return None  # no follower has run: the read model is not available
        rows = select(ShipmentRow)
        if party:
            rows = rows.where(_party_filter(party))
        if query.get("status"):
            rows = rows.where(ShipmentRow.status == query["status"])
        if bookmark:
            rows = rows.where(ShipmentRow.sscc > bookmark.removeprefix(READ_MODEL_BOOKMARK))
        size = query["page_size"]
        found = list(session.scalars(rows.order_by(ShipmentRow.sscc).limit(size + 1)))
    more, page = len(found) > size, found[:size]
    return {
        "shipments": [json.loads(row.document) for row in page],
        "bookmark": READ_MODEL_BOOKMARK + page[-1].sscc if more else "",
        "source": "read_model",
    }


@api.get("/shipments")
def list_shipments() -> ResponseReturnValue:
    """A page of shipments: from the read model when it is followed, else the ledger."""
    member, state = signed_in(), api_state()
    query = ListQuerySchema().load(bodies.single_texts(request.args))
    party = _scope(member, query.get("party"))
    if party is None and not query.get("status"):
        raise ApiError(422, "INVALID_ARGUMENT", "party: give party, status or both", field="party")
    local = _from_read_model(party, query)
    if local is not None:
        return jsonify(local)
    try:
        page = state.facade.list_shipments(
            state.actors.actor(member),
            party=party,
            status=query.get("status"),
            page_size=query["page_size"],
            bookmark=query.get("bookmark", ""),
        )
    except LedgerError as error:
        raise from_ledger(error) from error
    shipments = [s.document() for s in page.shipments]
    return jsonify({"shipments": shipments, "bookmark": page.bookmark, "source": "ledger"})


def _party_filter(party: str) -> ColumnElement[bool]:
    return or_(
        ShipmentRow.producer == party,
        ShipmentRow.carrier == party,
        ShipmentRow.retailer == party,
    )


@api.get("/places")
def places() -> ResponseReturnValue:
    """Read points of the latest checkpoints on shipments the caller's organisation is party
    to (all shipments for auditors and admins), newest first, one per GLN: the scan page's
    suggestions. From the read model; empty until a follower has filled it."""
    member = signed_in()
    query = PlacesQuerySchema().load(bodies.single_texts(request.args))
    party = None if member.role in _SEE_ALL else member.msp_id
    rows = select(CheckpointRow.document).join(ShipmentRow, ShipmentRow.sscc == CheckpointRow.sscc)
    if party is not None:
        rows = rows.where(_party_filter(party))
    newest_first = (CheckpointRow.block_number.desc(), CheckpointRow.seq.desc())
    latest = rows.order_by(*newest_first).limit(PLACES_WINDOW)
    found: dict[str, dict[str, str]] = {}
    with api_state().sessions() as session:
        for document in session.scalars(latest):
            place = _read_point_of(document)
            if place is not None and place["gln"] not in found:
                found[place["gln"]] = place
                if len(found) == query["limit"]:
                    break
    return jsonify({"places": list(found.values())})


def _read_point_of(document: str) -> dict[str, str] | None:
    """GLN, name and event time of a checkpoint's read point (None if it has none)."""
    checkpoint = json.loads(document)
    point = checkpoint.get("read_point")
    if not isinstance(point, dict):
        return None
    gln, name = point.get("gln"), point.get("name")
    if not (isinstance(gln, str) and isinstance(name, str) and gln):
        return None
    return {"gln": gln, "name": name, "last_event_time": str(checkpoint.get("event_time", ""))}


@api.get("/scans/<path:client_scan_id>")  # path: a scan id may hold a slash
def scan_state(client_scan_id: str) -> ResponseReturnValue:
    """What became of a scan this tracker acknowledged (pending, committed, rejected)."""
    member = signed_in()
    bodies.path_text("client_scan_id", client_scan_id)  # PostgreSQL refuses NUL in a query
    entry = find(api_state().sessions, member.msp_id, client_scan_id)
    if entry is None:
        message = f"no scan {client_scan_id} from {member.msp_id} here"
        raise ApiError(404, "SCAN_NOT_FOUND", message)
    body = {
        "client_scan_id": entry.client_scan_id,
        "state": entry.state,
        "queue_id": entry.id,
        "attempts": entry.attempts,
        "answer": entry.answer,
    }
    if entry.answer is not None and "shipment" in entry.answer:
        body["page"] = links().path(str(entry.answer["shipment"]["sscc"]))
    return jsonify(body)


@api.get("/evidence/<sha256>")
def evidence(sha256: str) -> ResponseReturnValue:
    """Off-chain evidence (logger file, batch, photo) by its SHA-256, checked on the way out.

    Read as the shipments whose committed ledger records reference the hash are (any one of
    them will do), or by the organisation whose queued write carries it. Bytes nothing
    references are served to no one.
    """
    member, state = signed_in(), api_state()
    if not bodies.SHA256_PATTERN.fullmatch(sha256):
        raise ApiError(422, "INVALID_ARGUMENT", "sha256: lowercase hex SHA-256", field="sha256")
    not_here = ApiError(404, "EVIDENCE_NOT_FOUND", f"no evidence {sha256} is held here")
    with state.sessions() as session:
        media_type = media_type_of(session, sha256)
    if media_type is None:
        raise not_here
    try:
        sync_from_read_model(state.sessions, state.settings.channel)
    except SQLAlchemyError:  # the references written with each commit still answer
        log.exception("evidence references: reading the read model failed")
    with state.sessions() as session:
        allowed_by = readers(session, sha256)
    if not allowed_by.any:
        raise not_here
    if member.msp_id not in allowed_by.queued_by:
        _may_read(member, allowed_by.ssccs)
    with state.sessions() as session:
        content = get_evidence(session, sha256)
    if content is None:
        raise not_here
    # User-uploaded bytes: a download, never rendered or sniffed into something a browser runs.
    filename = f"evidence-{sha256}.{_EXTENSIONS.get(media_type, 'bin')}"  # sha256: checked hex
    headers = {
        "X-Content-SHA256": sha256,
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Content-Security-Policy": "default-src 'none'; sandbox; frame-ancestors 'none'",
        "Cache-Control": "no-store",
    }
    return Response(content, mimetype=media_type, headers=headers)


def _may_read(member: StaffMember, ssccs: tuple[str, ...]) -> None:
    """Evidence is read as one of its shipments is: the chaincode decides (parties, auditors,
    admins). Shipments the read model shows without the member's organisation are not asked
    (a shipment's parties never change); the others are, up to EVIDENCE_LEDGER_CHECKS."""
    state = api_state()
    candidates = list(ssccs)
    if member.role not in _SEE_ALL:
        with state.sessions() as session:
            known = select(
                ShipmentRow.sscc, ShipmentRow.producer, ShipmentRow.carrier, ShipmentRow.retailer
            ).where(ShipmentRow.sscc.in_(candidates))
            party_of = {row[0]: member.msp_id in row[1:] for row in session.execute(known)}
        # Shipments of the member's organisation first, then those the read model lacks.
        candidates = [s for s in candidates if party_of.get(s)] + [
            s for s in candidates if s not in party_of
        ]
    for sscc in candidates[:EVIDENCE_LEDGER_CHECKS]:
        try:
            state.facade.get_shipment(state.actors.actor(member), sscc)
        except LedgerError as error:
            if error.retriable:
                raise from_ledger(error) from error
            continue  # FORBIDDEN (or unknown): perhaps another of its shipments
        return
    message = "this evidence belongs to no shipment you may read"
    raise ApiError(403, "FORBIDDEN", message)


@api.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    """The OpenAPI 3.1 description of this API (no token needed)."""
    return jsonify(openapi_document())
