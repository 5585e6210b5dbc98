"""Engine, session factory and the declarative base shared by every table."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

# Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# The database holds contacts' phone numbers, token hashes and evidence: its owner only.
PRIVATE_FILE_MODE = 0o600
# Files SQLite keeps beside the database, with its contents (created with the database's mode).
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


class Base(DeclarativeBase):
    """Declarative base of every tracker table."""

    metadata = MetaData(naming_convention=NAMING)


def make_engine(url: str) -> Engine:
    """Builds an engine; SQLite gets WAL and foreign keys so it behaves like a server."""
    engine = create_engine(url, future=True, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        path = sqlite_file(engine.url)
        if path is not None:

            def private_before_connect(*_args: Any) -> None:
                make_private(path)

            event.listen(engine, "do_connect", private_before_connect)
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def sqlite_file(url: URL) -> Path | None:
    """The file a SQLite URL names; None for an in-memory database or a `file:` URI."""
    name = url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name)


def make_private(path: Path) -> None:
    """Make the SQLite database file mode 0600 before SQLite opens it.

    A missing file is created empty with mode 0600 (SQLite takes an empty file as a new
    database), so it is never readable by others, not even between its creation and a
    chmod; SQLite then creates its -wal and -shm files with the database's mode. A file (and
    companions) left 0644 by an older tracker is set to 0600. A file of another owner is
    left as it is; a missing folder is left for SQLite to report.
    """
    if not path.parent.is_dir():
        return
    # Never open (and close) a database file this process may already hold: closing any
    # descriptor of a file drops all of the process's POSIX locks on it, SQLite's included.
    try:
        os.close(os.open(path, os.O_RDONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    except FileExistsError:
        pass
    except OSError:
        return  # SQLite reports why the database cannot be opened
    for companion in (path, *(path.with_name(path.name + x) for x in SQLITE_COMPANIONS)):
        try:
            if companion.stat().st_mode & 0o777 != PRIVATE_FILE_MODE:
                companion.chmod(PRIVATE_FILE_MODE)
        except (FileNotFoundError, PermissionError):
            pass  # none (yet), or not ours


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    # WAL lets the web workers read while the follower writes; busy_timeout waits for locks
    # instead of failing, which matters when several processes share one file.
    cursor = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """One factory per process; sessions are short and explicit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work commits together or not at all."""
    with factory() as session, session.begin():
        yield session
