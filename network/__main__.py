"""`python -m network up|down|status|clean|bundle|upgrade VERSION|crl ORG [--only GROUPS]` (use
scripts/network, which finds the Fabric binaries first)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from network import control, crl, hosts
from network.layout import Layout
from network.nodes import Tools
from network.processes import NetworkError
from network.topology import CHANNEL, GROUPS, Topology, TopologyError, from_env

EXIT_FAILED = 70
EXIT_USAGE = 64
ONLY_COMMANDS = ("up", "down", "status", "bundle")


def main(argv: list[str] | None = None) -> int:
    """Run one network command; 0 on success."""
    parser = argparse.ArgumentParser(prog="scripts/network")
    parser.add_argument(
        "command", choices=("up", "down", "status", "clean", "bundle", "upgrade", "crl")
    )
    parser.add_argument(
        "argument",
        nargs="?",
        metavar="VERSION|ORG",
        help="upgrade: the chaincode version label; crl: producer, carrier, retailer or MSP id",
    )
    parser.add_argument(
        "--only",
        metavar="GROUPS",
        help=f"up, down, status, bundle: only these comma-separated groups ({', '.join(GROUPS)})",
    )
    args = parser.parse_args(argv)
    if args.only is not None and args.command not in ONLY_COMMANDS:
        parser.error(f"--only goes with {', '.join(ONLY_COMMANDS)}, not {args.command}")
    state = (
        Path(os.environ.get("PROVENANCE_NETWORK_DIR", ""))
        if os.environ.get("PROVENANCE_NETWORK_DIR")
        else Path(os.environ.get("PROVENANCE_STATE_DIR", ".state")) / "network"
    )
    try:
        topology = from_env(state.resolve())
        topology.select(args.only)  # an unknown group is named before anything happens
        if args.command == "up":
            control.up(topology, Tools.from_env(), args.only)
        elif args.command == "down":
            control.down(topology, args.only)
        elif args.command == "status":
            tools = Tools.from_env() if os.environ.get("FABRIC_BIN") else None
            return control.status(topology, tools, args.only)
        elif args.command == "bundle":
            _bundle(topology, Tools.from_env(), args.only)
        elif args.command == "clean":
            control.clean(topology)
        elif args.command == "crl":
            if not args.argument:
                parser.error("crl needs an ORG, e.g. scripts/network crl producer")
            _publish_crl(topology, Tools.from_env(), args.argument)
        else:
            if not args.argument:
                parser.error("upgrade needs a VERSION, e.g. scripts/network upgrade 1.1")
            deployed = control.upgrade(topology, Tools.from_env(), args.argument)
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


def _bundle(topology: Topology, tools: Tools, only: str | None) -> None:
    layout = Layout(topology.state)
    control.check_profile(topology, layout)
    control.ensure_material(topology, layout, tools)
    hosts.prepare_chaincode(topology, layout, tools)
    control.write_tracker_env(topology, layout)
    name = "all" if only is None else "+".join(sorted(n.strip() for n in only.split(",")))
    path = hosts.write_bundle(topology, layout, topology.select(only), name)
    sys.stdout.write(f"{path}\n")


def _publish_crl(topology: Topology, tools: Tools, name: str) -> None:
    org = crl.org_named(name)
    done = crl.publish(topology, tools, org)
    count = f"{len(done.serials)} revoked certificate(s)"
    if done.changed:
        line = (
            f"{org.msp_id}: the CRL of ca-{org.name} ({count}) is in channel {CHANNEL}'s "
            f"config since block {done.config_block}; every peer has it"
        )
    elif done.serials:
        line = (
            f"{org.msp_id}: channel {CHANNEL} already has the CRL of ca-{org.name} ({count}, "
            f"config block {done.config_block}); nothing to do"
        )
    else:
        line = f"{org.msp_id}: ca-{org.name} has revoked no certificate; nothing to publish"
    sys.stdout.write(line + "\n")


if __name__ == "__main__":
    sys.exit(main())
