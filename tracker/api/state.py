"""What the API's views share (facade, wallet, journal, retrier) and bearer-token sign-in."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from flask import g, request
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import tracker.api.pending as pending
from tracker.api.settings import ApiSettings
from tracker.api.throttle import FailureThrottle, client_key
from tracker.errors import ApiError
from tracker.extensions import API, extension
from tracker.identities.wallet import Wallet
from tracker.ledger.facade import GatewayPool, LedgerFacade
from tracker.ledger.facade_values import Actor, Committed
from tracker.store import staff
from tracker.store.readmodel import TransactionRow


@dataclass
class ActorCache:
    """Wallet identities loaded once per staff member (the key file is read on first use)."""

    wallet: Wallet
    _actors: dict[int, Actor] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def actor(self, member: staff.StaffMember) -> Actor:
        """The member's identity and signer."""
        with self._lock:
            found = self._actors.get(member.id)
            if found is None:
                found = self.wallet.actor(member.msp_id, member.wallet_path)
                self._actors[member.id] = found
            return found


@dataclass(frozen=True)
class ApiState:
    """The API's long-lived objects, in `app.extensions["tracker_api"]`."""

    settings: ApiSettings
    sessions: sessionmaker[Session]
    facade: LedgerFacade
    actors: ActorCache
    retrier: pending.PendingScanRetrier
    pool: GatewayPool
    throttle: FailureThrottle = field(default_factory=FailureThrottle)

    def close(self) -> None:
        """Stop the retry thread and close the ledger connections."""
        self.retrier.stop()
        self.pool.close()


def api_state() -> ApiState:
    """The running app's ApiState."""
    return extension(API, ApiState)


def block_lookup(sessions: sessionmaker[Session]) -> Any:
    """Find a tx's block in the scan journal, else in the read model."""

    def lookup(tx_id: str) -> int | None:
        number = pending.block_of(sessions, tx_id)
        if number is not None:
            return number
        with sessions() as session:
            query = select(TransactionRow.block_number).where(TransactionRow.tx_id == tx_id)
            return session.scalars(query).first()

    return lookup


def answer(committed: Committed, scan_id: str) -> dict[str, Any]:
    """The JSON answer of a committed write."""
    checkpoint = committed.checkpoint
    body = {
        "tx_id": committed.tx_id,
        "block_number": committed.block_number,
        "client_scan_id": scan_id,
        "shipment": committed.shipment.document(),
        "checkpoint": None if checkpoint is None else checkpoint.document(),
    }
    if committed.settlement is not None:
        # A delivery under an accepted agreement: the settlement written with it.
        body["settlement"] = committed.settlement
    return body


def retry_submitter(
    sessions: sessionmaker[Session], facade: LedgerFacade, actors: ActorCache
) -> pending.Submit:
    """The retrier's submit: the queued write, as the staff member who scanned it."""

    def submit(entry: pending.JournalEntry) -> dict[str, Any]:
        with sessions() as session:
            member = staff.get_member(session, entry.staff_id)
        if member is None:
            raise pending.Unsubmittable(f"staff member {entry.staff_id} no longer exists")
        if member.revoked or member.ca_revocation:
            # Revocation is an admin's decision that this identity signs nothing more; a scan
            # still queued is refused (visible at GET /scans/<id>), not signed with it.
            raise pending.Unsubmittable(f"staff member {entry.staff_id} was revoked")
        committed = facade.commit(actors.actor(member), entry.prepared)
        return answer(committed, entry.client_scan_id)

    return submit


def signed_in() -> staff.StaffMember:
    """The staff member of this request's bearer token, or 401 (TOKEN_EXPIRED once past);
    429 while this client is locked out for presenting bad tokens (tracker.api.throttle)."""
    found = g.get("staff")
    if isinstance(found, staff.StaffMember):
        return found
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "UNAUTHORIZED", "send Authorization: Bearer <token>")
    state, client = api_state(), client_key(request.remote_addr)
    wait = state.throttle.retry_after(client)
    if wait:
        # The token is not even looked at: a right one must not tell itself from a wrong one.
        raise too_many_failures(wait)
    with state.sessions() as session:
        found = staff.check_token(session, token.strip())
    if not isinstance(found, staff.StaffMember):
        state.throttle.failed(client)
    if found is staff.TokenProblem.EXPIRED:
        # Only the holder of the real token learns this: the lookup is by its hash.
        raise ApiError(401, "TOKEN_EXPIRED", "the token expired: ask for a new one")
    if not isinstance(found, staff.StaffMember):
        raise ApiError(401, "UNAUTHORIZED", "the token is unknown or was revoked")
    g.staff = found
    return found


def too_many_failures(wait: int) -> ApiError:
    """429 for a client locked out after too many bad tokens, with Retry-After."""
    message = f"too many failed sign-ins from this address: try again in {wait} s"
    return ApiError(429, "TOO_MANY_FAILED_SIGN_INS", message, headers={"Retry-After": str(wait)})
