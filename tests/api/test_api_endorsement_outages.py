"""Outages behind the tracker's own peer: another organisation's peer or the chaincode down, or a
peer just restarted. The Gateway answers Endorse with ABORTED carrying only transport details,
or FAILED_PRECONDITION "no combination of peers can be derived ...". Such a scan is queued (202)
and stays queued until the ledger takes it: never answered 502, never settled as rejected. Only
the chaincode's coded refusal, or a refusal of the signer, rejects a scan.

The peer is the SimulatedPeer (FAKE, not Fabric), made to answer with the real Gateway's status
codes, messages and gateway.ErrorDetail lists (grpc-status-details-bin) while the outage lasts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import grpc
import pytest

from fabricsim.gateway import abort_with_details
from fabricsim.peer import SimulatedPeer
from fabricsim.pki import SimPki
from tests.api.api_stack import ApiStack, checkpoint_body
from tests.ledger.gateway_answers import CODED_REFUSAL, IDENTITY_REFUSALS, TRANSIENT, GatewayAnswer
from tracker.api import pending


class GatewayFaults:
    """While `endorse` / `evaluate` is set, the peer's Gateway answers that call with it."""

    def __init__(self, peer: SimulatedPeer) -> None:
        self.endorse: GatewayAnswer | None = None
        self.evaluate: GatewayAnswer | None = None
        self.answered = 0
        gateway = peer.gateway
        # Before start(): the gRPC server binds the servicer's methods when it registers them.
        # Patched on this one servicer: mypy flags any assignment to a method.
        gateway.Endorse = self._wrap(gateway.Endorse, lambda: self.endorse)  # type: ignore[method-assign,assignment]
        gateway.Evaluate = self._wrap(gateway.Evaluate, lambda: self.evaluate)  # type: ignore[method-assign,assignment]

    def _wrap(
        self, real: Callable[[Any, grpc.ServicerContext], Any], current: Callable[[], Any]
    ) -> Callable[[Any, grpc.ServicerContext], Any]:
        def call(request: Any, context: grpc.ServicerContext) -> Any:
            answer = current()
            if answer is None:
                return real(request, context)
            self.answered += 1
            abort_with_details(context, answer.code, answer.message, answer.detail_protos())
            raise AssertionError("unreachable")

        return call


@pytest.fixture
def faulty(pki: SimPki) -> Iterator[tuple[SimulatedPeer, GatewayFaults]]:
    """A SimulatedPeer whose Gateway can be made to answer like one facing an outage."""
    peer = SimulatedPeer(pki)
    faults = GatewayFaults(peer)
    peer.start()
    yield peer, faults
    peer.stop()


@pytest.fixture
def outage(
    stack_for: Callable[..., ApiStack], faulty: tuple[SimulatedPeer, GatewayFaults]
) -> tuple[ApiStack, GatewayFaults]:
    """The API in front of that peer."""
    return stack_for(faulty[0]), faulty[1]


def _scan_state(stack: ApiStack, body: dict[str, Any]) -> dict[str, Any]:
    response = stack.get("scanner", f"/scans/{body['client_scan_id']}")
    assert response.status_code == 200, response.text
    state: dict[str, Any] = response.json()
    return state


@pytest.mark.parametrize("answer", TRANSIENT, ids=lambda a: a.name)
def test_scan_during_an_endorsement_outage_is_queued_and_committed_once_it_ends(
    outage: tuple[ApiStack, GatewayFaults], answer: GatewayAnswer
) -> None:
    stack, faults = outage
    sscc = stack.created()
    faults.endorse = answer
    body = checkpoint_body("departing")
    queued = stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=body)
    assert queued.status_code == 202, queued.text
    assert queued.json()["state"] == "pending"
    assert faults.answered == 1

    # The worker's rounds during the outage: the scan stays pending, never rejected.
    for _ in range(3):
        assert stack.state.retrier.run_once() == 0
    state = _scan_state(stack, body)
    assert state["state"] == "pending" and state["answer"] is None, state
    entry = pending.find(stack.sessions, "CarrierMSP", body["client_scan_id"])
    assert entry is not None and entry.attempts == 4  # the API's try and three rounds
    assert faults.answered == 4
    assert stack.peer.checkpoints(sscc) == []

    faults.endorse = None  # the other peers (or the chaincode) are back
    assert stack.state.retrier.run_once() == 1
    [checkpoint] = stack.peer.checkpoints(sscc)
    state = _scan_state(stack, body)
    assert state["state"] == "committed"
    assert state["answer"]["tx_id"] == checkpoint["tx_id"]
    assert stack.state.retrier.run_once() == 0


