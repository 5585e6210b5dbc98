"""Write endpoints: each answers once committed (201), or 202 once durably queued."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import FileStorage

import gs1
import tracker.api.bodies as bodies
import tracker.api.pending as pending
from records import parse_instant
from tracker.api.blueprint import api
from tracker.api.schemas import (
    CheckpointSchema,
    CreateShipmentSchema,
    DeliveryFormSchema,
    ExceptionSchema,
    TemperatureFormSchema,
)
from tracker.api.state import answer, api_state, signed_in
from tracker.api.uploads import check_photo, logger_media_type, parse_logger_file
from tracker.errors import CHAINCODE_STATUS, ApiError, from_ledger
from tracker.ledger.errors import ChaincodeError, LedgerError
from tracker.ledger.facade import prepare
from tracker.ledger.facade_values import (
    AgreementTerms,
    CheckpointRequest,
    CreateShipment,
    DeliveryRequest,
    ExceptionRequest,
    PreparedWrite,
    ReadPoint,
    TemperatureRequest,
)
from tracker.store.evidence import Upload
from tracker.views.shipments import links

NOT_ACKNOWLEDGED = "the scan was NOT recorded and NOT queued; send it again later"

Recover = Callable[[], PreparedWrite | None]
"""On a SCAN_ID_CONFLICT: the request as first sent, when only what the server filled in
differs (see submit_scan), else None."""


def sscc_of(text: str) -> str:
    """The 18-digit SSCC, or 422 INVALID_SSCC naming the problem (e.g. the check digit)."""
    try:
        return gs1.normalize_sscc(text)
    except gs1.InvalidIdentifier as error:
        raise ApiError(422, "INVALID_SSCC", str(error), field="sscc") from None


def _json_body() -> dict[str, Any]:
    return bodies.json_object(request.get_data(), request.mimetype)


def _form() -> dict[str, str]:
    return bodies.form_fields(request.mimetype, request.form)


def put_digest(content: bytes) -> str:
    """SHA-256 hex of bytes (the key evidence is stored under)."""
    return hashlib.sha256(content).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def submit(
    prepared: PreparedWrite,
    created: int = 201,
    recover: Recover | None = None,
    keep: Sequence[Upload] = (),
) -> ResponseReturnValue:
    """Commit a write as the signed-in person; queue it durably if the ledger cannot take it
    now (``LedgerError.retriable``: our peer unreachable, other organisations' peers or the
    chaincode down, an unclear outcome). Resubmitting with the same scan id is safe: the
    chaincode answers a repeat from its record.

    `keep`: the uploaded bytes the write's hashes stand for. They are stored only with the
    committed write (as evidence of its shipment) or with the queued one (the 202), in the
    same database transaction: a refused or impossible write leaves nothing behind. (A
    tracker that stops between the ledger's commit and noting it has not answered; the
    client's resend, answered by the chaincode from its record, stores them then.)
    """
    member, state = signed_in(), api_state()
    try:
        committed = state.facade.commit(state.actors.actor(member), prepared)
    except LedgerError as error:
        if not error.retriable:
            if recover is not None and _scan_id_conflict(error):
                first = recover()
                if first is not None and first.argument != prepared.argument:
                    return submit(first, created, keep=keep)
            raise from_ledger(error) from error
        try:
            queued = pending.enqueue(
                state.sessions,
                member.msp_id,
                member.id,
                prepared,
                str(error).splitlines()[0],
                keep=keep,
            )
        except pending.ScanIdConflict:
            message = "this client scan id is already queued with a different request"
            raise ApiError(409, "SCAN_ID_CONFLICT", message) from None
        except Exception as failure:  # a write we cannot queue must not be acknowledged
            message = f"ledger unavailable; {NOT_ACKNOWLEDGED}"
            raise ApiError(503, "LEDGER_UNAVAILABLE", message) from failure
        if queued.state == pending.COMMITTED and queued.answer is not None:
            # done earlier; this was a resend
            return jsonify(with_page(queued.answer, prepared.sscc)), created
        if queued.state == pending.REJECTED and queued.answer is not None:
            code = str(queued.answer["error"]["code"])
            return jsonify(queued.answer), CHAINCODE_STATUS.get(code, 409)
        body = {
            "queue_id": queued.id,
            "client_scan_id": prepared.client_scan_id,
            "state": pending.PENDING,
            "message": "ledger unavailable; the scan is queued durably and will be submitted "
            "when the ledger is back (GET /api/v1/scans/<client_scan_id> shows its state)",
        }
        return jsonify(body), 202
    body = answer(committed, prepared.client_scan_id)
    pending.record_committed(state.sessions, member.msp_id, member.id, prepared, body, keep)
    return jsonify(with_page(body, prepared.sscc)), created


def with_page(body: dict[str, Any], sscc: str) -> dict[str, Any]:
    """The answer plus `page`: the shipment page's path with its link token, which opens
    the whole page (the staff member is a party; the bare path shows strangers nothing)."""
    return {**body, "page": links().path(sscc)}


def _scan_id_conflict(error: LedgerError) -> bool:
    return isinstance(error, ChaincodeError) and error.chaincode_code == "SCAN_ID_CONFLICT"


def submit_scan(
    build: Callable[[datetime], PreparedWrite],
    given: datetime | None,
    keep: Sequence[Upload] = (),
) -> ResponseReturnValue:
    """Submit a scan whose `event_time` the client may leave out (`given` None).

    Left out, the server's clock fills it in, and a resend of the same request must carry
    the same time, or the chaincode (which compares the whole request) would see another
    request under the same scan id and refuse it (SCAN_ID_CONFLICT). The time is the first
    send's: from the scan journal (every write this tracker committed or queued), else, on
    a conflict, from the ledger's own record of that scan id (the tracker stopped between
    the commit and noting it).
    """
    if given is not None:
        return submit(build(given), keep=keep)
    member, state = signed_in(), api_state()
    now = build(_now())
    earlier = pending.first_event_time(state.sessions, member.msp_id, now)
    if earlier is not None:
        return submit(build(earlier), keep=keep)
    return submit(now, recover=lambda: _as_recorded(now, build), keep=keep)


def _as_recorded(
    prepared: PreparedWrite, build: Callable[[datetime], PreparedWrite]
) -> PreparedWrite | None:
    """`prepared` with the event time of the ledger's checkpoint of its scan id, if the
    signed-in person's organisation recorded one of that kind on that shipment."""
    member, state = signed_in(), api_state()
    try:
        found = state.facade.get_provenance(state.actors.actor(member), prepared.sscc)
    except LedgerError:
        return None  # the conflict stands
    for checkpoint in found.checkpoints:
        if (
            checkpoint.client_scan_id == prepared.client_scan_id
            and checkpoint.reporter_msp_id == member.msp_id
            and checkpoint.kind == prepared.kind.value
        ):
            try:
                return build(parse_instant(checkpoint.event_time, "event_time"))
            except ValueError:
                return None
    return None


