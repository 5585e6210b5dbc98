"""RFC 6962 Merkle Tree Hash over conversation messages (pure).

A message leaf commits to ``{"id", "direction", "time", "text_sha256"}`` only: the
provider's message id, ``in``/``out``, the UTC instant and the SHA-256 of the text,
never the text, a phone number or a name. Leaf hash = SHA-256(0x00 || canonical
JSON of that object); interior node = SHA-256(0x01 || left || right); the tree
splits at the largest power of two smaller than n; the empty tree is SHA-256("").
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence

MESSAGE_FIELDS = frozenset({"id", "direction", "time", "text_sha256"})
DIRECTIONS = frozenset({"in", "out"})
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def canonical_message(message: Mapping[str, str]) -> bytes:
    """The exact bytes a message leaf commits to (sorted keys, compact, UTF-8)."""
    if set(message) != MESSAGE_FIELDS:
        raise ValueError(f"a message has exactly the fields {sorted(MESSAGE_FIELDS)}")
    if message["direction"] not in DIRECTIONS:
        raise ValueError("direction must be 'in' or 'out'")
    if not all(isinstance(value, str) for value in message.values()):
        raise ValueError("message fields are strings")
    if not _HEX64.match(message["text_sha256"]):
        raise ValueError("text_sha256 must be 64 lower-case hex characters")
    text = json.dumps(dict(message), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def hash_leaf_bytes(data: bytes) -> str:
    """RFC 6962 leaf hash of arbitrary bytes: SHA-256(0x00 || data), hex."""
    return hashlib.sha256(b"\x00" + data).hexdigest()


def leaf_hash(message: Mapping[str, str]) -> str:
    """The leaf hash of one conversation message, hex."""
    return hash_leaf_bytes(canonical_message(message))


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _largest_power_of_two_below(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def _tree(leaves: Sequence[bytes]) -> bytes:
    if len(leaves) == 1:
        return leaves[0]
    k = _largest_power_of_two_below(len(leaves))
    return _node(_tree(leaves[:k]), _tree(leaves[k:]))


def is_hex_digest(value: object) -> bool:
    """True for 64 lower-case hex characters (a SHA-256 in the stored form)."""
    return isinstance(value, str) and bool(_HEX64.match(value))


def root(leaf_hashes: Sequence[str]) -> str:
    """Merkle Tree Hash over leaf hashes (hex, in order); the empty tree is SHA-256("")."""
    if not leaf_hashes:
        return hashlib.sha256(b"").hexdigest()
    for index, value in enumerate(leaf_hashes):
        if not is_hex_digest(value):
            raise ValueError(f"leaf {index} is not a SHA-256 hex digest")
    return _tree([bytes.fromhex(value) for value in leaf_hashes]).hex()
