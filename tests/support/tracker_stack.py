"""The tracker under test over real HTTP: its app served, the sandbox served and wired
to the tracker's webhook, a real SQLite file, and the worker in a thread or a process.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.sandbox_server import (
    RunningSandbox,
    RunningServer,
    serve_in_thread,
    start_sandbox,
)
from tracker.app import create_app
from tracker.chat.links import ShipmentLinks, shipment_links
from tracker.chat.worker import Worker
from tracker.config import Config
from tracker.sandbox import Faults, SandboxConfig
from tracker.sandbox.state import Outbound
from tracker.store.contacts import Contact, add_contact, subscribe
from tracker.store.db import transaction
from tracker.store.engine import create_schema, open_database
from tracker.store.queues import OutboxRow

ACCESS_TOKEN = "tracker-test-token"
APP_SECRET = "tracker-test-app-secret"
VERIFY_TOKEN = "tracker-test-verify"
PHONE_NUMBER_ID = "106540352242922"
TEMPLATES = frozenset(
    {
        ("shipment_status_update", "fr"),
        ("shipment_status_update", "en_US"),
        ("shipment_cold_chain_alert", "fr"),
        ("shipment_cold_chain_alert", "en_US"),
        ("shipment_terms_update", "fr"),
        ("shipment_terms_update", "en_US"),
    }
)
WAIT_S = 20.0  # an upper bound for asynchronous effects, never a measured duration
REPO = Path(__file__).resolve().parents[2]


def wait_until(check: Callable[[], bool], what: str, timeout: float = WAIT_S) -> None:
    """Poll `check` until true; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def write_secrets(folder: Path, token: str = ACCESS_TOKEN) -> dict[str, str]:
    """Secret files and the variables naming them."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "WHATSAPP_ACCESS_TOKEN_FILE": ("access_token", token),
        "WHATSAPP_APP_SECRET_FILE": ("app_secret", APP_SECRET),
        "WHATSAPP_VERIFY_TOKEN_FILE": ("verify_token", VERIFY_TOKEN),
    }
    env = {}
    for name, (filename, value) in files.items():
        (folder / filename).write_text(value + "\n")
        env[name] = str(folder / filename)
    return env


@dataclass
class Stack:
    """Everything one end-to-end test talks to."""

    root: Path
    env: dict[str, str]
    config: Config
    sessions: sessionmaker[Session]
    tracker_url: str
    sandbox: RunningSandbox
    http: httpx.Client
    servers: list[RunningServer] = field(default_factory=list)
    workers: list[tuple[Worker, threading.Thread]] = field(default_factory=list)

    # --- the contact's phone, played through the sandbox's admin API -------------------
    def phone_writes(self, phone: str, **message: Any) -> str:
        """A contact's phone sends a message; the sandbox delivers it signed to the tracker."""
        response = self.http.post(
            f"{self.sandbox.url}/_sandbox/inbound", json={"from": phone, **message}
        )
        response.raise_for_status()
        return str(response.json()["message_id"])

    def received(self, phone: str) -> list[Outbound]:
        """What the business sent to a phone, oldest first."""
        return self.sandbox.sandbox.state.outbound_to(phone.lstrip("+"))

    def texts(self, phone: str) -> list[str]:
        """Readable text of each message sent to a phone."""
        return [_readable(m) for m in self.received(phone)]

    def wait_received(self, phone: str, count: int) -> list[str]:
        """Wait until a phone got `count` messages; return their texts."""
        wait_until(lambda: len(self.received(phone)) >= count, f"{count} messages to {phone}")
        return self.texts(phone)

    def per_recipient(self) -> Counter[str]:
        """How many messages each phone got."""
        return Counter(m.to for m in self.sandbox.sandbox.state.outbound_to(None))

    # --- the shipment page ---------------------------------------------------------------
    def links(self) -> ShipmentLinks:
        """The links the tracker sends (its key, generated in the state folder if need be)."""
        return shipment_links(self.config)

    def page_url(self, sscc: str) -> str:
        """A shipment's tracking link, as its contacts receive it, on the served tracker."""
        return self.tracker_url + self.links().path(sscc)

    def served(self, link: str) -> str:
        """A link from a message, pointed at the tracker under test."""
        return link.replace(self.config.public_url, self.tracker_url, 1)

    # --- the tracker's database -----------------------------------------------------
    def contact(self, org: str, phone: str, lang: str, *follows: str) -> Contact:
        """Add a contact following the given shipments."""
        with transaction(self.sessions) as session:
            contact = add_contact(session, org_msp_id=org, phone=phone, language=lang)
            for sscc in follows:
                subscribe(session, contact.id, sscc)
        return contact

    def outbox_states(self) -> Counter[str]:
        """Outbox rows per state."""
        with self.sessions() as session:
            rows = session.execute(
                select(OutboxRow.state, func.count()).group_by(OutboxRow.state)
            ).tuples()
            return Counter(dict(rows.all()))

    # --- the worker -------------------------------------------------------------------
    def start_worker(self, config: Config | None = None) -> Worker:
        """Run a worker loop in a thread."""
        worker = Worker(config or self.config, self.sessions)
        thread = threading.Thread(target=worker.run, name="tracker-worker", daemon=True)
        thread.start()
        self.workers.append((worker, thread))
        return worker

    def stop_workers(self) -> None:
        """Stop every worker thread started by this stack."""
        for worker, thread in self.workers:
            worker.stop()
            thread.join(timeout=WAIT_S)
        self.workers.clear()

    def spawn(self, *args: str, extra: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
        """Start `tracker ARGS` as a subprocess with this stack's environment."""
        env = {**os.environ, **self.env, **(extra or {})}
        with open(self.root / f"{args[0]}.log", "ab") as log:  # the child keeps its own fd
            return subprocess.Popen(
                [sys.executable, "-m", "tracker.cli", *args],
                env=env,
                cwd=self.root,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run `tracker ARGS` to completion."""
        env = {**os.environ, **self.env}
        return subprocess.run(
            [sys.executable, "-m", "tracker.cli", *args],
            env=env,
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def close(self) -> None:
        """Stop workers and servers."""
        self.stop_workers()
        self.sandbox.stop()
        for server in self.servers:
            server.stop()
        self.http.close()


def _readable(message: Outbound) -> str:
    content = message.content
    if message.type == "text":
        return str(content["body"])
    if message.type == "interactive":
        return str(content["body"]["text"])
    params = [
        p.get("text") or p.get("payload", "")
        for c in content.get("components", [])
        for p in c.get("parameters", [])
    ]
    return f"[template {content['name']} {content['language']['code']}] " + " | ".join(params)


def base_env(root: Path, **overrides: str) -> dict[str, str]:
    """Variables for a tracker on a SQLite file under `root`, fast retries."""
    env = {
        "TRACKER_STATE_DIR": str(root / "state"),
        "TRACKER_DATABASE_URL": f"sqlite:///{root / 'tracker.db'}",
        "TRACKER_PUBLIC_URL": "https://tracker.example.org",
        "TRACKER_WORKER_POLL_SECONDS": "0.02",
        "TRACKER_SEND_BACKOFF_BASE_SECONDS": "0.02",
        "TRACKER_SEND_BACKOFF_CAP_SECONDS": "0.2",
        "TRACKER_SEND_PACING_SECONDS": "0.1",
        "TRACKER_SEND_IN_DOUBT_GRACE_SECONDS": "3",
        "TRACKER_SEND_MAX_ATTEMPTS": "25",
        "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
        "WHATSAPP_API_BASE_URL": "http://127.0.0.1:9",  # replaced once the sandbox runs
        "WHATSAPP_HTTP_TIMEOUT": "1",
        **write_secrets(root / "secrets"),
    }
    env.update(overrides)
    return env


def free_port() -> int:
    """A port nobody listens on right now (for a server started as a subprocess)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_stack(
    root: Path, *, faults: Faults | None = None, tracker_port: int | None = None, **overrides: str
) -> Stack:
    """Database, tracker app (a werkzeug thread, or whatever will listen on `tracker_port`),
    and the sandbox delivering its webhooks to the tracker."""
    env = base_env(root, **overrides)
    web_config = Config.from_env(env)
    engine, sessions = open_database(web_config.database_url)
    create_schema(engine)
    servers: list[RunningServer] = []
    if tracker_port is None:
        servers.append(serve_in_thread(create_app(web_config)))
        tracker_url = servers[0].url
    else:
        tracker_url = f"http://127.0.0.1:{tracker_port}"
    sandbox = start_sandbox(
        SandboxConfig(
            access_token=ACCESS_TOKEN,
            app_secret=APP_SECRET,
            phone_number_id=PHONE_NUMBER_ID,
            webhook_url=f"{tracker_url}/webhook/whatsapp",
            templates=TEMPLATES,
            faults=faults or Faults(),
            retry_delay_s=0.05,
            delivery_attempts=8,
            seed=11,
        )
    )
    env["WHATSAPP_API_BASE_URL"] = sandbox.url
    return Stack(
        root=root,
        env=env,
        config=Config.from_env(env),
        sessions=sessions,
        tracker_url=tracker_url,
        sandbox=sandbox,
        http=httpx.Client(timeout=10.0),
        servers=servers,
    )
