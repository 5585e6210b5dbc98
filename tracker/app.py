"""The tracker's Flask app factory: `create_app(config)`. Importing it has no side effects.

Long-lived objects live in `app.extensions["tracker"]` (a `TrackerState`, tracker.extensions).
Every error answers the same JSON body `{"error": {"code": ..., "message": ...}}`
(tracker.errors). The factory imports the blueprints; no view imports it.
"""

from __future__ import annotations

from flask import Flask, Response, request

from tracker import api as staff_api
from tracker import errors, scan
from tracker.api.settings import ApiSettings
from tracker.config import Config
from tracker.extensions import TRACKER, TrackerState
from tracker.store.engine import open_database
from tracker.views.health import health
from tracker.views.shipments import shipments
from tracker.views.twilio_webhook import twilio_webhook
from tracker.views.webhook import webhook

MAX_BODY_BYTES = 1024 * 1024
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


def create_app(config: Config, *, api: ApiSettings | None = None) -> Flask:
    """Build the app: database, blueprints, and the one JSON error handler.

    `api` mounts the staff API (`/api/v1`), which needs a peer; without it the API answers 404
    and the rest (webhook, shipment pages, scan page, health) runs on the database alone.
    """
    app = Flask("tracker")
    # Webhook and page bodies are small; refuse large unauthenticated bodies before reading
    # them (the staff API raises its own limit for uploads on its blueprint).
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    engine, sessions = open_database(config.database_url)
    app.extensions[TRACKER] = TrackerState(config, engine, sessions)
    app.register_blueprint(health)
    app.register_blueprint(webhook)
    app.register_blueprint(twilio_webhook)
    app.register_blueprint(shipments)
    scan.register(app)
    if api is not None:
        staff_api.register(app, api)
    errors.install_app(app)
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
