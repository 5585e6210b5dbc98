"""The tracker's Flask app factory: `create_app(config)`. Importing it has no side effects.

Long-lived objects live in `app.extensions["tracker"]` (a `TrackerState`). Every API error
answers the same JSON body `{"error": {"code": ..., "message": ...}}`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.exceptions import HTTPException

from tracker.config import Config
from tracker.store.engine import open_database

if TYPE_CHECKING:
    from tracker.api.settings import ApiSettings

EXTENSION = "tracker"
MAX_BODY_BYTES = 1024 * 1024
log = logging.getLogger(__name__)

# Sent with every answer unless its view set its own (the scan page's stricter policy, a
# static file's caching): nothing here runs script, loads from elsewhere or may be framed.
# The public shipment page keeps its styles in the page, hence 'unsafe-inline' for styles
# only; JSON, files and the webhooks' answers need nothing at all.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
    # Shipment facts, tokens' answers, evidence: no copy in a browser's or proxy's cache.
    "Cache-Control": "no-store",
}
API_PREFIX = "/api/v1"


class ApiError(Exception):
    """An error answered as `{"error": {"code", "message"}}` with an HTTP status."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class TrackerState:
    """What the views share: configuration and database."""

    config: Config
    engine: Engine
    sessions: sessionmaker[Session]


def state() -> TrackerState:
    """The running app's `TrackerState`."""
    found = current_app.extensions[EXTENSION]
    assert isinstance(found, TrackerState)  # only create_app puts it there
    return found


def create_app(config: Config, *, api: ApiSettings | None = None) -> Flask:
    """Build the app: database, blueprints, and the one JSON error handler.

    `api` mounts the staff API (`/api/v1`), which needs a peer; without it the API answers 404
    and the rest (webhook, shipment pages, scan page, health) runs on the database alone.
    """
    from tracker.api import register as register_api
    from tracker.scan import register as register_scan
    from tracker.views.health import health
    from tracker.views.shipments import shipments
    from tracker.views.twilio_webhook import twilio_webhook
    from tracker.views.webhook import webhook

    app = Flask("tracker")
    # Webhook and page bodies are small; refuse large unauthenticated bodies before reading
    # them (the staff API raises its own limit for uploads on its blueprint).
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    engine, sessions = open_database(config.database_url)
    app.extensions[EXTENSION] = TrackerState(config, engine, sessions)
    app.register_blueprint(health)
    app.register_blueprint(webhook)
    app.register_blueprint(twilio_webhook)
    app.register_blueprint(shipments)
    register_scan(app)
    if api is not None:
        register_api(app, api)
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    app.after_request(security_headers)
    return app


def security_headers(response: Response) -> Response:
    """Add SECURITY_HEADERS to every answer, errors included, keeping a view's own.

    Under /api/v1 nothing may be cached, whatever a view said: the answers are read with a
    bearer token (Pragma for HTTP/1.0 caches).
    """
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/"):
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


def error_body(status: int, code: str, message: str) -> ResponseReturnValue:
    """The one error shape."""
    return jsonify({"error": {"code": code, "message": message}}), status


def _api_error(error: ApiError) -> ResponseReturnValue:
    return error_body(error.status, error.code, error.message)


def _http_error(error: HTTPException) -> ResponseReturnValue:
    # Imported here, not at the top: importing this module has no side effects.
    from tracker.api.blueprint import api
    from tracker.api.errors import http_problem

    prefix = api.url_prefix
    if prefix and (request.path == prefix or request.path.startswith(prefix + "/")):
        # A routing error under /api/v1 (no route, wrong method, or the API not mounted) reaches
        # no blueprint's handler: answer it as the API answers its own errors (NOT_FOUND).
        return http_problem(error)
    code = (error.name or "error").lower().replace(" ", "_")
    return error_body(error.code or 500, code, error.description or code)


def _unexpected(error: Exception) -> ResponseReturnValue:
    log.exception("unhandled error")
    return error_body(500, "internal_error", "internal error")
