"""The tracker's staff API under test: its own Flask app with /api/v1 and /scan mounted,
served over real HTTP, talking to a SimulatedPeer with the real Gateway client over TLS."""

from __future__ import annotations

import dataclasses
import hashlib
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from fabricsim.peer import SimulatedPeer
from fabricsim.pki import PEER_HOST, Enrolment, SimPki
from tests.chaincode.cc_samples import make_sscc
from tests.support.sandbox_server import RunningServer, serve_in_thread
from tracker.api import ApiSettings, ApiState
from tracker.app import create_app
from tracker.config import Config
from tracker.extensions import API as API_EXTENSION
from tracker.extensions import TRACKER as TRACKER_EXTENSION
from tracker.follow.follower import Follower, FollowerConfig
from tracker.ledger.gateway import Timeouts, connect
from tracker.store import staff
from tracker.store.db import transaction
from tracker.store.engine import create_schema, open_database

HUB = {"gln": "0614141000029", "name": "Hub Lyon"}
SMALL_LIMIT = 64 * 1024  # bytes; small so the 413 test stays fast
_serials = iter(range(1, 10**9))


def new_sscc() -> str:
    """A valid SSCC not used before in this process."""
    return make_sscc(next(_serials) + uuid.uuid4().int % 10**6 * 1000)


def scan_id() -> str:
    """A fresh client scan id, as the scan page makes them."""
    return str(uuid.uuid4())


def create_body(sscc: str, **overrides: Any) -> dict[str, Any]:
    """A valid POST /shipments body."""
    body: dict[str, Any] = {
        "sscc": sscc,
        "client_scan_id": scan_id(),
        "product": {"gtin": "04006381333931", "lot": "LOT-1", "description": "Strawberries"},
        "quantity": 120,
        "unit": "case",
        "origin": {"gln": "0614141000012", "name": "Farm Huelva"},
        "destination": {"gln": "4006381000017", "name": "Retail DC Berlin"},
        "parties": {"producer": "ProducerMSP", "carrier": "CarrierMSP", "retailer": "RetailerMSP"},
        "cold_chain": {"min_c": 2, "max_c": 8, "allowed_minutes_outside": 30, "mkt_limit_c": 8},
        "promised_delivery": "2030-03-03T12:00:00Z",
    }
    body.update(overrides)
    return body


def checkpoint_body(step: str, **overrides: Any) -> dict[str, Any]:
    """A valid POST /shipments/{sscc}/checkpoints body."""
    body: dict[str, Any] = {
        "client_scan_id": scan_id(),
        "biz_step": step,
        "read_point": dict(HUB),
        "event_time": "2030-03-01T09:00:00+01:00",
    }
    body.update(overrides)
    return body


def sha256(data: bytes) -> str:
    """Hex SHA-256."""
    return hashlib.sha256(data).hexdigest()


@dataclass
class ApiStack:
    """App over HTTP, its database, its staff tokens and the peer behind it."""

    url: str
    peer: SimulatedPeer
    pki: SimPki
    state: ApiState
    sessions: sessionmaker[Session]
    running: RunningServer
    tokens: dict[str, str] = field(default_factory=dict)
    staff_ids: dict[str, int] = field(default_factory=dict)
    engines: tuple[Engine, ...] = ()
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))

    def call(self, who: str | None, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """An HTTP request to /api/v1 as `who` (None: no token)."""
        headers = dict(kwargs.pop("headers", {}))
        if who is not None:
            headers["Authorization"] = f"Bearer {self.tokens.get(who, who)}"
        return self.http.request(method, self.url + "/api/v1" + path, headers=headers, **kwargs)

    def post(self, who: str | None, path: str, **kwargs: Any) -> httpx.Response:
        """POST as `who`."""
        return self.call(who, "POST", path, **kwargs)

    def get(self, who: str | None, path: str, **kwargs: Any) -> httpx.Response:
        """GET as `who`."""
        return self.call(who, "GET", path, **kwargs)

    def created(self, **overrides: Any) -> str:
        """A shipment created through the API; returns its SSCC."""
        sscc = new_sscc()
        response = self.post("dispatcher", "/shipments", json=create_body(sscc, **overrides))
        assert response.status_code == 201, response.text
        return sscc

    def follow(self) -> int:
        """Run the real Follower over the peer's Deliver service (real client, TLS)."""
        enrolment = self.pki.root / "CarrierMSP" / "scanner1" / "msp"
        from tracker.ledger.identity import load_enrolment

        identity, signer = load_enrolment("CarrierMSP", enrolment)
        with connect(
            endpoint=self.peer.endpoint,
            tls_root_cert_path=self.pki.tls_root_path,
            server_name_override=PEER_HOST,
            signer=signer,
            identity=identity,
        ) as gateway:
            network = gateway.network("supplychain")
            follower = Follower(
                config=FollowerConfig("supplychain", "provenance"),
                sessions=self.sessions,
                source=lambda start: network.block_events(start_block=start, stop_at_newest=True),
            )
            return follower.run()

    def close(self) -> None:
        """Stop serving and close connections."""
        self.http.close()
        self.running.stop()
        self.state.close()
        for engine in self.engines:  # pooled PostgreSQL connections, closed, not collected
            engine.dispose()


def start_stack(
    root: Path,
    pki: SimPki,
    peer: SimulatedPeer,
    people: dict[str, Enrolment],
    *,
    database_url: str | None = None,
    **overrides: Any,
) -> ApiStack:
    """Database (a SQLite file unless given), wallet, staff with tokens, app with /api/v1 and
    /scan, served on HTTP."""
    root.mkdir(parents=True)
    database_url = database_url or f"sqlite:///{root / 'tracker.db'}"
    engine, sessions = open_database(database_url)
    create_schema(engine)
    settings = ApiSettings(
        peer_endpoint=peer.endpoint,
        tls_ca_file=pki.tls_root_path,
        host_override=PEER_HOST,
        wallet_dir=root / "wallet",
        max_upload_bytes=SMALL_LIMIT,
        retry_thread=False,
        timeouts=Timeouts(evaluate=5, endorse=5, submit=5, commit_status=5),
    )
    settings = dataclasses.replace(settings, **overrides)
    # The production app factory, as `tracker serve` builds it (API mounted, scan page on).
    config = Config.from_env({"TRACKER_DATABASE_URL": database_url}, require_whatsapp=False)
    app = create_app(config, api=settings)
    state = app.extensions[API_EXTENSION]
    tokens, ids = {}, {}
    with transaction(sessions) as session:
        for nick, enrolment in people.items():
            member, token = staff.add_staff(
                session,
                state.actors.wallet,
                msp_id=enrolment.msp_id,
                display_name=nick.title(),
                enrolment_dir=enrolment.msp_dir,
            )
            tokens[nick], ids[nick] = token, member.id
    running = serve_in_thread(app)
    engines = (engine, app.extensions[TRACKER_EXTENSION].engine)
    return ApiStack(running.url, peer, pki, state, sessions, running, tokens, ids, engines)
