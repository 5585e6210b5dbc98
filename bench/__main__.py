"""`python -m bench`: runs the sections that can run here, prints a table, writes JSON.

`python -m bench --network` runs the real-network section only (bench/scan_network.py: scan ->
committed, throughput, the Node client beside ours, the profile, follower catch-up and
WhatsApp) on a Fabric network it starts and removes at the end."""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import scan_commit, scan_network, sections, whatsapp
from bench.fabric_network import FabricUnavailable

EXIT_UNAVAILABLE = 69  # as scripts/setup when Fabric cannot be had

BLOCKED = (
    "scan -> committed latency and throughput against a real Fabric network (ordering service, "
    "endorsement policy, several peers) and the network settings (BatchTimeout, "
    "MaxMessageCount) they run with: `scripts/bench --network` measures them on a network it "
    "starts; the scan -> committed figures above are against the SimulatedPeer, a FAKE peer"
)


def main(argv: list[str] | None = None) -> int:
    """Runs every section and writes the figures with their raw samples."""
    args = _parser().parse_args(argv)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    with tempfile.TemporaryDirectory() as work:
        urls = {"sqlite": f"sqlite:///{Path(work) / 'bench.db'}"}
        if os.environ.get("TRACKER_TEST_POSTGRES_URL"):
            urls["postgresql"] = os.environ["TRACKER_TEST_POSTGRES_URL"]
        try:
            figures = _run_network(args) if args.network else _run(args, urls)
        except FabricUnavailable as reason:
            sys.stderr.write(f"bench --network NOT RUN: no Fabric binaries here:\n{reason}\n")
            return EXIT_UNAVAILABLE
    out = Path(args.out or f".state/bench/bench{'-network' if args.network else ''}-{stamp}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2))
    table = _network_table(figures) if args.network else _table(figures)
    sys.stdout.write(table + f"\nraw samples: {out}\n")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__)
    parser.add_argument("--out", help="default .state/bench/bench[-network]-<UTC time>.json")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument(
        "--network",
        action="store_true",
        help="only scan -> committed, on a real Fabric network started (and removed) for the run",
    )
    return parser


def _machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "node": _node_version(),
    }


def _run_network(args: argparse.Namespace) -> dict[str, Any]:
    return {"machine": _machine(), "network": scan_network.on_network(args.quick)}


def _run(args: argparse.Namespace, urls: dict[str, str]) -> dict[str, Any]:
    quick = args.quick
    first = next(iter(urls.values()))
    return {
        "machine": _machine(),
        "warmup": "one untimed run before timed runs (report_pdf); follower runs start cold",
        "follower_catch_up": sections.follower_catch_up(urls, 50 if quick else 400, 2),
        "report_pdf": sections.report_pdf(first, 1_000 if quick else 10_000),
        "recall_trace": sections.recall(first, 2_000 if quick else 100_000, 20),
        "whatsapp": [whatsapp.latencies(poll, 10 if quick else 50) for poll in (1.0, 0.1)],
        "scan_to_committed": scan_commit.scan_to_committed(quick),
        "blocked": BLOCKED,
    }


def _table(f: dict[str, Any]) -> str:
    machine = f["machine"]
    lines = [
        f"machine: {machine['cores']} cores, Python {machine['python']}, node {machine['node']}",
        "",
    ]
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
    lines.extend(_scan_table(f["scan_to_committed"]))
    lines.append(f"not measured: {f['blocked']}")
    return "\n".join(lines)


def _node_version() -> str | None:
    try:
        done = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip()


SCAN_CLIENTS = {
    "ledger_client": "project ledger client",
    "official_node": "official Node client",
    "http_api": "tracker HTTP API",
}


def _scan_table(scan: dict[str, Any]) -> list[str]:
    lines = [
        "",
        f"scan -> committed, {scan['note']}",
        f"  warm-up excluded: {scan['warmup']}",
        f"  network settings {scan['network_settings']}",
        f"  HTTP API: {scan['http_server']}",
        f"  load average when the section started: {scan['machine']['load_average_at_start']}",
        "  client CPU: CPU ms of the client process per transaction (not for the HTTP API)",
        f"  {'scanners':>8}  {'client':<22}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'tx/s':>8}{'errors':>8}{'client CPU':>12}",
    ]
    for row in scan["rows"]:
        for key, label in SCAN_CLIENTS.items():
            r = row[key]
            cpu = "-" if key == "http_api" else f"{r['caller_cpu_ms_per_tx']:.2f}"
            lines.append(
                f"  {row['concurrency']:>8}  {label:<22}{r['count']:>5}{r['p50_ms']:>9.1f}"
                f"{r['p95_ms']:>9.1f}{r['p99_ms']:>9.1f}{r['throughput_tx_s']:>8.1f}"
                f"{r['errors']:>8}{cpu:>12}"
            )
        for key, label in (
            ("ratio_ledger_client_to_official", "project client / official"),
            ("ratio_http_api_to_official", "HTTP API / official"),
        ):
            q = row[key]
            lines.append(
                f"  {'':>8}  {label}: p50 x{q['p50_ms']}, p95 x{q['p95_ms']}, "
                f"p99 x{q['p99_ms']}, throughput x{q['throughput_tx_s']}"
            )
    first = scan["rows"][0]
    lines.append(
        "  one ECDSA P-256 signature (3 per submit): project client "
        f"{first['ledger_client']['signature_ms']} ms (cryptography/OpenSSL), official client "
        f"{first['official_node']['signature_ms']} ms (@noble/curves, JavaScript)"
    )
    return lines


