"""Every table of the tracker, imported once so the metadata (and Alembic) sees them all."""

from __future__ import annotations

from tracker.store import (
    agreements,
    contacts,
    conversations,
    evidence,
    queues,
    ratelimit,
    readmodel,
    staff,
)
from tracker.store.db import Base

# Imported for their side effect of registering tables on Base.metadata.
TABLE_MODULES = (agreements, contacts, conversations, evidence, queues, ratelimit, readmodel, staff)

metadata = Base.metadata
