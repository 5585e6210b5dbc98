"""The block follower: blocks from the ledger adapter, mirrored into the store's read model.

The one room that uses both `tracker.ledger` (blocks, decoding) and `tracker.store` (SQL), so
the ledger adapter stands on its own.
"""
