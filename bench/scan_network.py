"""Scan → committed on a REAL Hyperledger Fabric network: `scripts/bench --network`.

The network is started for the run (bench/fabric_network.py: `scripts/network up` in its own
folder and on its own ports, a dispatcher and a scanner enrolled at the real CAs) and removed at
the end. The code is bench/scan_commit.py's, given the network's DemoLedger instead of the
SimulatedPeer's:

1. rows at 1 and 8 concurrent scanners (`scan_commit.level`): the tracker's HTTP API (`POST
   /api/v1/shipments/<sscc>/checkpoints`, the clock stops at the 201, `tracker serve` under
   gunicorn), the project's Gateway client and the official Node client
   (@hyperledger/fabric-gateway), each RecordCheckpoint on a fresh shipment of its own, with
   the ratios to the official client at the same concurrency;
2. committed checkpoints per second with the project's client: a short trial at each of
   THROUGHPUT_TRIALS scanners (doubling on, up to MAX_TRIAL, while the last doubling still
   gained GAIN), then 60 s (--quick: 10 s) sustained at the one that committed the most;
3. the project's client against the official Node client at that best concurrency, the same
   transactions (`scan_commit.ledger_client` and `official_node` on the same shipments);
4. a profile at PROFILE_SCANNERS (bench/profile.py): the client's Gateway calls timed, the
   nodes' Prometheus phases and every process's CPU around the run, py-spy on the chaincode
   server; the nodes' phases and CPU are also read around the sustained run;
5. follower catch-up, commit -> WhatsApp and chat -> reply (bench/chat_network.py).

Every scanner loop is scan_commit.scanners: `level` gives it a list of transactions,
`timed_run` a time window.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import chat_network, profile
from bench.fabric_network import BenchNetwork, fabric_network
from bench.official_client import node_available, official_node
from bench.scan_commit import (
    create_shipments,
    ledger_client,
    level,
    new_ssccs,
    ratio,
    scan_argument,
    scanners,
    summarise,
)
from bench.scan_stack import (
    CHAINCODE,
    CHANNEL,
    GUNICORN_THREADS,
    SCANNER_ORG,
    connect_as,
    fresh_postgres,
    served_tracker,
)
from bench.stats import summary_ms
from demo.ledger import DemoLedger
from tracker.ledger import Contract

CONCURRENCY = (1, 8)
THROUGHPUT_TRIALS = (8, 16, 32)
MAX_TRIAL, GAIN = 128, 1.10
PROFILE_SCANNERS = 8  # the concurrency of the latency target
POOL = 4  # shipments per scanner in the throughput runs, taken in turn
CREATE_THREADS = 16
NOTE = (
    "on a REAL Hyperledger Fabric network started for this run (scripts/network up): "
    "ordering service, endorsement policy, three peers, the chaincode server; all of it and "
    "the clients share this machine's cores"
)


def sizes(concurrency: int, quick: bool) -> tuple[int, int]:
    """(warm-up, timed) transactions of one client at one concurrency on the network."""
    if quick:
        return {1: (3, 10), 8: (8, 24)}[concurrency]
    return {1: (10, 100), 8: (16, 240)}[concurrency]


def durations(quick: bool) -> dict[str, float]:
    """Seconds of each throughput run: trial and sustained, each after an untimed warm-up."""
    if quick:
        return {
            "trial_warmup_s": 1,
            "trial_s": 2,
            "sustain_warmup_s": 2,
            "sustain_s": 10,
            "comparison_s": 2,
            "profile_s": 5,
        }
    return {
        "trial_warmup_s": 3,
        "trial_s": 10,
        "sustain_warmup_s": 5,
        "sustain_s": 60,
        "comparison_s": 15,
        "profile_s": 15,
    }


def timed_run(
    contract: Contract, pools: list[list[str]], warmup_s: float, window_s: float
) -> dict[str, Any]:
    """One scanner per pool (scan_commit.scanners, the one loop), each recording checkpoints
    on its own shipments in turn, back to back, from now until `warmup_s + window_s`; a
    transaction counts when its commit status arrives inside the window. Times are seconds
    from the window's start."""
    window_start = time.perf_counter() + warmup_s
    deadline = window_start + window_s

    def take(scanner: int, n: int) -> str | None:
        if time.perf_counter() >= deadline:
            return None
        pool = pools[scanner]
        return scan_argument(pool[n % len(pool)])

    run = scanners(len(pools), take, lambda a: contract.submit("RecordCheckpoint", a))
    done = [(s - window_start, e - window_start) for s, e in run["done"]]
    inside = sorted((s, e) for s, e in done if 0 <= e <= window_s)
    per_second = [0] * int(window_s)
    for _, end in inside:
        per_second[min(int(end), len(per_second) - 1)] += 1
    failed = [m for t, m in run["failed"] if 0 <= t - window_start <= window_s]
    result: dict[str, Any] = {
        "concurrency": len(pools),
        "warmup_s": warmup_s,
        "window_s": window_s,
        "committed": len(inside),
        "throughput_tx_s": round(len(inside) / window_s, 1),
        "per_second": per_second,
        "errors": len(failed),
        "messages": failed[:5],
        "all_committed": len(done),  # warm-up and the tail after the window included
        "caller_cpu_ms_per_tx": round(run["cpu_s"] / max(1, len(done)) * 1000, 3),
    }
    if inside:
        result["latency"] = summary_ms([e - s for s, e in inside])
        result["started_s"] = [round(s, 6) for s, _ in inside]  # beside latency.samples_s
    return result