def _create_scan_id(create: CreateShipment) -> str:
    """A scan id for a create sent without one, derived from the request itself, so that a
    resend of the same request is recognised (a different request for the same SSCC gets
    another id, and SHIPMENT_EXISTS)."""
    body = create.argument()
    del body["client_scan_id"]
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return "api-" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:40]


def _read_point(form: dict[str, Any]) -> ReadPoint | None:
    gln, name = form.get("read_point_gln"), form.get("read_point_name")
    if gln and name:
        return ReadPoint(gln, name)
    if gln or name:
        field = "read_point_name" if gln else "read_point_gln"
        raise ApiError(422, "INVALID_ARGUMENT", f"{field}: give both GLN and name", field=field)
    return None


def _file(name: str) -> FileStorage:
    uploads = request.files.getlist(name)
    if not uploads:
        raise ApiError(422, "INVALID_ARGUMENT", f"{name}: missing file part", field=name)
    if len(uploads) > 1:
        raise bodies.invalid(name, f"sent {len(uploads)} files; send one")
    return uploads[0]


def agreement_terms(data: dict[str, Any] | None) -> AgreementTerms | None:
    """CreateShipment's optional agreement, from its validated body."""
    if data is None:
        return None
    return AgreementTerms(
        price_minor=data["price_minor"],
        currency=data["currency"],
        bp_per_started_hour=data["lateness"]["bp_per_started_hour"],
        cap_bp=data["lateness"]["cap_bp"],
        breach_refund_bp=data["breach_refund_bp"],
        damaged_refund_bp=data["damaged_refund_bp"],
        undelivered_after=data["undelivered_after"],
        promised_delivery=data.get("promised_delivery"),
        confirm_roles=tuple(data.get("confirm_roles", ())),
    )


