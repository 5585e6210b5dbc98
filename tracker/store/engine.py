"""Opening the tracker's database for concurrent processes, and creating its tables."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from tracker.store.db import make_engine, session_factory
from tracker.store.schema import metadata


def open_database(url: str) -> tuple[Engine, sessionmaker[Session]]:
    """Engine and session factory; SQLite transactions take the write lock up front.

    The web server, the worker and the follower write the same SQLite file. pysqlite's
    default lazy BEGIN lets a transaction read, then fail with "database is locked" when it
    tries to write after another process committed (no busy wait is possible then).
    BEGIN IMMEDIATE makes every transaction wait its turn instead (SQLAlchemy's own recipe).
    """
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _driver_autocommit)
        event.listen(engine, "begin", _begin_immediate)
    return engine, session_factory(engine)


def _driver_autocommit(dbapi_conn: Any, _record: object) -> None:
    # Hand transaction control to SQLAlchemy's BEGIN below instead of pysqlite's.
    dbapi_conn.isolation_level = None


def _begin_immediate(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_schema(engine: Engine) -> None:
    """Create every missing table (tests and throwaway databases; production: Alembic)."""
    metadata.create_all(engine)
