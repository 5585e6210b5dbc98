"""FAKE Twilio Messages API (fast tier; this is not Twilio): records what TwilioProvider posts.

It serves `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` over real HTTP on a free
local port, checks HTTP basic auth and the fields the tracker sends, answers 201 with a
message resource carrying a fresh `SM...` sid, and keeps every accepted form. Refusals use
Twilio's error body `{"code", "message", "more_info", "status"}`. It sends no status
callbacks by itself: tests sign and post those, as Twilio would, to the tracker.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from dataclasses import dataclass, field

from flask import Flask, Response, jsonify, request

from tests.support.sandbox_server import RunningServer, serve_in_thread


@dataclass
class FakeTwilio:
    """The fake's URL and the Messages API requests it accepted, oldest first."""

    account_sid: str
    auth_token: str
    url: str = ""
    running: RunningServer | None = None
    _forms: list[dict[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def accept(self, form: dict[str, str]) -> str:
        """Record a message and return its new sid."""
        sid = "SM" + secrets.token_hex(16)
        with self._lock:
            self._forms.append({**form, "Sid": sid})
        return sid

    def messages(self, to: str | None = None) -> list[dict[str, str]]:
        """Accepted forms (plus their `Sid`), to one `whatsapp:+E164` address or all."""
        with self._lock:
            return [f for f in self._forms if to is None or f.get("To") == to]

    def stop(self) -> None:
        """Stop the HTTP server."""
        if self.running is not None:
            self.running.stop()


def _error(status: int, code: int, message: str) -> tuple[Response, int]:
    more_info = f"https://www.twilio.com/docs/errors/{code}"
    body = {"code": code, "message": message, "more_info": more_info, "status": status}
    return jsonify(body), status


def start_fake_twilio(account_sid: str, auth_token: str) -> FakeTwilio:
    """Serve a `FakeTwilio` on 127.0.0.1; `url` is its API base (TWILIO_API_BASE_URL)."""
    fake = FakeTwilio(account_sid, auth_token)
    app = Flask("fake_twilio")

    @app.post("/2010-04-01/Accounts/<sid>/Messages.json")
    def create_message(sid: str) -> tuple[Response, int]:
        auth = request.authorization
        if (
            auth is None
            or not hmac.compare_digest(str(auth.username), fake.account_sid)
            or not hmac.compare_digest(str(auth.password), fake.auth_token)
        ):
            return _error(401, 20003, "Authenticate")
        if sid != fake.account_sid:
            return _error(404, 20404, f"The requested resource {request.path} was not found")
        form = request.form.to_dict()
        if not form.get("To", "").startswith("whatsapp:+") or not form.get("From"):
            return _error(400, 21211, "Invalid 'To' Phone Number")
        if not (form.get("Body") or form.get("ContentSid") or form.get("MediaUrl")):
            return _error(400, 21602, "Message body is required.")
        message_sid = fake.accept(form)
        resource = {"sid": message_sid, "status": "queued", "to": form["To"], "from": form["From"]}
        return jsonify(resource), 201

    fake.running = serve_in_thread(app)
    fake.url = fake.running.url
    return fake
