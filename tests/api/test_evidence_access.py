"""Evidence is kept only for writes the ledger took (committed, or queued with 202), and read
as the shipments whose committed records reference its hash are: never as whichever
shipment the bytes were first posted for. Over real HTTP against the SimulatedPeer (FAKE
peer running the real chaincode), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import delete, func, select

from demo.scenario import tiny_png
from fabricsim.peer import SimulatedPeer
from tests.api.api_stack import ApiStack, checkpoint_body, create_body, new_sscc, scan_id, sha256
from tracker.store.db import transaction
from tracker.store.evidence import EvidenceBlob

CSV = b"time,celsius\n2030-03-01T08:00:00Z,4.0\n2030-03-01T09:00:00Z,5.5\n"
# The outsider's organisation: a retailer that is no party of the usual test shipments.
OTHER_RETAILER = "OtherRetailMSP"


@pytest.fixture
def stack(stack_for: Callable[..., ApiStack], peer: SimulatedPeer, database_url: str) -> ApiStack:
    """The API stack on SQLite and on PostgreSQL (row locks order keeping and dropping)."""
    return stack_for(peer, database_url=database_url)


def photo(seed: str) -> bytes:
    """A PNG no other test uploads (the demo's tiny PNG plus a trailing chunk of text)."""
    return tiny_png() + seed.encode()


def held(stack: ApiStack, digest: str) -> bool:
    """Whether the tracker's database holds these bytes at all."""
    with stack.sessions() as session:
        return session.get(EvidenceBlob, digest) is not None


def blob_count(stack: ApiStack) -> int:
    with stack.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(EvidenceBlob)) or 0)


def out_for_delivery(stack: ApiStack, **overrides: object) -> str:
    """A shipment out for delivery (parties as given, else the usual three)."""
    sscc = new_sscc()
    created = stack.post("dispatcher", "/shipments", json=create_body(sscc, **overrides))
    assert created.status_code == 201, created.text
    for step in ("departing", "arriving", "loading"):
        response = stack.post(
            "scanner", f"/shipments/{sscc}/checkpoints", json=checkpoint_body(step)
        )
        assert response.status_code == 201, response.text
    return sscc


def other_retailers_shipment(stack: ApiStack) -> str:
    """Out for delivery to the outsider's organisation (the same producer and carrier)."""
    parties = {"producer": "ProducerMSP", "carrier": "CarrierMSP", "retailer": OTHER_RETAILER}
    return out_for_delivery(stack, parties=parties)


def deliver(stack: ApiStack, who: str, sscc: str, content: bytes) -> httpx.Response:
    return stack.post(
        who,
        f"/shipments/{sscc}/delivery",
        data={"client_scan_id": scan_id()},
        files={"photo": ("pod.png", content, "image/png")},
    )


def upload_log(stack: ApiStack, who: str, sscc: str, content: bytes) -> httpx.Response:
    return stack.post(
        who,
        f"/shipments/{sscc}/temperatures",
        data={"client_scan_id": scan_id()},
        files={"file": ("log.csv", content, "text/csv")},
    )


def status(stack: ApiStack, who: str, digest: str) -> int:
    return stack.get(who, f"/evidence/{digest}").status_code


def test_refused_and_impossible_uploads_store_nothing(stack: ApiStack) -> None:
    sscc = out_for_delivery(stack)
    before = blob_count(stack)
    # Not a party: refused by the chaincode (403).
    pod = photo("refused-pod")
    refused = deliver(stack, "outsider", sscc, pod)
    assert refused.status_code == 403, refused.text
    # A party, with a role that may not record temperatures (403).
    log = CSV + b"2030-03-01T10:00:00Z,6.0\n"
    wrong_role = upload_log(stack, "receiver", sscc, log)
    assert wrong_role.status_code == 403, wrong_role.text
    # A shipment that does not exist (404), then one not yet out for delivery (409).
    nowhere = deliver(stack, "receiver", new_sscc(), photo("nowhere-pod"))
    assert nowhere.status_code == 404, nowhere.text
    too_early = deliver(stack, "receiver", stack.created(), photo("early-pod"))
    assert too_early.status_code == 409, too_early.text
    assert blob_count(stack) == before  # no byte of any of them, no batch argument either
    for digest in (sha256(pod), sha256(log), sha256(photo("nowhere-pod"))):
        assert not held(stack, digest)
        assert status(stack, "auditor", digest) == 404
        assert status(stack, "outsider", digest) == 404


