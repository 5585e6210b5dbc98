"""`tracker` command line: dispatches to the subcommand groups of this package.

Each group module (`tracker.cli.service`, ...) has `register(subparsers)` that adds its
commands, each with a `handler(args) -> int` default. Add a group by adding its module name to
`GROUPS`; `python -m tracker.cli` runs the same `main` as the installed `tracker` script.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence

GROUPS = (
    "tracker.cli.service",
    "tracker.cli.contacts",
    "tracker.cli.outbox",
    "tracker.cli.ledger",
    "tracker.cli.reports",
    "tracker.cli.verify",
    "tracker.cli.disputes",
    "tracker.cli.staff",
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