def throughput(fabric: BenchNetwork, quick: bool) -> dict[str, Any]:
    """Trials from THROUGHPUT_TRIALS scanners up, the best one sustained (with the CPU each
    process used and the nodes' phase metrics), the project's client against the official
    Node client at that concurrency, then a profiled run at PROFILE_SCANNERS."""
    ledger, d = fabric.ledger, durations(quick)
    pools: list[list[str]] = []

    def shipments_for(scanners: int) -> list[list[str]]:
        new = [new_ssccs(POOL) for _ in range(scanners - len(pools))]
        if new:  # untimed, between runs
            create_shipments(ledger, [sscc for pool in new for sscc in pool], CREATE_THREADS)
            pools.extend(new)
        return pools[:scanners]

    trials: list[dict[str, Any]] = []
    plan = list(THROUGHPUT_TRIALS)
    with connect_as(ledger, SCANNER_ORG) as gateway:
        contract = gateway.network(CHANNEL).contract(CHAINCODE)
        while plan:
            scanners = plan.pop(0)
            trials.append(
                timed_run(contract, shipments_for(scanners), d["trial_warmup_s"], d["trial_s"])
            )
            gained = len(trials) > 1 and trials[-1]["committed"] >= GAIN * trials[-2]["committed"]
            if not plan and gained and scanners < MAX_TRIAL:
                plan.append(2 * scanners)  # still climbing at the last one: go on
        best = max(trials, key=lambda t: t["committed"])["concurrency"]
        before = ledger.height()
        with profile.observed(fabric) as cost:
            sustained = timed_run(contract, pools[:best], d["sustain_warmup_s"], d["sustain_s"])
        blocks = ledger.height() - before
    sustained["cost"] = cost.result(sustained["all_committed"])
    sustained["blocks"] = blocks
    sustained["tx_per_block"] = round(sustained["all_committed"] / blocks, 1) if blocks else None
    busy = sustained["per_second"]
    sustained["per_second_min"], sustained["per_second_max"] = min(busy), max(busy)
    timed = max(2 * best, round(sustained["throughput_tx_s"] * d["comparison_s"]))
    return {
        "client": "project ledger client (tracker.ledger.gateway): one connection, one thread "
        "per scanner, as the tracker's GatewayPool shares one per identity",
        "transaction": f"RecordCheckpoint (bizStep departing): each scanner owns {POOL} "
        "shipments and scans them in turn, so no two transactions in flight touch the same "
        "shipment (no MVCC conflict by design); a scanner's next scan follows its commit",
        "clock": "committed = the commit status of the gateway peer arrived; a transaction "
        "counts when that happens inside the window; started_s/latency are seconds from the "
        "window's start",
        "trial_plan": f"{', '.join(map(str, THROUGHPUT_TRIALS))} scanners, then doubling up to "
        f"{MAX_TRIAL} while the last trial committed at least {GAIN}x the one before",
        "durations": d,
        "trials": trials,
        "best_concurrency": best,
        "sustained": sustained,
        "comparison": compare(ledger, pools[:best], 2 * best, timed),
        "profile": profiled(fabric, shipments_for(PROFILE_SCANNERS), d["profile_s"]),
    }


def profiled(fabric: BenchNetwork, pools: list[list[str]], window_s: float) -> dict[str, Any]:
    """`len(pools)` scanners for `window_s` on a connection of their own whose Gateway calls
    are timed, the nodes' metrics and CPU read around it, py-spy on the chaincode server."""
    with connect_as(fabric.ledger, SCANNER_ORG) as gateway:
        contract = gateway.network(CHANNEL).contract(CHAINCODE)
        phases = profile.PhaseTimer(contract)
        timed_run(contract, pools, 2, 2)  # untimed: connection and caches warm
        phases.clear()
        chaincode = profile.pid_of(fabric.net.root, "chaincode")
        with profile.observed(fabric) as cost, profile.spied(chaincode, window_s) as spy:
            run = timed_run(contract, pools, 0, window_s)
    return {
        "concurrency": len(pools),
        "window_s": window_s,
        "committed": run["committed"],
        "throughput_tx_s": run["throughput_tx_s"],
        "latency": run.get("latency"),
        "client_phases": phases.summary(run.get("latency", {}).get("mean_ms")),
        "cost": cost.result(run["all_committed"]),
        "chaincode_py_spy": spy,
    }


