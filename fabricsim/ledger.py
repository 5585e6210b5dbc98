"""FAKE for the fast tier: the real chaincode on an in-memory stub, replayed as Fabric blocks.

Each successful transaction of the real `chaincode` code (run by fabricsim.world's in-memory
stub) becomes one block holding an endorsed envelope with the same tx id, creator certificate
and writes, so the tracker's follower, read model and reports work on the chaincode's exact
values. It is not Fabric: there is no ordering service, endorsement policy or MVCC check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from fabric_protos.msp import identities_pb2

from fabricsim.callers import Caller
from fabricsim.wire import Endorser, Outcome, endorsed_envelope, next_block
from fabricsim.world import START, InMemoryWorldState, Result

CHANNEL, CHAINCODE = "supplychain", "provenance"


def _creator(caller: Caller) -> bytes:
    return bytes(
        identities_pb2.SerializedIdentity(
            mspid=caller.msp_id, id_bytes=caller.pem
        ).SerializeToString()
    )


@dataclass
class SimLedger:
    """Runs chaincode transactions and keeps the blocks a channel would have cut."""

    endorser: Endorser
    world: InMemoryWorldState = field(default_factory=InMemoryWorldState)
    blocks: list[Any] = field(default_factory=list)
    # The simulated client key: signatures are not what these tests check.
    _key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )

    def invoke(self, caller: Caller, function: str, argument: str) -> Result:
        """Runs a transaction; a successful write becomes the next block."""
        before = self.world.tx_count
        result = self.world.invoke(caller, function, argument)
        writes = self._writes(result.tx_id)
        if result.ok and writes:
            envelope = endorsed_envelope(
                client_key=self._key,
                creator=_creator(caller),
                channel=CHANNEL,
                chaincode=CHAINCODE,
                nonce=result.tx_id.encode().ljust(24, b"\0"),
                outcome=Outcome(writes=writes, event=self._event(result)),
                endorser=self.endorser,
                seconds=int(START.timestamp()) + 60 * (before + 1),
                tx_id=result.tx_id,
            )
            self._append([envelope])
        return result

    def _writes(self, tx_id: str) -> list[tuple[str, bytes, bool]]:
        return [
            (key, bytes(mod.value), bool(mod.is_delete))
            for key, mods in sorted(self.world.history.items())
            for mod in mods
            if mod.tx_id == tx_id
        ]

    @staticmethod
    def _event(result: Result) -> tuple[str, bytes] | None:
        if result.event is None:
            return None
        return str(result.event.event_name), bytes(result.event.payload)

    def _append(self, envelopes: list[bytes]) -> None:
        self.blocks.append(next_block(self.blocks, envelopes))

    def source(self) -> Any:
        """A follower block source over the blocks cut so far."""
        return lambda start: iter(list(self.blocks[start:]))
