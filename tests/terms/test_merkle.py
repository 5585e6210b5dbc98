"""RFC 6962 Merkle tree hashes (terms.merkle, pure)."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from terms.merkle import canonical_message, hash_leaf_bytes, leaf_hash, root

# The leaves of RFC 6962's reference test data (certificate-transparency's merkle tests).
RFC_LEAVES = [
    b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)), bytes(range(0x60, 0x70)),
]  # fmt: skip
RFC_ROOTS = {
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def node(left: bytes, right: bytes) -> bytes:
    return sha(b"\x01" + left + right)


def test_empty_tree_is_the_hash_of_nothing() -> None:
    assert root([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.mark.parametrize("count", sorted(RFC_ROOTS))
def test_rfc6962_reference_roots(count: int) -> None:
    assert root([hash_leaf_bytes(leaf) for leaf in RFC_LEAVES[:count]]) == RFC_ROOTS[count]


def test_small_trees_from_the_definition() -> None:
    a, b, c, d, e = (sha(b"\x00" + bytes([i])) for i in range(5))
    hexes = [x.hex() for x in (a, b, c, d, e)]
    assert root(hexes[:1]) == a.hex()
    assert root(hexes[:2]) == node(a, b).hex()
    assert root(hexes[:3]) == node(node(a, b), c).hex()  # split at 2, not 1
    assert root(hexes[:4]) == node(node(a, b), node(c, d)).hex()
    assert root(hexes[:5]) == node(node(node(a, b), node(c, d)), e).hex()


MESSAGE = {
    "id": "wamid.HBgL",
    "direction": "in",
    "time": "2025-03-03T13:05:00Z",
    "text_sha256": hashlib.sha256("Où est ma livraison ?".encode()).hexdigest(),
}


def test_leaf_hash_is_over_canonical_json_with_a_zero_prefix() -> None:
    text = json.dumps(MESSAGE, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonical_message(dict(reversed(MESSAGE.items()))) == text.encode()
    assert leaf_hash(MESSAGE) == hashlib.sha256(b"\x00" + text.encode()).hexdigest()


def test_one_changed_character_changes_the_leaf_and_root() -> None:
    other = {**MESSAGE, "time": "2025-03-03T13:05:01Z"}
    assert leaf_hash(other) != leaf_hash(MESSAGE)
    assert root([leaf_hash(MESSAGE), leaf_hash(other)]) != root([leaf_hash(MESSAGE)] * 2)


@pytest.mark.parametrize(
    "bad",
    [
        {k: v for k, v in MESSAGE.items() if k != "id"},
        {**MESSAGE, "text": "hello"},
        {**MESSAGE, "direction": "sideways"},
        {**MESSAGE, "text_sha256": "ABC"},
    ],
)
def test_messages_of_another_shape_are_refused(bad: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        leaf_hash(bad)


def test_roots_need_hex_leaf_hashes() -> None:
    with pytest.raises(ValueError):
        root(["zz"])


def _reference(leaves: list[bytes]) -> bytes:
    """RFC 6962 section 2.1, written independently (iterative split search)."""
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << (len(leaves) - 1).bit_length() - 1
    return node(_reference(leaves[:k]), _reference(leaves[k:]))


@given(st.lists(st.binary(max_size=8), min_size=1, max_size=40))
def test_root_matches_a_reference_implementation(data: list[bytes]) -> None:
    leaves = [sha(b"\x00" + item) for item in data]
    assert root([leaf.hex() for leaf in leaves]) == _reference(leaves).hex()
