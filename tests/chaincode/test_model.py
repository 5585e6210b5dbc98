"""Canonical JSON and decoding of stored records."""

from __future__ import annotations

import pytest

from chaincode.errors import ChaincodeError, ErrorCode
from chaincode.state import from_json
from records import (
    Checkpoint,
    ColdChainProfile,
    ReadPoint,
    Reporter,
    TemperatureSummary,
    canonical_json,
)

CHECKPOINT = Checkpoint(
    sscc="376104250021234569",
    seq=3,
    kind="temperature",
    biz_step="sensor_reporting",
    disposition="in_transit",
    read_point=ReadPoint(gln="0614141000029", name="Hub Lyon", lat=45.76, lon=None),
    event_time="2025-03-01T10:00:00Z",
    recorded_at="2025-03-01T10:05:00Z",
    reporter=Reporter("CarrierMSP", "scanner-07", "scanner"),
    status="at_hub",
    temperature=TemperatureSummary(
        min_c=4,
        max_c=9.5,
        mean_c=6.2,
        count=3,
        readings_outside=1,
        minutes_outside=10,
        duration_minutes=30,
        mkt_c=6.9,
        first_reading="a",
        last_reading="b",
        raw_sha256="0" * 64,
    ),  # fmt: skip
    evidence=("e" * 64,),
    notes="ünïcode kept",
    client_scan_id="t1",
    tx_id="tx9",
)


def test_canonical_json_is_sorted_and_compact() -> None:
    text = canonical_json(ColdChainProfile(min_c=2, max_c=8, allowed_minutes_outside=30))
    assert text == '{"allowed_minutes_outside":30,"max_c":8,"min_c":2,"mkt_limit_c":null}'


def test_round_trip_keeps_nested_optional_and_tuple_fields() -> None:
    assert from_json(Checkpoint, canonical_json(CHECKPOINT).encode()) == CHECKPOINT


def test_a_checkpoint_stored_before_reason_existed_still_decodes() -> None:
    stored = canonical_json(CHECKPOINT).replace(',"reason":""', "")
    assert '"reason"' not in stored
    assert from_json(Checkpoint, stored.encode()).reason == ""


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "STATE_ERROR: stored checkpoint is not JSON"),
        (b"[]", "STATE_ERROR: stored checkpoint is not an object"),
        (b'{"sscc": "1"}', "STATE_ERROR: stored checkpoint lacks seq"),
        (
            canonical_json(CHECKPOINT).replace('"seq":3', '"seq":"3"').encode(),
            "STATE_ERROR: stored seq",
        ),
    ],
)
def test_corrupt_ledger_data_is_a_state_error(raw: bytes, message: str) -> None:
    with pytest.raises(ChaincodeError, match=message) as caught:
        from_json(Checkpoint, raw, "checkpoint")
    assert caught.value.code is ErrorCode.STATE_ERROR


def test_error_text_starts_with_the_code() -> None:
    error = ChaincodeError(ErrorCode.FORBIDDEN, "no")
    assert (str(error), error.code, error.message) == ("FORBIDDEN: no", ErrorCode.FORBIDDEN, "no")
