"""The Alembic migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from tracker.store import migrate
from tracker.store.db import make_engine
from tracker.store.schema import metadata


def test_upgrade_to_head_matches_the_models(database_url: str) -> None:
    assert migrate.current(database_url) is None
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    assert differences == []
    assert migrate.current(database_url) is not None


def test_upgrade_twice_is_a_no_op(database_url: str) -> None:
    migrate.upgrade(database_url)
    first = migrate.current(database_url)
    migrate.upgrade(database_url)
    assert migrate.current(database_url) == first