def test_a_refused_upload_does_not_decide_who_reads_the_same_file_later(stack: ApiStack) -> None:
    # The outsider's organisation posts the photo for its own shipment A before A may be
    # delivered (refused); the same file is then the proof of delivery of shipment B.
    mine = other_retailers_shipment(stack)
    not_yet = stack.created(
        parties={"producer": "ProducerMSP", "carrier": "CarrierMSP", "retailer": OTHER_RETAILER}
    )
    pod = photo("first-link-wins")
    assert deliver(stack, "outsider", not_yet, pod).status_code == 409
    assert deliver(stack, "outsider", new_sscc(), pod).status_code == 404
    theirs = out_for_delivery(stack)
    delivered = deliver(stack, "receiver", theirs, pod)
    assert delivered.status_code == 201, delivered.text
    # B's parties read it (the uploader first), auditors too; the outsider does not.
    for who in ("receiver", "scanner", "dispatcher", "auditor"):
        fetched = stack.get(who, f"/evidence/{sha256(pod)}")
        assert fetched.status_code == 200, (who, fetched.text)
        assert fetched.content == pod
    refused = stack.get("outsider", f"/evidence/{sha256(pod)}")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "FORBIDDEN"
    # The outsider's own delivery, with other bytes, is theirs alone.
    assert deliver(stack, "outsider", mine, photo("own-pod")).status_code == 201
    assert status(stack, "outsider", sha256(photo("own-pod"))) == 200
    assert status(stack, "receiver", sha256(photo("own-pod"))) == 403


def test_a_file_referenced_by_two_shipments_is_read_by_the_parties_of_either(
    stack: ApiStack,
) -> None:
    pod = photo("shared-pod")
    ours, theirs = out_for_delivery(stack), other_retailers_shipment(stack)
    assert deliver(stack, "receiver", ours, pod).status_code == 201
    assert status(stack, "outsider", sha256(pod)) == 403
    assert deliver(stack, "outsider", theirs, pod).status_code == 201
    assert status(stack, "outsider", sha256(pod)) == 200
    assert status(stack, "receiver", sha256(pod)) == 200
    from tracker.store.evidence import EvidenceRef

    with stack.sessions() as session:
        refs = session.scalars(select(EvidenceRef.sscc).where(EvidenceRef.sha256 == sha256(pod)))
        assert sorted(refs) == sorted([ours, theirs])


def test_temperature_file_and_batch_are_read_as_their_shipment(stack: ApiStack) -> None:
    sscc = stack.created()
    stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=checkpoint_body("departing"))
    log = CSV + b"2030-03-01T11:00:00Z,3.0\n"
    response = upload_log(stack, "scanner", sscc, log)
    assert response.status_code == 201, response.text
    batch = response.json()["checkpoint"]["temperature"]["raw_sha256"]
    for digest in (sha256(log), batch):
        assert status(stack, "receiver", digest) == 200
        assert status(stack, "outsider", digest) == 403


def test_a_queued_upload_is_kept_and_read_by_its_organisation_until_it_settles(
    stack: ApiStack,
) -> None:
    sscc = out_for_delivery(stack)
    pod = photo("queued-pod")
    stack.peer.stop()
    queued = deliver(stack, "receiver", sscc, pod)
    assert queued.status_code == 202, queued.text
    assert held(stack, sha256(pod))  # kept: the queued write will reference it
    # Meanwhile: the uploader's organisation only (no ledger to ask, none asked).
    assert status(stack, "receiver", sha256(pod)) == 200
    assert status(stack, "scanner", sha256(pod)) == 403
    assert status(stack, "outsider", sha256(pod)) == 403
    stack.peer.start()
    assert stack.state.retrier.run_once() == 1
    assert stack.peer.checkpoints(sscc)[-1]["evidence"][0] == sha256(pod)
    # Committed: read as its shipment.
    assert status(stack, "scanner", sha256(pod)) == 200
    assert status(stack, "receiver", sha256(pod)) == 200
    assert status(stack, "outsider", sha256(pod)) == 403
    from tracker.store.evidence import EvidenceQueued

    with stack.sessions() as session:
        assert session.scalars(select(EvidenceQueued)).all() == []