@pytest.mark.parametrize("answer", TRANSIENT, ids=lambda a: a.name)
def test_queued_scans_wait_behind_an_endorsement_outage_in_order(
    outage: tuple[ApiStack, GatewayFaults], answer: GatewayAnswer
) -> None:
    # Queued while the tracker's own peer was down; the other orgs' peers are down next.
    stack, faults = outage
    sscc = stack.created()
    stack.peer.stop()
    steps = ("departing", "arriving", "loading")
    for step in steps:
        response = stack.post(
            "scanner", f"/shipments/{sscc}/checkpoints", json=checkpoint_body(step)
        )
        assert response.status_code == 202
    faults.endorse = answer
    stack.peer.start()
    assert stack.state.retrier.run_once() == 0
    assert [e.state for e in stack.state.retrier.pending()] == ["pending"] * 3
    faults.endorse = None
    assert stack.state.retrier.run_once() == 3
    assert [c["biz_step"] for c in stack.peer.checkpoints(sscc)] == list(steps)


def test_a_coded_refusal_beside_an_outage_is_still_a_refusal(
    outage: tuple[ApiStack, GatewayFaults],
) -> None:
    stack, faults = outage
    sscc = stack.created()
    faults.endorse = CODED_REFUSAL
    body = checkpoint_body("loading")
    refused = stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=body)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "INVALID_TRANSITION"
    assert pending.find(stack.sessions, "CarrierMSP", body["client_scan_id"]) is None


def test_a_queued_scan_the_chaincode_refuses_is_rejected_with_its_code(
    outage: tuple[ApiStack, GatewayFaults],
) -> None:
    stack, faults = outage
    sscc = stack.created()
    faults.endorse = TRANSIENT[0]
    body = checkpoint_body("departing")
    assert stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=body).status_code == 202
    faults.endorse = CODED_REFUSAL
    assert stack.state.retrier.run_once() == 1
    state = _scan_state(stack, body)
    assert state["state"] == "rejected"
    assert state["answer"]["error"]["code"] == "INVALID_TRANSITION"


@pytest.mark.parametrize("answer", IDENTITY_REFUSALS, ids=lambda a: a.name)
def test_a_signer_refusal_is_not_queued_and_rejects_a_queued_scan(
    outage: tuple[ApiStack, GatewayFaults], answer: GatewayAnswer
) -> None:
    stack, faults = outage
    sscc = stack.created()
    faults.endorse = answer
    refused = checkpoint_body("departing")
    direct = stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=refused)
    assert direct.status_code == 502, direct.text
    assert direct.json()["error"]["code"] == "LEDGER_ERROR"
    assert pending.find(stack.sessions, "CarrierMSP", refused["client_scan_id"]) is None

    faults.endorse = TRANSIENT[0]
    body = checkpoint_body("departing")
    assert stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=body).status_code == 202
    faults.endorse = answer
    assert stack.state.retrier.run_once() == 1
    state = _scan_state(stack, body)
    assert state["state"] == "rejected"
    assert state["answer"]["error"]["code"] == "LEDGER_REJECTED"


@pytest.mark.parametrize("answer", TRANSIENT[:3] + TRANSIENT[7:9], ids=lambda a: a.name)
def test_reads_during_an_endorsement_outage_are_503(
    outage: tuple[ApiStack, GatewayFaults], answer: GatewayAnswer
) -> None:
    stack, faults = outage
    sscc = stack.created()
    faults.evaluate = answer
    response = stack.get("scanner", f"/shipments/{sscc}")
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "LEDGER_UNAVAILABLE"
    faults.evaluate = None
    assert stack.get("scanner", f"/shipments/{sscc}").status_code == 200


def test_the_worker_backs_off_while_the_outage_lasts(
    outage: tuple[ApiStack, GatewayFaults],
) -> None:
    stack, faults = outage
    retrier = stack.state.retrier
    interval = stack.state.settings.retry_seconds
    assert retrier.delay == interval
    sscc = stack.created()
    faults.endorse = TRANSIENT[-1]
    body = checkpoint_body("departing")
    assert stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=body).status_code == 202
    delays = []
    for _ in range(8):
        retrier.run_once()
        delays.append(retrier.delay)
    assert delays[:3] == [2 * interval, 4 * interval, 8 * interval]
    assert delays == sorted(delays) and delays[-1] == pending.BACKOFF_CAP_S
    faults.endorse = None
    assert retrier.run_once() == 1
    assert retrier.delay == interval
    assert _scan_state(stack, body)["state"] == "committed"
