"""The tracker's database: the read model mirrored from the ledger, contacts, queues."""