@api.post("/shipments")
def create_shipment() -> ResponseReturnValue:
    """Register a new shipment (producer dispatcher)."""
    signed_in()
    data = CreateShipmentSchema().load(_json_body())
    product, parties = data["product"], data["parties"]
    create = CreateShipment(
        sscc=sscc_of(data["sscc"]),
        gtin=product["gtin"],
        lot=product["lot"],
        description=product["description"],
        quantity=data["quantity"],
        unit=data["unit"],
        origin=data["origin"],
        destination=data["destination"],
        producer=parties["producer"],
        carrier=parties["carrier"],
        retailer=parties["retailer"],
        cold_chain=data["cold_chain"],
        promised_delivery=data["promised_delivery"],
        client_scan_id=data.get("client_scan_id") or "",
        certificates=tuple((c["type"], c["sha256"]) for c in data.get("certificates", [])),
        agreement=agreement_terms(data.get("agreement")),
    )
    if not create.client_scan_id:
        # Derived from the request, so a resend of it is recognised as one.
        create = dataclasses.replace(create, client_scan_id=_create_scan_id(create))
    return submit(prepare(create))


@api.post("/shipments/<sscc>/checkpoints")
def record_checkpoint(sscc: str) -> ResponseReturnValue:
    """A custody scan (carrier scanner)."""
    signed_in()
    sscc = sscc_of(sscc)
    data = CheckpointSchema().load(_json_body())

    def build(event_time: datetime) -> PreparedWrite:
        scan = CheckpointRequest(
            sscc=sscc,
            client_scan_id=data["client_scan_id"],
            biz_step=data["biz_step"],
            read_point=data["read_point"],
            event_time=event_time,
            disposition=data.get("disposition"),
            evidence=tuple(data.get("evidence", ())),
            notes=data.get("notes", ""),
        )
        return prepare(scan)

    return submit_scan(build, data.get("event_time"))


@api.post("/shipments/<sscc>/temperatures")
def record_temperatures(sscc: str) -> ResponseReturnValue:
    """A logger file (CSV `time,celsius` or JSON readings), kept off-chain by hash."""
    signed_in()
    sscc = sscc_of(sscc)
    form = TemperatureFormSchema().load(_form())
    raw = _file("file").read()
    readings, device = parse_logger_file(raw)
    raw_media = logger_media_type(raw)
    batch = TemperatureRequest(
        sscc=sscc,
        client_scan_id=form["client_scan_id"],
        readings=readings,
        device_id=form.get("device_id") or device,
        read_point=_read_point(form),
        evidence=(put_digest(raw),),
        notes=form.get("notes", ""),
    )
    prepared = prepare(batch)
    # The ledger records SHA-256 of the argument string; keep exactly those bytes too.
    batch_bytes = Upload(prepared.argument.encode("utf-8"), "application/json")
    return submit(prepared, keep=(Upload(raw, raw_media), batch_bytes))


@api.post("/shipments/<sscc>/delivery")
def confirm_delivery(sscc: str) -> ResponseReturnValue:
    """Proof of delivery with a photo (retailer receiver)."""
    signed_in()
    sscc = sscc_of(sscc)
    form = DeliveryFormSchema().load(_form())
    upload = _file("photo")
    photo = upload.read()
    media = check_photo(photo, upload.mimetype)
    read_point = _read_point(form)

    def build(event_time: datetime) -> PreparedWrite:
        delivery = DeliveryRequest(
            sscc=sscc,
            client_scan_id=form["client_scan_id"],
            proof_of_delivery_sha256=put_digest(photo),
            event_time=event_time,
            read_point=read_point,
            notes=form.get("notes", ""),
        )
        return prepare(delivery)

    return submit_scan(build, form.get("event_time"), keep=(Upload(photo, media),))


@api.post("/shipments/<sscc>/exceptions")
def report_exception(sscc: str) -> ResponseReturnValue:
    """A problem with the shipment (any party's staff)."""
    signed_in()
    sscc = sscc_of(sscc)
    data = ExceptionSchema().load(_json_body())

    def build(event_time: datetime) -> PreparedWrite:
        report = ExceptionRequest(
            sscc=sscc,
            client_scan_id=data["client_scan_id"],
            reason=data["reason"],
            event_time=event_time,
            read_point=data.get("read_point"),
            biz_step=data.get("biz_step"),
            disposition=data.get("disposition"),
            evidence=tuple(data.get("evidence", ())),
            notes=data.get("notes", ""),
        )
        return prepare(report)

    return submit_scan(build, data.get("event_time"))
