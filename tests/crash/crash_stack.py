"""The crash tier's stack: the tracker as the deployment runs it (gunicorn `tracker serve`,
`tracker worker`, `tracker follow`, started and killed through demo/services.py) in front of
a SimulatedPeer and a WhatsApp sandbox that both live in the test process, so they outlive
every `kill -9` of the tracker.

The SimulatedPeer (fabricsim) is a FAKE peer, NOT Fabric: the real chaincode behind the real
Gateway and Deliver gRPC services, one block per transaction, no ordering service.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from demo.ledger import DemoLedger, start_simulated_peer
from demo.scenario import CONTACTS, Demo
from demo.services import Services, free_port, prepare, start_tracker
from tests.support.sandbox_server import RunningSandbox, start_sandbox
from tracker.sandbox import SandboxConfig
from tracker.sandbox.state import Outbound
from tracker.store.contacts import subscribe
from tracker.store.db import transaction
from tracker.store.engine import open_database
from tracker.store.queues import OutboxRow
from tracker.store.readmodel import FollowerState
from tracker.store.staff import ScanJournalRow

# Meta retries an undelivered webhook "with decreasing frequency ... for up to 7 days"; the
# sandbox's default (4 tries in about 3 s) would drop the status webhooks of the messages
# in flight at the kill, while gunicorn restarts. 12 tries with doubling pauses span minutes.
WEBHOOK_ATTEMPTS, WEBHOOK_FIRST_PAUSE_S = 12, 0.05
STAFF = ("ProducerMSP", "CarrierMSP")  # the dispatcher who creates, the scanner who scans
TOKEN = re.compile(r"API token \(shown once, stored hashed\): (\S+)")
FAST = {
    "TRACKER_WORKER_POLL_SECONDS": "0.1",
    "TRACKER_API_RETRY_SECONDS": "0.5",
    "TRACKER_SEND_BACKOFF_BASE_SECONDS": "0.1",
    "TRACKER_SEND_BACKOFF_CAP_SECONDS": "1",
    "WHATSAPP_HTTP_TIMEOUT": "5",
    # Longer than a restart of the whole tracker: a message sent just before the kill is
    # settled by its status webhook, redelivered to the new gunicorn, not sent again.
    "TRACKER_SEND_IN_DOUBT_GRACE_SECONDS": "20",
}


@dataclass
class CrashStack:
    """The running tracker processes and the fakes they talk to."""

    services: Services
    ledger: DemoLedger
    sandbox: RunningSandbox
    demo: Demo
    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def peer(self) -> Any:
        """The SimulatedPeer (fabricsim/peer.py, not typed here)."""
        return self.ledger.peer

    def restart(self) -> None:
        """Start `tracker serve`, `worker` and `follow` again, as after a crash."""
        start_tracker(self.services)

    def received(self, phone: str) -> list[Outbound]:
        """What the sandbox delivered to a phone, oldest first."""
        return self.sandbox.sandbox.state.outbound_to(phone.lstrip("+"))

    def next_block(self) -> int:
        """The follower's checkpoint."""
        with self.sessions() as session:
            return session.scalar(select(FollowerState.next_block)) or 0

    def outbox(self) -> Counter[tuple[str, str]]:
        """Outbox rows by (kind, state)."""
        with self.sessions() as session:
            query = select(OutboxRow.kind, OutboxRow.state, func.count())
            rows = session.execute(query.group_by(OutboxRow.kind, OutboxRow.state)).all()
        return Counter({(kind, state): n for kind, state, n in rows})

    def journal(self) -> Counter[str]:
        """Scan journal rows by state."""
        with self.sessions() as session:
            query = select(ScanJournalRow.state, func.count()).group_by(ScanJournalRow.state)
            return Counter(dict(session.execute(query).tuples().all()))

    def subscribe_all(self, ssccs: list[str]) -> None:
        """Every contact follows every shipment (what `tracker subscriptions add` does, in
        one transaction: 30 runs of the command would cost over a minute on two cores)."""
        with transaction(self.sessions) as session:
            for contact_id in self.demo.contacts.values():
                for sscc in ssccs:
                    subscribe(session, contact_id, sscc)

    def drained(self) -> int:
        """Scans that were queued (202) and are committed since."""
        with self.sessions() as session:
            query = select(func.count()).where(
                ScanJournalRow.state == "committed", ScanJournalRow.attempts >= 2
            )
            return session.scalar(query) or 0

    def close(self) -> None:
        """Stop the sandbox (its last webhooks still reach gunicorn), the tracker, the peer."""
        self.sandbox.stop()
        self.services.stop()
        self.ledger.stop()
        self.engine.dispose()


def start_crash_stack(
    root: Path, database_url: str, ledger: DemoLedger | None = None
) -> CrashStack:
    """Staff and contacts added with the `tracker` command, then the tracker running; on a
    fresh SimulatedPeer unless given a ledger (the real tier's Fabric network)."""
    ledger = ledger or start_simulated_peer(root / "pki")
    services = prepare(root / "state", ledger, free_port(), sandbox_port=0)
    services.env.update(FAST, TRACKER_DATABASE_URL=database_url)
    sandbox = start_sandbox(
        dataclasses.replace(
            SandboxConfig.from_env(services.env),
            delivery_attempts=WEBHOOK_ATTEMPTS,
            retry_delay_s=WEBHOOK_FIRST_PAUSE_S,
        )
    )
    services.sandbox_port = int(sandbox.url.rsplit(":", 1)[1])
    services.env["WHATSAPP_API_BASE_URL"] = sandbox.url
    engine, sessions = open_database(database_url)
    stack = CrashStack(services, ledger, sandbox, Demo(), engine, sessions)
    try:
        services.run("db", "upgrade")
        _add_people(services, ledger, stack.demo)
        start_tracker(services)
    except BaseException:
        stack.close()
        raise
    return stack


def _add_people(services: Services, ledger: DemoLedger, demo: Demo) -> None:
    """The demo's dispatcher, scanner and contacts, with `tracker staff|contacts add`."""
    for org, name, role in ledger.people:
        if org not in STAFF or role == "auditor":
            continue
        # Imported from the simulated PKI; on Fabric, registered at the org's CA.
        imported = ("--msp-dir", str(ledger.msp_dirs[org])) if org in ledger.msp_dirs else ()
        printed = services.run(
            "staff", "add", "--org", org, "--name", name, "--role", role, *imported
        )
        found = TOKEN.search(printed)
        assert found is not None, printed
        demo.tokens[role] = found.group(1)
    for org, phone, lang, label in CONTACTS:
        printed = services.run(
            "contacts", "add", "--org", org, "--phone", phone, "--lang", lang, "--label", label
        )
        demo.contacts[phone] = int(printed.split()[1])
