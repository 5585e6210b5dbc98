"""Compares an EPCIS 2.0 document (tracker/reports/epcis.py: a shipment's, a lot's or a period's)
with the ledger.

Each ObjectEvent is a valid ledger checkpoint, rebuilt here from the ledger value and the
transaction that wrote it exactly as the report code builds it, and found by its eventID (the
CBV 2.0 event hash of its content). An event whose eventID no ledger checkpoint has is named;
one whose eventID matches is compared field by field, recordTime (the commit time, outside
the hash) included. EPCIS carries no block range, so the chain's newest state is used, and
no scope: a ledger checkpoint of a shipment the document lists is reported missing when its
event time lies within the document's events' and it was committed before `creationDate`,
which the shipment, lot and period documents all include.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import records
from records import parse_instant
from tracker.reports import epcis
from tracker.reports import model as m
from tracker.reports.source import checkpoint_record
from tracker.verify.chain import LedgerEntry, TxFacts, WorldState
from tracker.verify.compare import ABSENT, Mismatch, json_diff, show

DOCUMENT = "EPCIS document"
_URN = "urn:epc:id:sscc:"
_DIGITAL_LINK = f"{epcis.DIGITAL_LINK_BASE}/00/"


@dataclass(frozen=True)
class _Expected:
    where: str
    event: dict[str, Any]
    record: m.CheckpointRecord


Syntax = tuple[epcis.Identifiers, int]


def _syntax(epc: str) -> Syntax | None:
    """How the document writes SSCCs: URNs with a company prefix length, or Digital Links."""
    if epc.startswith(_DIGITAL_LINK):
        return "digital_link", epcis.DEFAULT_COMPANY_PREFIX_LENGTH
    if epc.startswith(_URN) and "." in epc:
        length = len(epc[len(_URN) :].split(".", 1)[0])
        return ("urn", length) if 6 <= length <= 12 else None
    return None


def _record(entry: LedgerEntry, tx: TxFacts) -> m.CheckpointRecord:
    """The checkpoint as tracker/reports/source.py builds it, from the ledger's own facts."""
    ledger = m.LedgerRef(
        tx_id=tx.tx_id,
        block_number=tx.block_number,
        msp_id=tx.creator_msp_id,
        role="",
        enrollment_id="",
        validation_code=tx.validation_code,
        commit_time=tx.timestamp,
    )
    checkpoint = records.from_json(records.Checkpoint, entry.value, "checkpoint")
    return checkpoint_record(checkpoint, ledger)


def _epc(sscc: str, syntax: Syntax) -> str | None:
    identifiers, length = syntax
    try:
        if identifiers == "digital_link":
            return epcis.sscc_digital_link(sscc)
        return epcis.sscc_to_epc_uri(sscc, length)
    except ValueError:
        return None  # not an SSCC the report code could have written


def _expected(
    epcs: set[str], state: WorldState, transactions: Mapping[str, TxFacts]
) -> dict[str, _Expected]:
    """The ledger's checkpoints of the listed shipments as events, by eventID."""
    syntaxes = {s for s in map(_syntax, epcs) if s is not None}
    ssccs = {key[0] for key in state.checkpoints}
    listed = {sscc: syntax for syntax in syntaxes for sscc in ssccs if _epc(sscc, syntax) in epcs}
    chosen: list[tuple[str, m.CheckpointRecord, Syntax]] = []
    for (sscc, seq), entry in sorted(state.checkpoints.items()):
        tx = transactions.get(entry.tx_id)
        if sscc in listed and tx is not None:
            chosen.append((f"checkpoint {sscc} #{seq}", _record(entry, tx), listed[sscc]))
    events = [epcis.checkpoint_event(record, syntax[1], syntax[0]) for _, record, syntax in chosen]
    hashed = epcis.with_event_ids(events)
    return {
        event["eventID"]: _Expected(where, event, record)
        for (where, record, _), event in zip(chosen, hashed, strict=True)
    }


def _epcs(events: Iterable[Any]) -> set[str]:
    return {
        epc
        for event in events
        if isinstance(event, dict) and isinstance(event.get("epcList"), list)
        for epc in event["epcList"]
        if isinstance(epc, str)
    }


def _created(document: Mapping[str, Any]) -> datetime | None:
    try:
        return parse_instant(str(document["creationDate"]), "creationDate")
    except (KeyError, ValueError):
        return None


def compare_epcis(
    document: Mapping[str, Any], state: WorldState, transactions: Mapping[str, TxFacts]
) -> list[Mismatch]:
    """Every mismatch between an EPCIS document's events and the ledger's checkpoints."""
    body = document.get("epcisBody")
    events = body.get("eventList") if isinstance(body, dict) else None
    if not isinstance(events, list):
        return [Mismatch(DOCUMENT, "epcisBody.eventList", "a list of events", show(events))]
    ledger = _expected(_epcs(events), state, transactions)
    found: list[Mismatch] = []
    matched: set[str] = set()
    for number, event in enumerate(events, start=1):
        eventid = event.get("eventID") if isinstance(event, dict) else None
        expected = ledger.get(eventid) if isinstance(eventid, str) else None
        if expected is None or not isinstance(eventid, str) or eventid in matched:
            what = "a checkpoint's event hash" if expected is None else "listed once"
            found.append(Mismatch(f"{DOCUMENT} event {number}", "eventID", what, show(eventid)))
            continue
        matched.add(eventid)
        found += [
            Mismatch(expected.where, path, show(mine), show(theirs))
            for path, mine, theirs in json_diff(expected.event, event)
        ]
    times = [ledger[eventid].record.event_time for eventid in matched]
    if not times:
        return found
    # Any of the three documents holds every checkpoint of its shipments in its time span.
    first, last, created = min(times), max(times), _created(document)
    for eventid, expected in ledger.items():
        record = expected.record
        committed = created is None or record.ledger.commit_time <= created
        if eventid not in matched and committed and first <= record.event_time <= last:
            found.append(Mismatch(expected.where, "event", "present", ABSENT))
    return found