def test_a_queued_upload_the_ledger_refuses_later_is_dropped(stack: ApiStack) -> None:
    sscc = out_for_delivery(stack)
    kept, dropped = photo("kept-pod"), photo("dropped-pod")
    assert deliver(stack, "receiver", sscc, kept).status_code == 201
    stack.peer.stop()
    # Queued while nobody can ask the chaincode, then refused by it: not a party.
    for content in (kept, dropped):
        assert deliver(stack, "outsider", sscc, content).status_code == 202
    assert held(stack, sha256(dropped))
    assert status(stack, "outsider", sha256(dropped)) == 200  # its own queued upload
    stack.peer.start()
    assert stack.state.retrier.run_once() == 2
    assert not held(stack, sha256(dropped))
    assert status(stack, "outsider", sha256(dropped)) == 404
    # The same bytes committed on a shipment stay, read as that shipment only.
    assert held(stack, sha256(kept))
    assert status(stack, "receiver", sha256(kept)) == 200
    assert status(stack, "outsider", sha256(kept)) == 403


def test_the_read_model_references_count_and_free_form_evidence_lists_do_not(
    stack: ApiStack,
) -> None:
    pod = photo("read-model-pod")
    ours, theirs = out_for_delivery(stack), other_retailers_shipment(stack)
    assert deliver(stack, "outsider", theirs, pod).status_code == 201
    assert deliver(stack, "receiver", ours, pod).status_code == 201
    # As if the tracker had stopped between B's commit and noting it: the ledger (and the
    # read model, once followed) references the photo from B, the tracker's notes do not.
    from tracker.store.evidence import EvidenceRef

    with transaction(stack.sessions) as session:
        session.execute(
            delete(EvidenceRef).where(EvidenceRef.sha256 == sha256(pod), EvidenceRef.sscc == ours)
        )
    assert status(stack, "receiver", sha256(pod)) == 403
    stack.follow()
    assert status(stack, "receiver", sha256(pod)) == 200

    # A hash seen somewhere, written into a checkpoint's evidence list of a shipment one may
    # write, proves nothing about holding the bytes: it grants no read.
    secret = photo("their-secret-pod")
    assert deliver(stack, "receiver", out_for_delivery(stack), secret).status_code == 201
    pending = other_retailers_shipment(stack)
    checkpoint = {**checkpoint_body("inspecting"), "evidence": [sha256(secret)]}
    scanned = stack.post("scanner", f"/shipments/{pending}/checkpoints", json=checkpoint)
    assert scanned.status_code == 201, scanned.text
    claim = {"client_scan_id": scan_id(), "reason": "see photo", "evidence": [sha256(secret)]}
    claimed = stack.post("outsider", f"/shipments/{pending}/exceptions", json=claim)
    assert claimed.status_code == 201, claimed.text
    stack.follow()
    assert status(stack, "outsider", sha256(secret)) == 403
    assert status(stack, "receiver", sha256(secret)) == 200


def test_a_resend_after_the_answer_was_lost_keeps_the_bytes(stack: ApiStack) -> None:
    # The ledger committed, the tracker never noted it (and so kept nothing): the client's
    # resend, answered by the chaincode from its record, keeps the bytes.
    sscc = out_for_delivery(stack)
    pod = photo("lost-answer-pod")
    fields = {"client_scan_id": scan_id(), "event_time": "2030-03-02T09:00:00Z"}
    first = stack.post(
        "receiver",
        f"/shipments/{sscc}/delivery",
        data=fields,
        files={"photo": ("pod.png", pod, "image/png")},
    )
    assert first.status_code == 201, first.text
    from tracker.store.evidence import EvidenceRef

    with transaction(stack.sessions) as session:
        session.execute(delete(EvidenceRef))
        session.execute(delete(EvidenceBlob).where(EvidenceBlob.sha256 == sha256(pod)))
    assert status(stack, "receiver", sha256(pod)) == 404
    again = stack.post(
        "receiver",
        f"/shipments/{sscc}/delivery",
        data=fields,
        files={"photo": ("pod.png", pod, "image/png")},
    )
    assert again.status_code == 201 and again.json()["tx_id"] == first.json()["tx_id"]
    assert stack.get("receiver", f"/evidence/{sha256(pod)}").content == pod
