"""Independent verification of the ledger, the read model and reports (`tracker verify`)."""