def compare(ledger: DemoLedger, pools: list[list[str]], warmup: int, timed: int) -> Any:
    """The project's client, then the official Node client, `len(pools)` scanners each, on the
    same shipments in the same order (scanner i's shipments at positions i, i + n, ...: in
    flight, no two transactions share a shipment); `warmup` untimed, then `timed`."""
    n = len(pools)
    ssccs = [pools[i % n][(i // n) % POOL] for i in range(warmup + timed)]
    row: dict[str, Any] = {"concurrency": n, "warmup": warmup, "timed": timed}
    row["ledger_client"] = summarise(ledger_client(ledger, n, ssccs, warmup))
    arguments = [scan_argument(sscc) for sscc in ssccs]
    row["official_node"] = summarise(official_node(ledger, n, arguments, warmup))
    row["ratio_ledger_client_to_official"] = ratio(row["ledger_client"], row["official_node"])
    return row


def on_network(quick: bool) -> dict[str, Any]:
    """The whole section: network up, rows at 1 and 8 scanners, throughput, network down."""
    missing = node_available()
    if missing is not None:
        raise RuntimeError(f"the comparison needs the official Node client: {missing}")
    postgres = os.environ.get("TRACKER_TEST_POSTGRES_URL")
    load = [round(x, 2) for x in os.getloadavg()]  # other work on the machine skews figures
    started = time.monotonic()
    phases: dict[str, float] = {}  # wall seconds of each part, set-up included

    def lap(name: str) -> None:
        phases[name] = round(time.monotonic() - started - sum(phases.values()), 1)

    with tempfile.TemporaryDirectory() as work, fabric_network() as fabric:
        lap("network_clean_up_enrol")
        ledger = fabric.ledger
        sqlite = f"sqlite:///{Path(work) / 'tracker.db'}"
        url = fresh_postgres(postgres, "bench_network") if postgres else sqlite
        rows = []
        threads = int(os.environ.get("PROVENANCE_BENCH_SERVE_THREADS", GUNICORN_THREADS))
        with served_tracker(Path(work) / "tracker", ledger, url, threads) as tracker:
            lap("tracker_start")
            for c in CONCURRENCY:
                rows.append(
                    level(ledger, tracker, c, *sizes(c, quick), create_threads=CREATE_THREADS)
                )
                lap(f"rows_at_{c}")
            rate = throughput(fabric, quick)
            lap("throughput_comparison_profile")
            chat = chat_network.on_network(ledger, tracker, 10 if quick else 50)
            lap("follower_and_whatsapp")
        settings = fabric.settings()
    lap("network_down_clean")
    return {
        "note": NOTE,
        "machine": {"cores": os.cpu_count(), "load_average_at_start": load},
        "settings": settings,
        "network_settings": (
            f"Fabric {settings['fabric_version']}, profile {settings['profile']} "
            f"({settings['consensus']}, {settings['peers']} peers), BatchTimeout "
            f"{settings['batch_timeout']}, MaxMessageCount {settings['max_message_count']}, "
            f"endorsement {settings['endorsement_policy'].split(' (')[0]}"
        ),
        "transaction": "RecordCheckpoint (bizStep departing), each on a shipment of its own",
        "clock": "from the client call to the commit status (HTTP: to the 201 answer)",
        "warmup": "every client's first transactions at each concurrency (1: "
        f"{sizes(1, quick)[0]}, 8: {sizes(8, quick)[0]}), run at that concurrency, are "
        "untimed and excluded",
        "order": "per concurrency: ledger client, official Node client, HTTP API; then the "
        "throughput trials and the sustained run",
        "http_server": f"tracker serve (gunicorn, {tracker.server}), database "
        f"{'PostgreSQL' if postgres else 'SQLite'}, the scanner's enrolment imported with "
        "tracker staff add --msp-dir",
        "people": "a dispatcher (ProducerMSP, role dispatcher) creates the shipments and a "
        "scanner (CarrierMSP, role scanner) records the checkpoints, both registered and "
        "enrolled at their org's Fabric CA with fabric-ca-client",
        "rows": rows,
        "throughput": rate,
        "chat": chat,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "wall_s": round(time.monotonic() - started, 1),
        "phases_s": phases,
    }
