"""The chat's door to the ledger for disputes: open one, anchor leaves, read one back.

Every call signs as the tracker's own identity (TRACKER_MSP_ID / TRACKER_MSP_DIR), never as
the contact: the contact's party is named in the dispute (`raised_for`). `DisputeLedger` is
what the chat needs; `FacadeDisputeLedger` does it with the ledger facade, and tests may pass
any other implementation. Failures are `tracker.ledger.errors` types.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from records import decode, to_plain
from records.deals import Dispute
from tracker.config import Config
from tracker.ledger.facade import GatewayPool, LedgerFacade
from tracker.ledger.facade_values import Actor, TermsCommitted
from tracker.ledger.identity import load_enrolment


@dataclass(frozen=True, slots=True)
class Written:
    """A committed dispute write: its transaction and the dispute as the ledger now has it
    (the chaincode's Dispute record in its stored JSON shape)."""

    tx_id: str
    block_number: int | None
    dispute: dict[str, Any]


class DisputeLedger(Protocol):
    """The three dispute calls the chat makes."""

    def open_dispute(self, *, sscc: str, dispute_id: str, subject: str, raised_for: str) -> Written:
        """OpenDispute (replayed safely: the dispute id is the client scan id)."""
        ...

    def anchor(self, *, sscc: str, dispute_id: str, leaves: list[str], root: str) -> Written:
        """AnchorConversation with the new leaves and the root over all of them."""
        ...

    def dispute(self, *, sscc: str, dispute_id: str) -> dict[str, Any]:
        """GetDispute: the dispute document (leaves, anchors, resolution)."""
        ...


def _dispute(document: Mapping[str, Any] | None) -> dict[str, Any]:
    """A Gateway answer's dispute, decoded strictly as the chaincode's Dispute record (else
    `records.RecordError`) and handed on in its stored JSON shape."""
    return dict(to_plain(decode(Dispute, document, "dispute")))


def _written(answer: TermsCommitted) -> Written:
    return Written(answer.tx_id, answer.block_number, _dispute(answer.dispute))


@dataclass
class FacadeDisputeLedger:
    """`DisputeLedger` through the ledger facade, as one actor (the tracker)."""

    facade: LedgerFacade
    actor: Actor
    pool: GatewayPool | None = None  # closed by `close` when this object opened it

    def open_dispute(self, *, sscc: str, dispute_id: str, subject: str, raised_for: str) -> Written:
        """OpenDispute as the tracker."""
        argument = {
            "sscc": sscc,
            "dispute_id": dispute_id,
            "subject": subject,
            "raised_for": raised_for,
            "client_scan_id": f"chat-dispute-{dispute_id}",
        }
        return _written(self.facade.open_dispute(self.actor, argument))

    def anchor(self, *, sscc: str, dispute_id: str, leaves: list[str], root: str) -> Written:
        """AnchorConversation as the tracker."""
        argument = {"sscc": sscc, "dispute_id": dispute_id, "leaves": leaves, "root": root}
        return _written(self.facade.anchor_conversation(self.actor, argument))

    def dispute(self, *, sscc: str, dispute_id: str) -> dict[str, Any]:
        """GetDispute as the tracker."""
        return _dispute(self.facade.get_dispute(self.actor, sscc, dispute_id))

    def close(self) -> None:
        """Close the connections this ledger opened."""
        if self.pool is not None:
            self.pool.close()


def tracker_actor(config: Config) -> Actor | None:
    """The tracker's own identity, when TRACKER_MSP_ID and TRACKER_MSP_DIR are both set."""
    ledger = config.ledger
    if ledger is None or ledger.msp_id is None or ledger.msp_dir is None:
        return None
    identity, signer = load_enrolment(ledger.msp_id, ledger.msp_dir)
    return Actor(identity, signer)


def gateway_pool(config: Config) -> GatewayPool:
    """Connections to the configured peer, opened on first use."""
    ledger = config.require_ledger()
    return GatewayPool(
        endpoint=ledger.peer_endpoint,
        tls_root_cert_path=ledger.tls_ca_file,
        server_name_override=ledger.host_override,
        channel=config.channel,
        chaincode=config.chaincode,
    )


def dispute_ledger(config: Config) -> FacadeDisputeLedger | None:
    """The chat's dispute ledger, or None when this tracker has no identity to sign with."""
    actor = tracker_actor(config)
    if actor is None:
        return None
    pool = gateway_pool(config)
    return FacadeDisputeLedger(LedgerFacade(pool), actor, pool)
