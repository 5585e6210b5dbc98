"""`python -m bench`: runs the sections that can run here, prints a table, writes JSON."""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import sections, whatsapp

BLOCKED = (
    "scan -> committed latency and throughput (HTTP API and ledger client), the official Node "
    "Gateway client ratio, and the network settings need the Fabric network, whose binaries "
    "cannot be obtained on this machine (see README, Status)"
)


def main(argv: list[str] | None = None) -> int:
    """Runs every section and writes the figures with their raw samples."""
    args = _parser().parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    with tempfile.TemporaryDirectory() as work:
        urls = {"sqlite": f"sqlite:///{Path(work) / 'bench.db'}"}
        if os.environ.get("TRACKER_TEST_POSTGRES_URL"):
            urls["postgresql"] = os.environ["TRACKER_TEST_POSTGRES_URL"]
        figures = _run(args, urls)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2))
    sys.stdout.write(_table(figures) + f"\nraw samples: {out}\n")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    parser.add_argument("--out", default=f".state/bench/bench-{stamp}.json")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    return parser


def _run(args: argparse.Namespace, urls: dict[str, str]) -> dict[str, Any]:
    quick = args.quick
    first = next(iter(urls.values()))
    return {
        "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
        "warmup": "one untimed run before timed runs (report_pdf); follower runs start cold",
        "follower_catch_up": sections.follower_catch_up(urls, 50 if quick else 400, 2),
        "report_pdf": sections.report_pdf(first, 1_000 if quick else 10_000),
        "recall_trace": sections.recall(first, 2_000 if quick else 100_000, 20),
        "whatsapp": [whatsapp.latencies(poll, 10 if quick else 50) for poll in (1.0, 0.1)],
        "blocked": BLOCKED,
    }


def _table(f: dict[str, Any]) -> str:
    lines = [f"machine: {f['machine']['cores']} cores, Python {f['machine']['python']}", ""]
    follow = f["follower_catch_up"]
    for name in ("sqlite", "postgresql"):
        if name in follow:
            row = follow[name]
            lines.append(
                f"follower catch-up ({name}, {follow['blocks']} blocks from 0): "
                f"{row['blocks_per_s']} blocks/s, {row['tx_per_s']} tx/s"
            )
    pdf, rec = f["report_pdf"], f["recall_trace"]
    lines.append(
        f"report PDF, {pdf['readings']} readings: p50 {pdf['p50_ms']} ms, p95 {pdf['p95_ms']} ms"
    )
    lines.append(
        f"recall trace, lot of {rec['per_lot']} in {rec['shipments']} shipments: "
        f"p50 {rec['p50_ms']} ms, p95 {rec['p95_ms']} ms"
    )
    for run in f["whatsapp"]:
        note, chat = run["commit_to_notification"], run["chat_to_reply"]
        lines.append(
            f"worker poll {run['worker_poll_s']} s: commit -> notification p50 {note['p50_ms']} / "
            f"p95 {note['p95_ms']} / p99 {note['p99_ms']} ms; chat -> reply p50 {chat['p50_ms']} / "
            f"p95 {chat['p95_ms']} / p99 {chat['p99_ms']} ms"
        )
    lines.append(f"not measured: {f['blocked']}")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
