"""Scan → committed latency and throughput at 1, 8 and 32 concurrent scanners, three ways.

Each scanner records checkpoints (RecordCheckpoint, bizStep `departing`) on shipments no other
scanner touches, every transaction on a shipment of its own: (a) the project's ledger client
(tracker.ledger.gateway, one connection shared by one thread per scanner, as the tracker's
GatewayPool shares one per identity), (b) the tracker's HTTP API (`POST
/api/v1/shipments/<sscc>/checkpoints` with the scanner's token, `tracker serve` under
gunicorn, answering once committed), (c) the official Node client (@hyperledger/fabric-gateway,
bench/node/fabric-client.mjs: `submitAsync` + `getStatus`, one connection, one async worker per
scanner). The clock runs from the call to its commit status. `scan_to_committed` runs it all
against the SimulatedPeer, a FAKE peer (see NOTE): the figures are client and tracker overhead,
not Fabric. Every function takes the ledger as a DemoLedger, so bench/scan_network.py runs the
same code against a real Fabric network.
"""

from __future__ import annotations

import itertools
import json
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench import fixtures
from bench.official_client import node_available, official_node
from bench.scan_stack import (
    CHAINCODE,
    CHANNEL,
    DISPATCHER_ORG,
    SCANNER_ORG,
    ServedTracker,
    connect_as,
    fresh_postgres,
    served_tracker,
    simulated_peer,
)
from bench.stats import summary_ms
from demo.ledger import DemoLedger
from tracker.ledger.facade import prepare
from tracker.ledger.facade_values import CheckpointRequest, ReadPoint
from tracker.ledger.identity import load_enrolment

NOTE = (
    "against the SimulatedPeer (FAKE: no ordering service, one block per transaction, no "
    "endorsement policy); measures client and tracker overhead, not Fabric"
)
NETWORK_SETTINGS = (
    "do not apply: the SimulatedPeer has no ordering service (no BatchTimeout, "
    "MaxMessageCount or BatchSize; each transaction is cut into its own block when submitted) "
    "and serialises endorsement and commit under one lock"
)
CONCURRENCY = (1, 8, 32)
HUB = ReadPoint("0614141000029", "Hub Lyon")
CLIENTS = ("ledger_client", "official_node", "http_api")
_serials = iter(range(1, 10**9))


def sizes(concurrency: int, quick: bool) -> tuple[int, int]:
    """(warm-up, timed) transactions of one client at one concurrency."""
    if quick:
        return max(10, concurrency), {1: 20, 8: 40, 32: 64}[concurrency]
    return max(50, 2 * concurrency), {1: 200, 8: 400, 32: 960}[concurrency]


def drive(
    concurrency: int, items: list[Any], call: Callable[[Any], object], warmup: int
) -> dict[str, Any]:
    """Run `call` on every item with `concurrency` threads; the first `warmup` untimed."""
    warm = _threads(concurrency, items[:warmup], call)
    run = _threads(concurrency, items[warmup:], call)
    return {**run, "warmup": warmup, "warmup_errors": warm["errors"]}


Take = Callable[[int, int], Any]
"""take(scanner, n): scanner's n-th item (its first is 0), or None when it should stop."""


def scanners(count: int, take: Take, call: Callable[[Any], object]) -> dict[str, Any]:
    """THE scanner loop of every scan benchmark: `count` threads, each calling `call` on the
    items `take` gives it, back to back. Per call: (start, end) in perf_counter seconds; a
    failed call is no sample but an error (time, message)."""
    done: list[tuple[float, float]] = []  # list.append is atomic
    errors: list[tuple[float, str]] = []

    def scanner(index: int) -> None:
        for n in itertools.count():
            item = take(index, n)
            if item is None:
                return
            start = time.perf_counter()
            try:
                call(item)
            except Exception as error:  # counted and kept: a failed call is no sample
                message = f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
                errors.append((start, message))
                continue
            done.append((start, time.perf_counter()))

    workers = [threading.Thread(target=scanner, args=(i,)) for i in range(count)]
    started, cpu = time.perf_counter(), time.process_time()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    # cpu_s: of this process, the client under test or the HTTP load generator
    return {"done": done, "failed": errors, "wall_s": wall, "cpu_s": cpu}


