"""Each endpoint's success over real HTTP, checked against the SimulatedPeer's world state
and blocks (FAKE peer running the real chaincode; real Gateway client over TLS)."""

from __future__ import annotations

import json

from demo.scenario import tiny_png as png
from tests.api.api_stack import (
    HUB,
    ApiStack,
    checkpoint_body,
    create_body,
    new_sscc,
    scan_id,
    sha256,
)
from tracker.ledger.blocks import decode_block

CSV = (
    b"time,celsius\n2030-03-01T08:00:00Z,4.0\n2030-03-01T09:00:00Z,5.5\n2030-03-01T10:00:00Z,9.0\n"
)


def assert_in_block(stack: ApiStack, tx_id: str, number: int) -> None:
    """The block the API named holds the transaction, VALID."""
    block = decode_block(stack.peer.ledger.blocks[number])
    assert [tx.tx_id for tx in block.transactions] == [tx_id]
    assert block.transactions[0].is_valid


def test_create_shipment_answers_once_committed(stack: ApiStack) -> None:
    sscc = new_sscc()
    response = stack.post("dispatcher", "/shipments", json=create_body(f"(00) {sscc}"))
    assert response.status_code == 201, response.text
    body = response.json()
    assert len(body["tx_id"]) == 64 and body["block_number"] >= 1
    assert body["shipment"]["status"] == "created" and body["checkpoint"] is None
    assert_in_block(stack, body["tx_id"], body["block_number"])
    on_ledger = stack.peer.state("shipment", sscc)
    assert on_ledger["created_tx"] == body["tx_id"]
    assert on_ledger == body["shipment"]


def test_checkpoint_is_signed_by_the_scanning_person(stack: ApiStack) -> None:
    sscc = stack.created()
    response = stack.post(
        "scanner", f"/shipments/{sscc}/checkpoints", json=checkpoint_body("departing")
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["shipment"]["status"] == "in_transit"
    assert_in_block(stack, body["tx_id"], body["block_number"])
    [checkpoint] = stack.peer.checkpoints(sscc)
    assert checkpoint["tx_id"] == body["tx_id"] == body["checkpoint"]["tx_id"]
    assert checkpoint["reporter"] == {
        "msp_id": "CarrierMSP",
        "enrollment_id": "scanner1",
        "role": "scanner",
    }
    block = decode_block(stack.peer.ledger.blocks[body["block_number"]])
    assert block.transactions[0].creator_msp_id == "CarrierMSP"


def test_temperature_file_and_batch_are_kept_by_the_hashes_the_ledger_holds(
    stack: ApiStack,
) -> None:
    sscc = stack.created()
    stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=checkpoint_body("departing"))
    response = stack.post(
        "scanner",
        f"/shipments/{sscc}/temperatures",
        data={"client_scan_id": scan_id(), "device_id": "logger-7"},
        files={"file": ("log.csv", CSV, "text/csv")},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert_in_block(stack, body["tx_id"], body["block_number"])
    checkpoint = stack.peer.checkpoints(sscc)[-1]
    assert checkpoint["kind"] == "temperature"
    assert checkpoint["temperature"]["count"] == 3
    assert checkpoint["temperature"]["readings_outside"] == 1
    # The raw logger file, by the hash in the checkpoint's evidence.
    assert checkpoint["evidence"] == [sha256(CSV)]
    raw = stack.get("scanner", f"/evidence/{sha256(CSV)}")
    assert raw.status_code == 200 and raw.content == CSV
    # The batch argument, by the hash the chaincode computed over the bytes it received.
    batch_hash = checkpoint["temperature"]["raw_sha256"]
    batch = stack.get("scanner", f"/evidence/{batch_hash}")
    assert batch.status_code == 200 and sha256(batch.content) == batch_hash
    assert [r["celsius"] for r in json.loads(batch.content)["readings"]] == [4.0, 5.5, 9.0]


def test_evidence_is_a_download_the_browser_does_not_sniff(stack: ApiStack) -> None:
    # The bytes are user-uploaded: never rendered inline, never sniffed into HTML or script.
    sscc = stack.created()
    stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=checkpoint_body("departing"))
    response = stack.post(
        "scanner",
        f"/shipments/{sscc}/temperatures",
        data={"client_scan_id": scan_id()},
        files={"file": ("log.csv", CSV, "text/csv")},
    )
    assert response.status_code == 201, response.text
    batch_hash = response.json()["checkpoint"]["temperature"]["raw_sha256"]
    for digest, extension in ((sha256(CSV), "csv"), (batch_hash, "json")):
        fetched = stack.get("scanner", f"/evidence/{digest}")
        assert fetched.status_code == 200
        assert fetched.headers["X-Content-Type-Options"] == "nosniff"
        assert fetched.headers["Content-Disposition"] == (
            f'attachment; filename="evidence-{digest}.{extension}"'
        )


