"""The chat in front of a ledger: tracker_stack's tracker and sandbox over real HTTP, plus a
SimulatedPeer (FAKE, not Fabric: the real chaincode behind the real Gateway client over TLS),
the staff who write to it, and the real Follower that mirrors its blocks and queues the
notifications. The worker built from this stack's configuration opens and anchors disputes
as the tracker's own identity (TRACKER_MSP_ID / TRACKER_MSP_DIR)."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fabricsim.peer import SimulatedPeer
from fabricsim.pki import PEER_HOST, Enrolment, SimPki
from tests.chaincode.cc_samples import make_sscc, scan, shipment_request
from tests.support.tracker_stack import Stack, start_stack
from tracker.chat.notify import enqueue_changes
from tracker.follow.follower import Follower, FollowerConfig
from tracker.ledger.facade import GatewayPool, LedgerFacade
from tracker.ledger.facade_values import Actor
from tracker.ledger.gateway import connect
from tracker.ledger.identity import load_enrolment
from tracker.sandbox.state import Outbound

PRODUCER, CARRIER, RETAILER = "ProducerMSP", "CarrierMSP", "RetailerMSP"
_serials = itertools.count(1)


@dataclass
class ChatStack:
    """The tracker's chat over HTTP and the peer it reads and writes."""

    stack: Stack
    peer: SimulatedPeer
    pki: SimPki
    actors: dict[str, Actor]
    pool: GatewayPool
    facade: LedgerFacade = field(init=False)

    def __post_init__(self) -> None:
        self.facade = LedgerFacade(self.pool)

    def submit(self, who: str, transaction: str, body: dict[str, Any]) -> Any:
        """A write as `who` through the real Gateway client; the decoded result."""
        contract = self.pool.contract(self.actors[who])
        return json.loads(contract.submit(transaction, json.dumps(body)).result)

    def shipment(self, *, delivered: bool = False, **overrides: Any) -> str:
        """A shipment created by the producer and departed; delivered when asked."""
        sscc = make_sscc(700_000 + next(_serials))
        self.submit("dispatcher", "CreateShipment", shipment_request(sscc, **overrides))
        self.submit("scanner", "RecordCheckpoint", json.loads(scan(sscc, f"{sscc}-d", "departing")))
        if delivered:
            self.deliver(sscc)
        return sscc

    def deliver(self, sscc: str, event_time: str = "2025-03-02T10:00:00Z") -> Any:
        """Arrival at the hub, loading, then ConfirmDelivery by the retailer's receiver."""
        for step in ("arriving", "loading"):
            self.submit(
                "scanner", "RecordCheckpoint", json.loads(scan(sscc, f"{sscc}-{step}", step))
            )
        body = {
            "sscc": sscc,
            "client_scan_id": f"{sscc}-pod",
            "proof_of_delivery_sha256": "c" * 64,
            "event_time": event_time,
        }
        return self.submit("receiver", "ConfirmDelivery", body)

    def follow(self) -> int:
        """Mirror every block so far into the read model, queueing notifications."""
        actor = self.actors["tracker"]
        with connect(
            endpoint=self.peer.endpoint,
            tls_root_cert_path=self.pki.tls_root_path,
            server_name_override=PEER_HOST,
            signer=actor.signer,
            identity=actor.identity,
        ) as gateway:
            network = gateway.network("supplychain")
            follower = Follower(
                config=FollowerConfig("supplychain", "provenance"),
                sessions=self.stack.sessions,
                source=lambda start: network.block_events(start_block=start, stop_at_newest=True),
                on_changes=enqueue_changes,
            )
            return follower.run()

    def disputable(self, phone: str, language: str) -> str:
        """A delivered shipment, mirrored, whose retailer's contact `phone` talks to a running
        worker: its sscc."""
        sscc = self.shipment(delivered=True)
        self.follow()
        self.stack.contact(RETAILER, phone, language)
        self.stack.start_worker()
        return sscc

    def first_answer(self, phone: str, text: str) -> tuple[Outbound, list[dict[str, str]]]:
        """`phone` writes `text`: the first message it gets back, and that message's buttons."""
        self.stack.phone_writes(phone, text=text)
        self.stack.wait_received(phone, 1)
        message = self.stack.received(phone)[0]
        return message, [b["reply"] for b in message.content["action"]["buttons"]]

    def dispute(self, sscc: str, dispute_id: str) -> dict[str, Any]:
        """The dispute as the ledger holds it, read as the tracker."""
        return self.facade.get_dispute(self.actors["tracker"], sscc, dispute_id)

    def close(self) -> None:
        """Stop the worker, the servers and the connections."""
        self.stack.close()
        self.pool.close()


def start_chat_stack(
    root: Path, pki: SimPki, peer: SimulatedPeer, people: dict[str, Enrolment]
) -> ChatStack:
    """Tracker and sandbox configured with the peer and the tracker's identity."""
    tracker = people["tracker"]
    stack = start_stack(
        root,
        TRACKER_PEER_ENDPOINT=peer.endpoint,
        TRACKER_PEER_TLS_CA_FILE=str(pki.tls_root_path),
        TRACKER_PEER_HOST_OVERRIDE=PEER_HOST,
        TRACKER_MSP_ID=tracker.msp_id,
        TRACKER_MSP_DIR=str(tracker.msp_dir),
    )
    actors = {}
    for nick, enrolment in people.items():
        identity, signer = load_enrolment(enrolment.msp_id, enrolment.msp_dir)
        actors[nick] = Actor(identity, signer)
    pool = GatewayPool(
        endpoint=peer.endpoint,
        tls_root_cert_path=pki.tls_root_path,
        server_name_override=PEER_HOST,
        channel="supplychain",
        chaincode="provenance",
    )
    return ChatStack(stack, peer, pki, actors, pool)
