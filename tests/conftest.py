"""Fixtures shared by every test folder: the database backends the store must work on."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from tracker.store.db import make_engine
from tracker.store.engine import create_schema, open_database

POSTGRES_ENV = "TRACKER_TEST_POSTGRES_URL"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database per test: a SQLite file, and a fresh PostgreSQL database.

    scripts/test starts a throwaway PostgreSQL server and sets TRACKER_TEST_POSTGRES_URL;
    a bare `pytest` run without it reports the PostgreSQL variants as skipped, by name.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tracker.db'}"
        return
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        pytest.skip(f"{POSTGRES_ENV} not set (scripts/test starts PostgreSQL and sets it)")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(server).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    """Every tracker table on an empty test database, opened as the tracker opens it."""
    engine, factory = open_database(database_url)
    create_schema(engine)
    yield factory
    engine.dispose()