def _network_table(f: dict[str, Any]) -> str:
    machine, net = f["machine"], f["network"]
    settings, rate = net["settings"], net["throughput"]
    lines = [
        f"machine: {machine['cores']} cores, Python {machine['python']}, node {machine['node']}",
        f"network: Fabric {settings['fabric_version']}, profile {settings['profile']} "
        f"({settings['consensus']}, {settings['peers']} peers), BatchTimeout "
        f"{settings['batch_timeout']}, MaxMessageCount {settings['max_message_count']} "
        f"(AbsoluteMaxBytes {settings['absolute_max_bytes']}, PreferredMaxBytes "
        f"{settings['preferred_max_bytes']})",
        f"  endorsement policy: {settings['endorsement_policy']}",
        f"  gateway peer: {settings['gateway_peer']}",
        f"  up in {settings['network_up_s']} s in {settings['network_dir']} (ports from "
        f"{settings['port_base']}); section wall time {net['wall_s']} s",
        "  phases (s): " + ", ".join(f"{k} {v}" for k, v in net["phases_s"].items()),
    ]
    lines.extend(_scan_table(net))
    d = rate["durations"]
    lines += [
        "",
        f"committed checkpoints per second, {rate['client']}",
        f"  {rate['transaction']}",
        f"  concurrency tried: {rate['trial_plan']}",
        f"  trials: {d['trial_s']} s each after {d['trial_warmup_s']} s untimed; sustained: "
        f"{d['sustain_s']} s after {d['sustain_warmup_s']} s untimed",
        f"  {'scanners':>8}  {'run':<10}{'committed':>10}{'tx/s':>8}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'p99 ms':>9}{'errors':>8}{'client CPU':>12}",
    ]
    for name, run in [*(("trial", t) for t in rate["trials"]), ("sustained", rate["sustained"])]:
        lat = run.get("latency", {"p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0})
        lines.append(
            f"  {run['concurrency']:>8}  {name:<10}{run['committed']:>10}"
            f"{run['throughput_tx_s']:>8.1f}{lat['p50_ms']:>9.1f}{lat['p95_ms']:>9.1f}"
            f"{lat['p99_ms']:>9.1f}{run['errors']:>8}{run['caller_cpu_ms_per_tx']:>12.2f}"
        )
    s = rate["sustained"]
    lines.append(
        f"  sustained at {rate['best_concurrency']} scanners (the trial that committed most): "
        f"{s['throughput_tx_s']} tx/s over {s['window_s']} s, per second min {s['per_second_min']}"
        f" / max {s['per_second_max']}; {s['blocks']} blocks cut, {s['tx_per_block']} tx per "
        "block (warm-up and tail included)"
    )
    c = rate["comparison"]
    lines.append(
        f"  at {c['concurrency']} scanners, the same {c['timed']} transactions after "
        f"{c['warmup']} untimed, each client on its own connection:"
    )
    for key in ("ledger_client", "official_node"):
        r, label = c[key], SCAN_CLIENTS[key]
        lines.append(
            f"  {c['concurrency']:>8}  {label:<22}{r['count']:>5}{r['p50_ms']:>9.1f}"
            f"{r['p95_ms']:>9.1f}{r['p99_ms']:>9.1f}{r['throughput_tx_s']:>8.1f}"
            f"{r['errors']:>8}{r['caller_cpu_ms_per_tx']:>12.2f}"
        )
    q = c["ratio_ledger_client_to_official"]
    lines.append(
        f"  {'':>8}  project client / official: p50 x{q['p50_ms']}, p95 x{q['p95_ms']}, "
        f"p99 x{q['p99_ms']}, throughput x{q['throughput_tx_s']}"
    )
    lines += _chat_lines(net["chat"])
    lines += _profile_lines(rate)
    lines += _target_lines(net)
    load = net["machine"]["load_average_at_start"], net["load_average_at_end"]
    lines.append(f"load average (1, 5, 15 min) at start {load[0]}, at end {load[1]}")
    return "\n".join(lines)


def _chat_lines(chat: dict[str, Any]) -> list[str]:
    up, note, reply = (
        chat["follower_catch_up"],
        chat["commit_to_notification"],
        chat["chat_to_reply"],
    )
    return [
        "",
        f"follower catch-up from the real chain ({up['database']}): {up['blocks']} blocks, "
        f"{up['transactions']} tx: {up['tx_per_s']} tx/s, {up['blocks_per_s']} blocks/s "
        f"({up['seconds_after_block_0']} s after block 0; {up['seconds']} s with start-up)",
        f"  {up['process']}",
        f"commit -> WhatsApp sandbox received ({note['count']}): p50 {note['p50_ms']} / p95 "
        f"{note['p95_ms']} / p99 {note['p99_ms']} ms",
        f"chat query -> reply received ({reply['count']}): p50 {reply['p50_ms']} / p95 "
        f"{reply['p95_ms']} / p99 {reply['p99_ms']} ms",
        f"  {chat['path']}",
    ]


def _profile_lines(rate: dict[str, Any]) -> list[str]:
    prof = rate["profile"]
    lat = prof["latency"] or {"p50_ms": 0.0, "mean_ms": 0.0}
    lines = [
        "",
        f"profile: {prof['concurrency']} scanners for {prof['window_s']} s, {prof['committed']} "
        f"committed ({prof['throughput_tx_s']} tx/s), submit p50 {lat['p50_ms']} ms, mean "
        f"{lat['mean_ms']} ms",
        f"  {'client phase (project client)':<44}{'calls':>7}{'mean ms':>10}{'p50 ms':>9}",
    ]
    for name, row in prof["client_phases"].items():
        lines.append(
            f"  {name:<44}{row.get('count', ''):>7}{_ms(row['mean_ms']):>10}"
            f"{_ms(row.get('p50_ms')):>9}"
        )
    lines.append(f"  {'node phase (Prometheus histograms)':<44}{'count':>7}{'mean ms':>10}  nodes")
    for row in prof["cost"]["node_phases"]:
        lines.append(
            f"  {row['phase']:<44}{row['count']:>7}{_ms(row['mean_ms']):>10}  {row['nodes']}"
        )
    for label, cost in (
        ("profile run", prof["cost"]),
        ("sustained run", rate["sustained"]["cost"]),
    ):
        cpu = cost["cpu"]
        parts = ", ".join(f"{k} {v}" for k, v in cpu["cpu_ms_per_tx"].items())
        lines.append(
            f"  CPU ms per committed tx, {label} ({cpu['transactions']} tx): {parts}; pipeline "
            f"total {cpu['pipeline_cpu_ms_per_tx']} ms -> at most "
            f"{_ceiling(cpu['pipeline_cpu_ms_per_tx'])} tx/s on {os.cpu_count()} cores; machine "
            f"busy {cpu['machine_busy_share']:.0%}, others' CPU {cpu['others_cpu_s']} s"
        )
    spy = prof["chaincode_py_spy"]
    if "skipped" in spy:
        lines.append(f"  chaincode server py-spy: not run ({spy['skipped']})")
    else:
        lines.append(
            f"  chaincode server, py-spy {spy['samples']} samples at {spy['rate_hz']} Hz "
            "(idle left out), share of samples:"
        )
        for key, label in (("self_share", "at the top"), ("inclusive_share", "on the stack")):
            top = "; ".join(f"{r['function']} {r['share']:.0%}" for r in spy[key][:8])
            lines.append(f"    {label}: {top}")
    return lines


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _ceiling(cpu_ms: float | None) -> str:
    cores = os.cpu_count() or 1
    return "?" if not cpu_ms else f"{cores * 1000 / cpu_ms:.0f}"


def _target_lines(net: dict[str, Any]) -> list[str]:
    at8 = next(r for r in net["rows"] if r["concurrency"] == 8)
    rate, chat = net["throughput"], net["chat"]
    ratio = rate["comparison"]["ratio_ledger_client_to_official"]["throughput_tx_s"]
    checks = [
        ("HTTP API p50 at 8 scanners <= 300 ms", at8["http_api"]["p50_ms"], 300.0, "<="),
        ("HTTP API p99 at 8 scanners <= 1000 ms", at8["http_api"]["p99_ms"], 1000.0, "<="),
        ("sustained committed tx/s >= 150", rate["sustained"]["throughput_tx_s"], 150.0, ">="),
        ("project / Node client throughput >= 1.0", ratio, 1.0, ">="),
        ("commit -> notification p99 <= 1000 ms", chat["commit_to_notification"]["p99_ms"],
         1000.0, "<="),
    ]  # fmt: skip
    lines = ["", "targets (issue 14):"]
    for label, value, bound, op in checks:
        met = value <= bound if op == "<=" else value >= bound
        lines.append(f"  {label:<44}{value:>10}  {'met' if met else 'NOT met'}")
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
