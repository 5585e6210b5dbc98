"""The app's long-lived objects in `app.extensions`, and the one accessor views use to reach them.

A leaf, like flaskr's `db.py`: views import it, `create_app` fills it; nothing here imports a
view or the app factory.

    app.extensions["tracker"]       TrackerState (create_app)
    app.extensions["tracker_api"]   tracker.api.state.ApiState (tracker.api.register)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from flask import current_app
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tracker.config import Config

TRACKER = "tracker"
API = "tracker_api"


@dataclass(frozen=True)
class TrackerState:
    """What the views share: configuration and database."""

    config: Config
    engine: Engine
    sessions: sessionmaker[Session]


_State = TypeVar("_State")


def extension(key: str, kind: type[_State]) -> _State:
    """The running app's `kind` object, put at `app.extensions[key]` when the app was built."""
    found = current_app.extensions[key]
    assert isinstance(found, kind)  # only the app's wiring puts it there
    return found


def state() -> TrackerState:
    """The running app's `TrackerState`."""
    return extension(TRACKER, TrackerState)
