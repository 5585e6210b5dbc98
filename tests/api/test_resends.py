"""A resent request is answered with the first transaction, whatever the server filled in:
`event_time` (checkpoints, deliveries, exceptions sent without one) and a create's
`client_scan_id` (sent without one). Over real HTTP against the SimulatedPeer (FAKE peer
running the real chaincode), committed and queued (202) alike."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import delete

from demo.scenario import tiny_png as png
from tests.api.api_stack import HUB, ApiStack, checkpoint_body, create_body, new_sscc, scan_id
from tracker.store.db import transaction
from tracker.store.staff import ScanJournalRow

CSV = b"time,celsius\n2030-03-01T08:00:00Z,4.0\n2030-03-01T09:00:00Z,5.5\n"


def untimed(step: str) -> dict[str, Any]:
    """A checkpoint body without event_time: the server fills in its own clock."""
    body = checkpoint_body(step)
    del body["event_time"]
    return body


def same_answer(first: httpx.Response, again: httpx.Response) -> dict[str, Any]:
    """Both 201 with the same body (tx id, block, resulting state)."""
    assert first.status_code == 201, first.text
    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    answer: dict[str, Any] = first.json()
    return answer


def test_checkpoint_resent_without_event_time_returns_the_first_transaction(
    stack: ApiStack,
) -> None:
    sscc = stack.created()
    body = untimed("departing")
    first = stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=body)
    again = stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=body)
    answer = same_answer(first, again)
    [checkpoint] = stack.peer.checkpoints(sscc)
    assert checkpoint["tx_id"] == answer["tx_id"]
    # Keys in another order are the same request too.
    reordered = dict(reversed(list(body.items())))
    same_answer(first, stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=reordered))


def test_another_request_under_the_same_scan_id_still_conflicts(stack: ApiStack) -> None:
    sscc = stack.created()
    body = untimed("departing")
    assert stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=body).status_code == 201
    other = stack.post(
        "scanner", f"/shipments/{sscc}/checkpoints", json={**body, "biz_step": "arriving"}
    )
    assert other.status_code == 409, other.text
    assert other.json()["error"]["code"] == "SCAN_ID_CONFLICT"
    assert len(stack.peer.checkpoints(sscc)) == 1


def test_resend_whose_first_answer_was_never_journaled_returns_the_first_transaction(
    stack: ApiStack,
) -> None:
    # The tracker died after the ledger committed and before it noted the answer: the scan
    # journal knows nothing, the ledger does.
    sscc = stack.created()
    body = untimed("departing")
    first = stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=body)
    with transaction(stack.sessions) as session:
        session.execute(delete(ScanJournalRow))
    again = stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=body)
    assert first.status_code == 201 and again.status_code == 201, again.text
    # The block is known once the read model follows it (documented: null until then).
    assert again.json() == {**first.json(), "block_number": None}
    assert len(stack.peer.checkpoints(sscc)) == 1
    stack.follow()
    same_answer(first, stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=body))


def test_exception_resent_without_event_time_returns_the_first_transaction(
    stack: ApiStack,
) -> None:
    sscc = stack.created()
    body = {"client_scan_id": scan_id(), "reason": "pallet crushed", "read_point": HUB}
    first = stack.post("scanner", f"/shipments/{sscc}/exceptions", json=body)
    again = stack.post("scanner", f"/shipments/{sscc}/exceptions", json=body)
    same_answer(first, again)
    assert len(stack.peer.checkpoints(sscc)) == 1


def test_delivery_resent_without_event_time_returns_the_first_transaction(
    stack: ApiStack,
) -> None:
    sscc = stack.created()
    for step in ("departing", "arriving", "loading"):
        response = stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=untimed(step))
        assert response.status_code == 201, response.text
    fields = {"client_scan_id": scan_id(), "read_point_gln": HUB["gln"], "read_point_name": "Hub"}
    photo = png()

    def send() -> httpx.Response:
        files = {"photo": ("pod.png", photo, "image/png")}
        return stack.post("receiver", f"/shipments/{sscc}/delivery", data=fields, files=files)

    same_answer(send(), send())
    assert [c["kind"] for c in stack.peer.checkpoints(sscc)][-1] == "delivery"
    assert len(stack.peer.checkpoints(sscc)) == 4


def test_temperatures_resent_return_the_first_transaction(stack: ApiStack) -> None:
    sscc = stack.created()
    stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=untimed("departing"))
    fields = {"client_scan_id": scan_id()}

    def send() -> httpx.Response:
        files = {"file": ("log.csv", CSV, "text/csv")}
        return stack.post("scanner", f"/shipments/{sscc}/temperatures", data=fields, files=files)

    same_answer(send(), send())
    assert len(stack.peer.checkpoints(sscc)) == 2


def test_create_resent_without_client_scan_id_returns_the_first_transaction(
    stack: ApiStack,
) -> None:
    body = create_body(new_sscc())
    del body["client_scan_id"]
    first = stack.post("dispatcher", "/shipments", json=body)
    again = stack.post("dispatcher", "/shipments", json=body)
    answer = same_answer(first, again)
    assert answer["client_scan_id"]  # the id the server gave it, the same both times
    # Another shipment body under the same SSCC is still refused.
    other = stack.post("dispatcher", "/shipments", json={**body, "quantity": 7})
    assert other.status_code == 409 and other.json()["error"]["code"] == "SHIPMENT_EXISTS"


def test_queued_scan_resent_without_event_time_is_the_same_queue_entry(stack: ApiStack) -> None:
    sscc = stack.created()
    stack.peer.stop()
    body = untimed("departing")
    queued = stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=body)
    assert queued.status_code == 202, queued.text
    resent = stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=body)
    assert resent.status_code == 202, resent.text
    assert resent.json()["queue_id"] == queued.json()["queue_id"]

    stack.peer.start()
    assert stack.state.retrier.run_once() == 1
    [checkpoint] = stack.peer.checkpoints(sscc)
    state = stack.get("scanner", f"/scans/{body['client_scan_id']}").json()
    assert state["state"] == "committed" and state["answer"]["tx_id"] == checkpoint["tx_id"]
    later = stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=body)
    assert later.status_code == 201, later.text
    assert later.json()["tx_id"] == checkpoint["tx_id"]
    assert len(stack.peer.checkpoints(sscc)) == 1