def _threads(concurrency: int, items: list[Any], call: Callable[[Any], object]) -> dict[str, Any]:
    """Every item once, `concurrency` scanners taking the next one in turn."""
    pending: Iterator[Any] = iter(items)
    lock = threading.Lock()

    def take(_scanner: int, _n: int) -> Any:
        with lock:
            return next(pending, None)

    run = scanners(concurrency, take, call)
    return {
        "samples": [end - start for start, end in run["done"]],
        "wall_s": run["wall_s"],
        "cpu_s": run["cpu_s"],
        "errors": len(run["failed"]),
        "messages": [m for _, m in run["failed"][:5]],
    }


def summarise(result: dict[str, Any]) -> dict[str, Any]:
    """Percentiles and throughput (timed transactions / wall time), raw samples kept."""
    samples, wall = result["samples"], result["wall_s"]
    if not samples:
        raise RuntimeError(f"no timed transaction succeeded: {result['messages']}")
    rest = {k: v for k, v in result.items() if k not in ("samples", "wall_s", "cpu_s")}
    return {
        **summary_ms(samples),
        "wall_s": round(wall, 4),
        "throughput_tx_s": round(len(samples) / wall, 1),
        "caller_cpu_ms_per_tx": round(result["cpu_s"] / len(samples) * 1000, 3),
        **rest,
    }


def new_ssccs(count: int) -> list[str]:
    """SSCCs not used before in this run."""
    return [fixtures.make_sscc(next(_serials)) for _ in range(count)]


def create_shipments(ledger: DemoLedger, ssccs: list[str], threads: int = 8) -> None:
    """Untimed set-up: the producer's dispatcher creates the shipments, `threads` at a time."""
    with connect_as(ledger, DISPATCHER_ORG) as gateway:
        contract = gateway.network(CHANNEL).contract(CHAINCODE)
        arguments = [json.dumps(fixtures.shipment_request(sscc)) for sscc in ssccs]
        done = _threads(threads, arguments, lambda a: contract.submit("CreateShipment", a))
    if done["errors"]:
        raise RuntimeError(f"creating the benchmark's shipments failed: {done['messages']}")


def scan_argument(sscc: str) -> str:
    """RecordCheckpoint's argument, byte for byte what the tracker's API sends for a scan."""
    request = CheckpointRequest(
        sscc=sscc,
        client_scan_id=str(uuid.uuid4()),
        biz_step="departing",
        read_point=HUB,
        event_time=datetime.now(UTC),
    )
    return prepare(request).argument


def ledger_client(ledger: DemoLedger, concurrency: int, ssccs: list[str], warmup: int) -> Any:
    """(a) The project's Gateway client, one thread per scanner on one connection."""
    with connect_as(ledger, SCANNER_ORG) as gateway:
        contract = gateway.network(CHANNEL).contract(CHAINCODE)
        arguments = [scan_argument(sscc) for sscc in ssccs]

        def scan(argument: str) -> None:
            contract.submit("RecordCheckpoint", argument)

        result = drive(concurrency, arguments, scan, warmup)
    return {**result, "signature_ms": signature_ms(ledger)}


def signature_ms(ledger: DemoLedger, count: int = 200) -> float:
    """Milliseconds per signature of the project's signer (cryptography, OpenSSL); each
    submit signs three times: proposal, transaction envelope, commit status request."""
    _, signer = load_enrolment(SCANNER_ORG, ledger.msp_dirs[SCANNER_ORG])
    start = time.perf_counter()
    for _ in range(count):
        signer.sign(b"benchmark")
    return round((time.perf_counter() - start) / count * 1000, 3)


def http_api(tracker: ServedTracker, concurrency: int, ssccs: list[str], warmup: int) -> Any:
    """(b) The tracker's API over HTTP: 201 once committed, else an error."""
    headers = {"Authorization": f"Bearer {tracker.scanner_token}"}
    with httpx.Client(timeout=120, limits=httpx.Limits(max_connections=64)) as http:

        def scan(sscc: str) -> None:
            body = {
                "client_scan_id": str(uuid.uuid4()),
                "biz_step": "departing",
                "read_point": {"gln": HUB.gln, "name": HUB.name},
                "event_time": datetime.now(UTC).isoformat(),
            }
            url = f"{tracker.url}/api/v1/shipments/{sscc}/checkpoints"
            response = http.post(url, json=body, headers=headers)
            if response.status_code != 201:
                raise RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")

        return drive(concurrency, ssccs, scan, warmup)


