"""Every error answer has the one JSON shape and the status the brief names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.api.api_stack import SMALL_LIMIT, ApiStack, checkpoint_body, new_sscc, scan_id
from tracker.app import create_app
from tracker.config import Config
from tracker.store import staff
from tracker.store.db import transaction


def error_of(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The error object, after checking status, code and shape."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert set(body["error"]) <= {"code", "message", "tx_id", "field"}
    error: dict[str, Any] = body["error"]
    return error


def test_malformed_sscc_names_the_check_digit(stack: ApiStack) -> None:
    good = new_sscc()
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    response = stack.post(
        "scanner", f"/shipments/{bad}/checkpoints", json=checkpoint_body("departing")
    )
    error = error_of(response, 422, "INVALID_SSCC")
    assert "check digit" in error["message"] and error["field"] == "sscc"


def test_unknown_shipment_is_404(stack: ApiStack) -> None:
    sscc = new_sscc()
    error_of(stack.get("scanner", f"/shipments/{sscc}"), 404, "SHIPMENT_NOT_FOUND")
    response = stack.post(
        "scanner", f"/shipments/{sscc}/checkpoints", json=checkpoint_body("arriving")
    )
    error_of(response, 404, "SHIPMENT_NOT_FOUND")


def test_retailer_receiver_may_not_record_a_departure(stack: ApiStack) -> None:
    sscc = stack.created()
    response = stack.post(
        "receiver", f"/shipments/{sscc}/checkpoints", json=checkpoint_body("departing")
    )
    error = error_of(response, 403, "FORBIDDEN")
    assert "RetailerMSP with role receiver" in error["message"]
    assert stack.peer.checkpoints(sscc) == []


def test_illegal_transition_is_409(stack: ApiStack) -> None:
    sscc = stack.created()
    # created -> out_for_delivery skips the journey.
    response = stack.post(
        "scanner", f"/shipments/{sscc}/checkpoints", json=checkpoint_body("loading")
    )
    error_of(response, 409, "INVALID_TRANSITION")
    assert stack.peer.state("shipment", sscc)["status"] == "created"


def test_oversize_upload_is_413_with_json(stack: ApiStack) -> None:
    sscc = stack.created()
    big = b"time,celsius\n" + b"2030-03-01T08:00:00Z,4.0\n" * (SMALL_LIMIT // 20)
    response = stack.post(
        "scanner",
        f"/shipments/{sscc}/temperatures",
        data={"client_scan_id": scan_id()},
        files={"file": ("log.csv", big, "text/csv")},
    )
    error_of(response, 413, "PAYLOAD_TOO_LARGE")


def test_invalid_input_is_422_naming_the_field(stack: ApiStack) -> None:
    sscc = stack.created()
    body = checkpoint_body("departing")
    body["read_point"]["gln"] = "0614141000028"  # wrong GLN check digit
    response = stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=body)
    error = error_of(response, 422, "INVALID_ARGUMENT")
    assert error["field"] == "read_point.gln" and "check digit" in error["message"]
    body["read_point"]["gln"] = "0614141000029"  # valid again: only biz_step is wrong now
    del body["biz_step"]
    error = error_of(
        stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=body), 422, "INVALID_ARGUMENT"
    )
    assert error["field"] == "biz_step"
    bad_csv = b"time,celsius\n2030-03-01T08:00:00,4\n"
    response = stack.post(
        "scanner",
        f"/shipments/{sscc}/temperatures",
        data={"client_scan_id": scan_id()},
        files={"file": ("log.csv", bad_csv, "text/csv")},
    )
    error = error_of(response, 422, "INVALID_ARGUMENT")
    assert error["field"] == "file" and "line 2" in error["message"]


def test_missing_unknown_and_revoked_tokens_are_401(stack: ApiStack) -> None:
    error_of(stack.get(None, "/shipments"), 401, "UNAUTHORIZED")
    error_of(stack.get("not-a-token", "/shipments"), 401, "UNAUTHORIZED")
    assert stack.get("scanner", "/me").status_code == 200
    with transaction(stack.sessions) as session:
        staff.revoke(session, stack.staff_ids["scanner"])
    error_of(stack.get("scanner", "/me"), 401, "UNAUTHORIZED")
    sscc = new_sscc()
    error_of(stack.post("scanner", f"/shipments/{sscc}/checkpoints", json={}), 401, "UNAUTHORIZED")


def test_replayed_scan_id_gives_the_first_answer_and_one_record(stack: ApiStack) -> None:
    sscc = stack.created()
    body = checkpoint_body("departing")
    first = stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=body)
    blocks_after_first = len(stack.peer.ledger.blocks)
    again = stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=body)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert len(stack.peer.checkpoints(sscc)) == 1
    # The resend did reach the ledger (a transaction that wrote nothing) and changed nothing.
    assert len(stack.peer.ledger.blocks) == blocks_after_first + 1
    conflicting = dict(body, biz_step="arriving")
    response = stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=conflicting)
    error_of(response, 409, "SCAN_ID_CONFLICT")


def test_routing_errors_under_the_api_use_its_codes(stack: ApiStack) -> None:
    # No view matches, so no blueprint handler runs: the app's handler answers in API style.
    error_of(stack.get("scanner", "/no-such-resource"), 404, "NOT_FOUND")
    error_of(stack.get("scanner", ""), 404, "NOT_FOUND")  # /api/v1 itself
    wrong_method = stack.call("scanner", "DELETE", "/shipments")
    error_of(wrong_method, 405, "METHOD_NOT_ALLOWED")
    assert {"GET", "POST"} <= set(wrong_method.headers["Allow"].split(", "))
    # Outside /api/v1 the app keeps its own codes.
    elsewhere = stack.http.get(f"{stack.url}/api/v1x")
    assert (elsewhere.status_code, elsewhere.json()["error"]["code"]) == (404, "NOT_FOUND")


def test_routing_errors_under_the_api_use_its_codes_when_it_is_not_mounted(
    tmp_path: Path,
) -> None:
    env = {"TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 't.db'}"}
    client = create_app(Config.from_env(env, require_whatsapp=False), api=None).test_client()
    response = client.get("/api/v1/shipments")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "NOT_FOUND"
