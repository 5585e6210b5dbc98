"""The chaincode's composite keys: built and split the way Fabric's shim does."""

from __future__ import annotations

import pytest

from records.keys import CHECKPOINT, MalformedKey, composite_key, split_composite_key


def test_a_key_is_built_like_the_shims() -> None:
    assert composite_key(CHECKPOINT, "A", "000002") == "\x00checkpoint\x00A\x00000002\x00"


def test_a_key_splits_back_into_its_type_and_attributes() -> None:
    key = composite_key("status~sscc", "created", "123")
    assert split_composite_key(key) == ("status~sscc", ["created", "123"])


def test_a_simple_key_is_not_composite() -> None:
    assert split_composite_key("shipment") is None


@pytest.mark.parametrize("key", ["\x00", "\x00checkpoint", "\x00checkpoint\x00A"])
def test_a_broken_composite_key_is_refused_by_name(key: str) -> None:
    with pytest.raises(MalformedKey, match="malformed composite key"):
        split_composite_key(key)
