"""`ensure_node_deps` (scripts/lib/node.sh), which scripts/test and scripts/bench run before
anything needs the official Node client, stops with the cause and the fix, never a hang.

Each case runs the real function in bash on a copy of bench/node's manifests (npm ci empties
node_modules first, so the checkout's own install is never touched), with node, npm or the
registry taken away for real.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXIT_MISSING = 69
HAVE_NPM = shutil.which("node") is not None and shutil.which("npm") is not None


def ensure(node_dir: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Source the script libraries and run ensure_node_deps on `node_dir`."""
    script = (
        f'source "{REPO}/scripts/lib/common.sh"; source "{REPO}/scripts/lib/node.sh"; '
        f'NODE_DIR="{node_dir}"; ensure_node_deps'
    )
    return subprocess.run(
        ["/bin/bash", "-c", script],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    """bench/node's package.json, package-lock.json and .npmrc, without node_modules."""
    folder = tmp_path / "node"
    folder.mkdir()
    for name in ("package.json", "package-lock.json", ".npmrc"):
        shutil.copy(REPO / "bench" / "node" / name, folder / name)
    return folder


def tools_without_node(tmp_path: Path) -> str:
    """A PATH holding what the script libraries use, and neither node nor npm."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in ("dirname", "date", "tail", "touch"):
        found = shutil.which(tool)
        assert found, tool
        (folder / tool).symlink_to(found)
    return str(folder)


def test_missing_node_names_cause_and_fix(manifests: Path, tmp_path: Path) -> None:
    result = ensure(manifests, {"PATH": tools_without_node(tmp_path)})
    assert result.returncode == EXIT_MISSING
    assert "node and npm not found: install Node.js 20.19+" in result.stderr


def test_old_node_names_the_version_needed(manifests: Path, tmp_path: Path) -> None:
    path = tools_without_node(tmp_path)
    for tool, script in (("node", "echo v18.20.0; exit 0\n"), ("npm", "exit 0\n")):
        fake = Path(path) / tool
        fake.write_text(f"#!/bin/bash\n{script}")  # `node -e …` exits 0: "too old"
        fake.chmod(0o755)
    result = ensure(manifests, {"PATH": path})
    assert result.returncode == EXIT_MISSING
    assert "node v18.20.0 is too old" in result.stderr and "20.19+" in result.stderr


@pytest.mark.skipif(not HAVE_NPM, reason="node and npm are not installed")
def test_unreachable_registry_names_cause_and_fix(manifests: Path, tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    env = {
        "npm_config_registry": f"http://127.0.0.1:{closed}/",
        "npm_config_cache": str(tmp_path / "empty-cache"),  # nothing to install from offline
        "npm_config_fetch_retries": "0",
    }
    result = ensure(manifests, env)
    assert result.returncode == EXIT_MISSING
    assert f"the npm registry (http://127.0.0.1:{closed}/) is unreachable" in result.stderr
    assert not (manifests / "node_modules" / ".installed").exists()
