"""`tracker` command line: dispatches to subcommand groups in `tracker.commands.*`.

Each group module has `register(subparsers)` that adds its commands, each with a
`handler(args) -> int` default. Add a group by adding its module name to `GROUPS`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

GROUPS = (
    "tracker.commands.service",
    "tracker.commands.contacts",
    "tracker.commands.outbox",
    "tracker.commands.ledger",
    "tracker.commands.reports",
    "tracker.commands.verify",
    "tracker.commands.disputes",
    "tracker.commands.staff",
)


def build_parser() -> argparse.ArgumentParser:
    """The parser with every group's subcommands."""
    parser = argparse.ArgumentParser(prog="tracker", description="Provenance tracker service")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in GROUPS:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `tracker` console script."""
    args = build_parser().parse_args(argv)
    code = args.handler(args)
    assert isinstance(code, int)  # every handler returns an exit status
    return code


if __name__ == "__main__":
    sys.exit(main())
