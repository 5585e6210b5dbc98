"""`GET /healthz`: database reachable, sending halted or not, queue depths (JSON), and the
webhook deliveries for another phone number id (`webhook.other_numbers`, see
`views.other_numbers`): a count above 0 usually means a misconfigured number id."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from tracker.extensions import state
from tracker.store.queues import depths, halted
from tracker.views import other_numbers

health = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@health.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Liveness plus the alerts an operator must see (halted sending)."""
    try:
        with state().sessions() as session:
            session.execute(text("SELECT 1"))
            halt = halted(session)
            queues = depths(session)
    except SQLAlchemyError as exc:
        log.error("health check: database unreachable: %s", type(exc).__name__)
        return jsonify({"status": "error", "database": False}), 503
    sending: dict[str, object] = {"halted": halt is not None}
    if halt is not None:
        sending.update(reason=halt.reason, since=halt.since.isoformat())
    return jsonify(
        {
            "status": "halted" if halt else "ok",
            "database": True,
            "sending": sending,
            "queues": queues,
            "webhook": {"other_numbers": other_numbers.summary(state().config.state_dir)},
        }
    )
