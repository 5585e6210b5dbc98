"""The staff API under `/api/v1`: bearer tokens, marshmallow schemas, OpenAPI 3.1.

`create_app(config, api=ApiSettings.from_config(config))` mounts it.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from tracker.api import agreements, certificates, pending, reads, reports, writes
from tracker.api.blueprint import api
from tracker.api.settings import ApiSettings
from tracker.api.state import ActorCache, ApiState, block_lookup, retry_submitter
from tracker.api.throttle import FailureThrottle
from tracker.extensions import API, TRACKER
from tracker.identities.wallet import Wallet
from tracker.ledger.facade import GatewayPool, LedgerFacade

# Imported for their routes (and tables: staff, scan_journal) before the blueprint mounts.
_MODULES = (agreements, certificates, reads, reports, writes)


def register(
    app: Flask, settings: ApiSettings, *, sessions: sessionmaker[Session] | None = None
) -> ApiState:
    """Mount `/api/v1` on `app`; start the pending-scan retry thread unless switched off.

    `sessions` defaults to the tracker app's own (`app.extensions["tracker"].sessions`).
    """
    if sessions is None:
        sessions = app.extensions[TRACKER].sessions
    assert sessions is not None
    pool, facade, actors, retrier = _ledger_side(settings, sessions)
    throttle = FailureThrottle(
        settings.auth_failure_limit, settings.auth_failure_window_s, settings.auth_lockout_s
    )
    state = ApiState(settings, sessions, facade, actors, retrier, pool, throttle)
    app.extensions[API] = state
    app.register_blueprint(api)
    if settings.retry_thread:
        retrier.start()
    return state


def _ledger_side(
    settings: ApiSettings, sessions: sessionmaker[Session]
) -> tuple[GatewayPool, LedgerFacade, ActorCache, pending.PendingScanRetrier]:
    pool = GatewayPool(
        endpoint=settings.peer_endpoint,
        tls_root_cert_path=settings.tls_ca_file,
        server_name_override=settings.host_override,
        channel=settings.channel,
        chaincode=settings.chaincode,
        timeouts=settings.timeouts,
    )
    facade = LedgerFacade(pool, block_of=block_lookup(sessions))
    actors = ActorCache(Wallet(settings.wallet_dir))
    retrier = pending.PendingScanRetrier(
        sessions, retry_submitter(sessions, facade, actors), settings.retry_seconds
    )
    return pool, facade, actors, retrier


def build_retrier(
    settings: ApiSettings, sessions: sessionmaker[Session]
) -> pending.PendingScanRetrier:
    """The queued-scan retry loop on its own, for `tracker worker` (one process per database)."""
    return _ledger_side(settings, sessions)[3]


__all__ = ["ApiSettings", "ApiState", "build_retrier", "register"]