def test_temperature_json_upload(stack: ApiStack) -> None:
    sscc = stack.created()
    stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=checkpoint_body("departing"))
    logger = json.dumps(
        {"readings": [{"time": "2030-03-01T08:00:00Z", "celsius": 3.5}], "device_id": "L1"}
    ).encode()
    response = stack.post(
        "scanner",
        f"/shipments/{sscc}/temperatures",
        data={"client_scan_id": scan_id()},
        files={"file": ("log.json", logger, "application/json")},
    )
    assert response.status_code == 201, response.text
    assert response.json()["checkpoint"]["temperature"]["count"] == 1
    assert stack.get("scanner", f"/evidence/{sha256(logger)}").content == logger


def deliverable(stack: ApiStack) -> str:
    """A shipment out for delivery."""
    sscc = stack.created()
    for step in ("departing", "arriving", "loading"):
        response = stack.post(
            "scanner", f"/shipments/{sscc}/checkpoints", json=checkpoint_body(step)
        )
        assert response.status_code == 201, response.text
    return sscc


def test_delivery_photo_hash_goes_on_the_ledger(stack: ApiStack) -> None:
    sscc = deliverable(stack)
    photo = png()
    response = stack.post(
        "receiver",
        f"/shipments/{sscc}/delivery",
        data={
            "client_scan_id": scan_id(),
            "read_point_gln": "4006381000017",
            "read_point_name": "Retail DC Berlin",
        },
        files={"photo": ("pod.png", photo, "image/png")},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["shipment"]["status"] == "delivered"
    assert body["shipment"]["custodian"] == "RetailerMSP"
    assert_in_block(stack, body["tx_id"], body["block_number"])
    checkpoint = stack.peer.checkpoints(sscc)[-1]
    assert checkpoint["evidence"][0] == sha256(photo)
    fetched = stack.get("receiver", f"/evidence/{sha256(photo)}")
    assert fetched.content == photo and fetched.headers["content-type"] == "image/png"
    assert fetched.headers["Content-Disposition"].endswith(f'evidence-{sha256(photo)}.png"')
    assert stack.get("auditor", f"/evidence/{sha256(photo)}").content == photo
    # Evidence is read as its shipment is: another retailer's staff may not see the photo.
    refused = stack.get("outsider", f"/evidence/{sha256(photo)}")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "FORBIDDEN"


def test_exception_report(stack: ApiStack) -> None:
    sscc = stack.created()
    body = {"client_scan_id": scan_id(), "reason": "pallet crushed", "read_point": HUB}
    response = stack.post("scanner", f"/shipments/{sscc}/exceptions", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["shipment"]["status"] == "exception"
    assert stack.peer.state("shipment", sscc)["status"] == "exception"


def test_get_shipment_with_provenance_from_the_ledger(stack: ApiStack) -> None:
    sscc = deliverable(stack)
    response = stack.get("receiver", f"/shipments/{sscc}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["shipment"] == stack.peer.state("shipment", sscc)
    assert [c["biz_step"] for c in body["checkpoints"]] == ["departing", "arriving", "loading"]
    assert body["checkpoints"] == stack.peer.checkpoints(sscc)


def test_list_uses_the_ledger_until_the_read_model_is_followed(stack: ApiStack) -> None:
    ssccs = sorted(stack.created() for _ in range(3))
    first = stack.get("scanner", "/shipments", params={"page_size": 2})
    assert first.status_code == 200, first.text
    assert first.json()["source"] == "ledger"
    assert len(first.json()["shipments"]) == 2 and first.json()["bookmark"]
    assert stack.follow() == len(stack.peer.ledger.blocks)
    page1 = stack.get("scanner", "/shipments", params={"page_size": 2}).json()
    assert page1["source"] == "read_model"
    page2 = stack.get(
        "scanner", "/shipments", params={"page_size": 2, "bookmark": page1["bookmark"]}
    ).json()
    listed = [s["sscc"] for s in page1["shipments"] + page2["shipments"]]
    assert listed == ssccs and page2["bookmark"] == ""
    by_status = stack.get("auditor", "/shipments", params={"status": "created"}).json()
    assert len(by_status["shipments"]) == 3
