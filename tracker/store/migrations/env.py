"""Alembic environment: the tracker's schema, migrated on the configured database."""

from __future__ import annotations

from alembic import context

from tracker.store.db import make_engine
from tracker.store.schema import metadata

config = context.config


def run_migrations_offline() -> None:
    """Writes the SQL instead of running it (alembic upgrade --sql)."""
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Migrates the database at sqlalchemy.url in one transaction."""
    engine = make_engine(str(config.get_main_option("sqlalchemy.url")))
    with engine.connect() as connection:
        # render_as_batch: SQLite can only alter tables by copying them.
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
