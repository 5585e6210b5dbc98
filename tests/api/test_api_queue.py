"""Ledger outages: writes are queued durably (202) and delivered exactly once later;
nothing is acknowledged that is neither committed nor queued."""

from __future__ import annotations

import pytest

from tests.api.api_stack import ApiStack, checkpoint_body
from tracker.api import pending
from tracker.store import staff
from tracker.store.db import transaction


def test_scan_during_outage_is_queued_then_committed_exactly_once(stack: ApiStack) -> None:
    sscc = stack.created()
    stack.peer.stop()
    body = checkpoint_body("departing")
    queued = stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=body)
    assert queued.status_code == 202, queued.text
    assert queued.json()["state"] == "pending" and "queued durably" in queued.json()["message"]
    # The phone resends while the ledger is still away: still one queue entry.
    resent = stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=body)
    assert resent.status_code == 202 and resent.json()["queue_id"] == queued.json()["queue_id"]
    state = stack.get("scanner", f"/scans/{body['client_scan_id']}").json()
    assert state["state"] == "pending" and state["answer"] is None
    assert stack.state.retrier.run_once() == 0  # still down: nothing settles, order is kept

    stack.peer.start()
    assert stack.state.retrier.run_once() == 1
    [checkpoint] = stack.peer.checkpoints(sscc)
    assert checkpoint["client_scan_id"] == body["client_scan_id"]
    state = stack.get("scanner", f"/scans/{body['client_scan_id']}").json()
    assert state["state"] == "committed"
    answer = state["answer"]
    assert answer["tx_id"] == checkpoint["tx_id"] and answer["block_number"] >= 1
    # A later resend of the same scan gets the committed answer, and no second record.
    again = stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=body)
    assert again.status_code == 201 and again.json()["tx_id"] == answer["tx_id"]
    assert again.json()["block_number"] == answer["block_number"]
    assert stack.state.retrier.run_once() == 0
    assert len(stack.peer.checkpoints(sscc)) == 1


def test_queued_scans_are_submitted_in_order(stack: ApiStack) -> None:
    sscc = stack.created()
    stack.peer.stop()
    for step in ("departing", "arriving", "loading"):
        response = stack.post(
            "scanner", f"/shipments/{sscc}/checkpoints", json=checkpoint_body(step)
        )
        assert response.status_code == 202
    stack.peer.start()
    assert stack.state.retrier.run_once() == 3
    assert [c["biz_step"] for c in stack.peer.checkpoints(sscc)] == [
        "departing",
        "arriving",
        "loading",
    ]
    assert stack.peer.state("shipment", sscc)["status"] == "out_for_delivery"


def test_queued_scan_the_ledger_refuses_later_is_marked_rejected(stack: ApiStack) -> None:
    sscc = stack.created()
    stack.peer.stop()
    body = checkpoint_body("loading")  # created -> out_for_delivery is illegal
    assert stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=body).status_code == 202
    stack.peer.start()
    stack.state.retrier.run_once()
    state = stack.get("scanner", f"/scans/{body['client_scan_id']}").json()
    assert state["state"] == "rejected"
    assert state["answer"]["error"]["code"] == "INVALID_TRANSITION"


def test_reads_during_outage_are_503(stack: ApiStack) -> None:
    sscc = stack.created()
    stack.peer.stop()
    response = stack.get("scanner", f"/shipments/{sscc}")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "LEDGER_UNAVAILABLE"
    stack.peer.start()
    assert stack.get("scanner", f"/shipments/{sscc}").status_code == 200


def test_write_that_cannot_be_queued_is_not_acknowledged(
    stack: ApiStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    sscc = stack.created()
    stack.peer.stop()

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(pending, "enqueue", broken)
    response = stack.post(
        "scanner", f"/shipments/{sscc}/checkpoints", json=checkpoint_body("departing")
    )
    assert response.status_code == 503
    error = response.json()["error"]
    assert (
        error["code"] == "LEDGER_UNAVAILABLE" and "NOT recorded and NOT queued" in error["message"]
    )


def test_same_scan_id_with_another_request_while_queued_is_a_conflict(stack: ApiStack) -> None:
    sscc = stack.created()
    stack.peer.stop()
    body = checkpoint_body("departing")
    assert stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=body).status_code == 202
    other = {**body, "notes": "a different scan reusing the id"}
    conflict = stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=other)
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "SCAN_ID_CONFLICT"
    stack.peer.start()
    assert stack.state.retrier.run_once() == 1
    [checkpoint] = stack.peer.checkpoints(sscc)
    assert checkpoint["notes"] == body.get("notes", "")  # the first request, not the second


def test_a_head_refused_without_a_chaincode_code_does_not_block_the_queue(
    stack: ApiStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    sscc = stack.created()
    stack.peer.stop()
    first, second = checkpoint_body("departing"), checkpoint_body("departing")
    for body in (first, second):
        assert stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=body).status_code == 202
    stack.peer.start()
    from tracker.ledger.errors import CommitError

    submit = stack.state.retrier._submit  # the real submitter, wrapped for the first entry

    def policy_failure_first(entry: pending.JournalEntry) -> dict[str, object]:
        if entry.client_scan_id == first["client_scan_id"]:
            raise CommitError("0" * 64, "ENDORSEMENT_POLICY_FAILURE", 7)
        return submit(entry)

    monkeypatch.setattr(stack.state.retrier, "_submit", policy_failure_first)
    assert stack.state.retrier.run_once() == 2
    assert stack.get("scanner", f"/scans/{first['client_scan_id']}").json()["state"] == "rejected"
    assert stack.get("scanner", f"/scans/{second['client_scan_id']}").json()["state"] == "committed"


def test_a_queued_scan_of_a_revoked_person_is_never_signed(stack: ApiStack) -> None:
    sscc = stack.created()
    stack.peer.stop()
    body = checkpoint_body("departing")
    assert stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=body).status_code == 202
    with transaction(stack.sessions) as session:
        staff.revoke(session, stack.staff_ids["scanner"])
    stack.peer.start()
    assert stack.state.retrier.run_once() == 1  # settled: refused, not submitted
    assert stack.peer.checkpoints(sscc) == []
    entry = pending.find(stack.sessions, "CarrierMSP", body["client_scan_id"])
    assert entry is not None and entry.state == "rejected"
    assert entry.answer is not None and entry.answer["error"]["code"] == "UNSUBMITTABLE"
