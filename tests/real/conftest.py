"""The real tier: Hyperledger Fabric 3.1.5 as native processes, started by `scripts/network up`
for this test session in its own folder and on its own ports (PROVENANCE_TEST_NET_PORT_BASE,
default 17000), stopped at the end. Every test here is marked `real`.

When the Fabric binaries cannot be had the tests are skipped with the reason, unless
PROVENANCE_REQUIRE_FABRIC=1, which makes that a failure (scripts/test sets it in CI terms).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.real.fabric_net import FabricNet, FabricUnavailable, fabric_tools

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/real is real tier."""
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.real)


@pytest.fixture(scope="session")
def fabric(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FabricNet]:
    """The session's network, up and healthy; `down` at the end (ledgers in a temp folder)."""
    env = dict(os.environ)
    try:
        fabric_bin, fabric_cfg = fabric_tools(env)
    except FabricUnavailable as reason:
        if os.environ.get("PROVENANCE_REQUIRE_FABRIC") == "1":
            pytest.fail(f"real tier NOT RUN: {reason}")
        pytest.skip(f"real tier NOT RUN: {reason}")
    # scripts/test names a fixed folder (its exit trap stops what a killed run left behind).
    fixed = os.environ.get("PROVENANCE_TEST_NETWORK_DIR")
    root = Path(fixed).resolve() if fixed else tmp_path_factory.mktemp("fabric") / "network"
    env.update(
        FABRIC_BIN=fabric_bin,
        FABRIC_CFG=fabric_cfg,
        PROVENANCE_NETWORK_DIR=str(root),
        PROVENANCE_NET_PORT_BASE=os.environ.get("PROVENANCE_TEST_NET_PORT_BASE", "17000"),
    )
    net = FabricNet(root, env)
    net.network("clean")  # a fresh channel each session, whatever an earlier run left
    done = net.network("up")
    try:
        assert done.returncode == 0, f"scripts/network up failed:\n{done.stderr}"
        sys.stderr.write(done.stderr.splitlines()[-1] + "\n")
        yield net
    finally:
        net.network("down")
