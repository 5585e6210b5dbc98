"""What is on the real ledger, read independently of the tracker: an auditor's Gateway
connection for the chaincode's own view, and the peer's blocks for validation codes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tracker.ledger import Gateway
from tracker.ledger.blocks import decode_block


@dataclass
class LedgerProbe:
    """Reads as an auditor through a peer."""

    gateway: Gateway

    def checkpoints(self, sscc: str) -> list[dict[str, Any]]:
        """The shipment's checkpoints as the chaincode holds them."""
        contract = self.gateway.network("supplychain").contract("provenance")
        raw = contract.evaluate("GetProvenance", json.dumps({"sscc": sscc}))
        found: list[dict[str, Any]] = json.loads(raw)["checkpoints"]
        return found

    def statuses(self) -> dict[str, tuple[str, int]]:
        """tx id -> (validation code, block number), for every transaction on the channel."""
        seen: dict[str, tuple[str, int]] = {}
        network = self.gateway.network("supplychain")
        with network.block_events(start_block=0, stop_at_newest=True) as stream:
            for raw in stream:
                block = decode_block(raw)
                for tx in block.transactions:
                    seen[tx.tx_id] = (tx.validation_code, block.number)
        return seen