def ratio(mine: dict[str, Any], official: dict[str, Any]) -> dict[str, float]:
    """mine / official: above 1 is slower (latency) or faster (throughput)."""
    keys = ("p50_ms", "p95_ms", "p99_ms", "throughput_tx_s")
    return {k: round(mine[k] / official[k], 2) if official[k] else 0.0 for k in keys}


def level(
    ledger: DemoLedger,
    tracker: ServedTracker,
    concurrency: int,
    warmup: int,
    timed: int,
    create_threads: int = 8,
) -> dict[str, Any]:
    """One row: the three clients at one concurrency, each on `warmup + timed` fresh
    shipments of its own (created first, untimed), in the order ledger, Node, HTTP."""
    batches = {client: new_ssccs(warmup + timed) for client in CLIENTS}
    all_ssccs = [sscc for batch in batches.values() for sscc in batch]
    create_shipments(ledger, all_ssccs, create_threads)
    row: dict[str, Any] = {"concurrency": concurrency}
    row["ledger_client"] = summarise(
        ledger_client(ledger, concurrency, batches["ledger_client"], warmup)
    )
    arguments = [scan_argument(sscc) for sscc in batches["official_node"]]
    row["official_node"] = summarise(official_node(ledger, concurrency, arguments, warmup))
    row["http_api"] = summarise(http_api(tracker, concurrency, batches["http_api"], warmup))
    row["ratio_ledger_client_to_official"] = ratio(row["ledger_client"], row["official_node"])
    row["ratio_http_api_to_official"] = ratio(row["http_api"], row["official_node"])
    return row


def scan_to_committed(quick: bool) -> dict[str, Any]:
    """The three clients at each concurrency, against one SimulatedPeer in its own process."""
    missing = node_available()
    if missing is not None:
        raise RuntimeError(f"scan -> committed needs the official Node client: {missing}")
    postgres = os.environ.get("TRACKER_TEST_POSTGRES_URL")
    load = [round(x, 2) for x in os.getloadavg()]  # other work on the machine skews figures
    with tempfile.TemporaryDirectory() as work, simulated_peer(Path(work) / "pki") as ledger:
        sqlite = f"sqlite:///{Path(work) / 'tracker.db'}"
        url = fresh_postgres(postgres, "bench_scan") if postgres else sqlite
        with served_tracker(Path(work) / "tracker", ledger, url) as tracker:
            rows = [level(ledger, tracker, c, *sizes(c, quick)) for c in CONCURRENCY]
    return {
        "note": NOTE,
        "machine": {"cores": os.cpu_count(), "load_average_at_start": load},
        "network_settings": NETWORK_SETTINGS,
        "transaction": "RecordCheckpoint (bizStep departing), each on a shipment of its own",
        "clock": "from the client call to the commit status (HTTP: to the 201 answer)",
        "warmup": "every client's first max(50, 2 x concurrency) transactions at each "
        "concurrency (--quick: max(10, concurrency)), run at that concurrency, are untimed and "
        "excluded",
        "order": "per concurrency: ledger client, official Node client, HTTP API",
        "caller_cpu": "caller_cpu_ms_per_tx: CPU time of the calling process per timed "
        "transaction (user + system): the client itself for the ledger and Node clients, the "
        "HTTP load generator (not the tracker) for the HTTP API",
        "ratios": "client / official Node client: latency above 1 is slower than the official "
        "client, throughput above 1 is more transactions per second",
        "peer": "SimulatedPeer in its own process (python -m bench.peer_process), so no client "
        "shares a GIL with it; all processes share the machine's cores",
        "http_server": f"tracker serve (gunicorn, {tracker.server}), database "
        f"{'PostgreSQL' if postgres else 'SQLite'}",
        "rows": rows,
    }
