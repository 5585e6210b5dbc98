"""Helpers to run the sandbox (or any WSGI app) as a real HTTP server inside a test process.

Used by tests/whatsapp and usable by the tracker's own end-to-end tests.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, request
from werkzeug.serving import BaseWSGIServer, make_server

from tracker.sandbox.app import EXTENSION, create_sandbox_app
from tracker.sandbox.config import SandboxConfig
from tracker.sandbox.service import Sandbox


@dataclass(frozen=True)
class RunningServer:
    """A WSGI app served on 127.0.0.1 by a background thread."""

    url: str
    server: BaseWSGIServer
    thread: threading.Thread

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def serve_in_thread(app: Flask, host: str = "127.0.0.1") -> RunningServer:
    """Serve `app` on a free port of `host` from a daemon thread."""
    server = make_server(host, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=f"serve-{app.name}", daemon=True)
    thread.start()
    return RunningServer(f"http://{host}:{server.server_port}", server, thread)


@dataclass(frozen=True)
class RunningSandbox:
    """The sandbox served over HTTP, with its in-process `Sandbox` for inspection."""

    url: str
    sandbox: Sandbox
    running: RunningServer

    def stop(self) -> None:
        """Stop the server, then the webhook delivery thread."""
        self.running.stop()
        self.sandbox.deliverer.close()


def start_sandbox(config: SandboxConfig) -> RunningSandbox:
    """Start a sandbox over real HTTP on a free local port."""
    app = create_sandbox_app(config)
    running = serve_in_thread(app)
    return RunningSandbox(running.url, app.extensions[EXTENSION], running)


@dataclass(frozen=True)
class Delivery:
    """One POST a `WebhookRecorder` accepted."""

    headers: dict[str, str]
    body: bytes


@dataclass
class WebhookRecorder:
    """Stands in for the tracker's webhook endpoint and records what arrives."""

    wait_s: float = 10.0  # upper bound for a webhook to arrive, never a measured duration
    url: str = ""
    running: RunningServer | None = None
    _deliveries: list[Delivery] = field(default_factory=list)
    _failures_left: int = 0
    _cond: threading.Condition = field(default_factory=threading.Condition)

    def record(self, delivery: Delivery) -> int:
        """Store a delivery and answer 200, or answer 500 while failures are scheduled."""
        with self._cond:
            if self._failures_left > 0:
                self._failures_left -= 1
                return 500
            self._deliveries.append(delivery)
            self._cond.notify_all()
            return 200

    def fail_next(self, count: int) -> None:
        """Answer 500 to the next `count` deliveries."""
        with self._cond:
            self._failures_left = count

    def clear(self) -> None:
        """Forget deliveries and scheduled failures."""
        with self._cond:
            self._deliveries.clear()
            self._failures_left = 0

    def wait_for(self, predicate: Callable[[Delivery], bool], count: int = 1) -> list[Delivery]:
        """Wait until `count` accepted deliveries match; return all matches, oldest first."""
        with self._cond:
            self._cond.wait_for(lambda: len(self._matching(predicate)) >= count, self.wait_s)
            found = self._matching(predicate)
        if len(found) < count:
            raise AssertionError(f"expected {count} matching deliveries, got {len(found)}")
        return found

    def _matching(self, predicate: Callable[[Delivery], bool]) -> list[Delivery]:
        return [d for d in self._deliveries if predicate(d)]

    def stop(self) -> None:
        """Stop the HTTP server."""
        if self.running is not None:
            self.running.stop()


def start_recorder(path: str = "/webhook") -> WebhookRecorder:
    """Serve a `WebhookRecorder` on a free local port; its `url` includes `path`."""
    recorder = WebhookRecorder()
    app = Flask("webhook_recorder")

    @app.post(path)
    def webhook() -> tuple[str, int]:
        return "", recorder.record(Delivery(dict(request.headers), request.get_data()))

    recorder.running = serve_in_thread(app)
    recorder.url = recorder.running.url + path
    return recorder
