"""`python -m network up|down|status|clean|upgrade VERSION` (use scripts/network, which finds
the Fabric binaries first)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from network import control
from network.nodes import Tools
from network.processes import NetworkError
from network.topology import TopologyError, from_env

EXIT_FAILED = 70
EXIT_USAGE = 64


def main(argv: list[str] | None = None) -> int:
    """Run one network command; 0 on success."""
    parser = argparse.ArgumentParser(prog="scripts/network")
    parser.add_argument("command", choices=("up", "down", "status", "clean", "upgrade"))
    parser.add_argument("version", nargs="?", help="upgrade: the chaincode version label")
    args = parser.parse_args(argv)
    state = (
        Path(os.environ.get("PROVENANCE_NETWORK_DIR", ""))
        if os.environ.get("PROVENANCE_NETWORK_DIR")
        else Path(os.environ.get("PROVENANCE_STATE_DIR", ".state")) / "network"
    )
    try:
        topology = from_env(state.resolve())
        if args.command == "up":
            control.up(topology, Tools.from_env())
        elif args.command == "down":
            control.down(topology)
        elif args.command == "status":
            return control.status(topology, Tools.from_env())
        elif args.command == "clean":
            control.clean(topology)
        else:
            if not args.version:
                parser.error("upgrade needs a VERSION, e.g. scripts/network upgrade 1.1")
            deployed = control.upgrade(topology, Tools.from_env(), args.version)
            sys.stdout.write(
                f"{deployed.version} sequence {deployed.sequence} {deployed.package_id}\n"
            )
    except TopologyError as error:
        sys.stderr.write(f"error: {error}\n")
        return EXIT_USAGE
    except NetworkError as error:
        sys.stderr.write(f"error: {error}\n")
        return EXIT_FAILED
    return 0


if __name__ == "__main__":
    sys.exit(main())
