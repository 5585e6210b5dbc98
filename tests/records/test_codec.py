"""Canonical JSON and strict decoding of the ledger's records."""

from __future__ import annotations

import pytest

import records
from records import Checkpoint, Product, RecordError, Reporter, Shipment
from records.deals import Agreement, Lateness

REPORTER = Reporter("CarrierMSP", "scanner-07", "scanner")
CHECKPOINT = Checkpoint(
    sscc="376104250021234569", seq=1, kind="exception", biz_step="inspecting",
    disposition="damaged", read_point=None, event_time="2025-03-01T10:00:00Z",
    recorded_at="2025-03-01T10:05:00Z", reporter=REPORTER, status="exception",
    temperature=None, evidence=(), notes="« abîmé »", client_scan_id="s1", tx_id="tx1",
    reason="dropped",
)  # fmt: skip


def test_encode_is_canonical_utf8() -> None:
    encoded = records.encode(Product(gtin="04006381333931", lot="L1", description="Crème"))
    assert encoded == '{"description":"Crème","gtin":"04006381333931","lot":"L1"}'.encode()


def test_decode_encode_is_the_identity_on_stored_bytes() -> None:
    stored = records.encode(CHECKPOINT)
    assert records.encode(records.from_json(Checkpoint, stored)) == stored


def test_a_deal_record_round_trips_too() -> None:
    agreement = Agreement(
        sscc="376104250021234569", seller="ProducerMSP", buyer="RetailerMSP",
        price_minor=100_000, currency="EUR", lateness=Lateness(200, 2500),
        breach_refund_bp=1500, damaged_refund_bp=3000,
        promised_delivery="2025-03-03T12:00:00Z", undelivered_after="2025-03-10T12:00:00Z",
        confirm_roles=("receiver",), status="proposed", proposed_by=REPORTER,
        proposed_tx="a" * 64, proposed_at="2025-03-01T08:00:00Z",
    )  # fmt: skip
    stored = records.encode(agreement)
    assert records.encode(records.from_json(Agreement, stored, "agreement")) == stored


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "stored checkpoint is not JSON"),
        (b"[]", "stored checkpoint is not an object"),
        (b'{"sscc": "1"}', "stored checkpoint lacks seq"),
        (records.encode(CHECKPOINT).replace(b'"seq":1', b'"seq":true'), "stored seq has an"),
        (records.encode(CHECKPOINT).replace(b'"evidence":[]', b'"evidence":"x"'), "not a list"),
    ],
)
def test_corrupt_values_are_record_errors(raw: bytes, message: str) -> None:
    with pytest.raises(RecordError, match=message):
        records.from_json(Checkpoint, raw, "checkpoint")


def test_a_shipment_value_missing_a_field_is_refused() -> None:
    with pytest.raises(RecordError, match="stored shipment lacks product"):
        records.decode(Shipment, {"sscc": "1"}, "shipment")
