"""Where a transaction's time goes on the real network: client phases, the nodes' own
metrics, CPU per process, and py-spy's samples of the chaincode server.

- client phases: the project's Gateway client's three calls (Endorse, Submit, CommitStatus)
  timed around its gRPC stub (`PhaseTimer`); what is left of a submit is the client's own work
  (building and signing the proposal, envelope and status request);
- the peers' and orderer's Prometheus histograms (operations endpoint `/metrics`), read before
  and after a run: mean seconds and count per phase in that run (`METRICS`);
- CPU seconds of every process of the pipeline in a run (peers and orderer from
  `process_cpu_seconds_total`, the chaincode server and this process from /proc), and the
  machine's busy CPU from /proc/stat (other users of the cores included);
- py-spy (`record --format raw`) on the chaincode server, when scripts/bench could install it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.ledger.gateway import Contract

if TYPE_CHECKING:
    from bench.fabric_network import BenchNetwork

GATEWAY_CALLS = ("Endorse", "Submit", "CommitStatus")
SPY_RATE_HZ = 100
# (label, node kind, metric, label filter): histograms whose _sum/_count a run moves.
METRICS: tuple[tuple[str, str, str, str], ...] = (
    ("gateway Endorse (gateway peer)", "gateway", "grpc_server_unary_request_duration",
     'method="Endorse"'),
    ("endorsement: proposal on a peer", "peers", "endorser_proposal_duration",
     'chaincode="provenance"'),
    ("chaincode GET_STATE round trip", "peers", "chaincode_shim_request_duration",
     'type="GET_STATE"'),
    ("chaincode PUT_STATE round trip", "peers", "chaincode_shim_request_duration",
     'type="PUT_STATE"'),
    ("gateway Submit (to the orderer)", "gateway", "grpc_server_unary_request_duration",
     'method="Submit"'),
    ("orderer: validate a transaction", "orderer", "broadcast_validate_duration", ""),
    ("orderer: enqueue a transaction", "orderer", "broadcast_enqueue_duration", ""),
    ("orderer: block fill (first tx -> cut)", "orderer", "blockcutter_block_fill_duration", ""),
    ("orderer: raft persist", "orderer", "consensus_etcdraft_data_persist_duration", ""),
    ("peer: validate a block", "gateway", "gossip_privdata_validation_duration", ""),
    ("peer: commit a block (all)", "gateway", "gossip_state_commit_duration", ""),
    ("peer: ledger block processing", "gateway", "ledger_block_processing_time", ""),
    ("peer: state db commit", "gateway", "ledger_statedb_commit_time", ""),
    ("peer: block storage commit", "gateway", "ledger_blockstorage_commit_time", ""),
    ("gateway CommitStatus (wait)", "gateway", "grpc_server_unary_request_duration",
     'method="CommitStatus"'),
)  # fmt: skip
_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? ([0-9.eE+-]+|NaN)$")


class PhaseTimer:
    """Times the Gateway stub's calls of a contract's connection, per call name."""

    def __init__(self, contract: Contract) -> None:
        """Wrap the stub every Contract of that connection uses (the bench's own connection:
        the client code under test is unchanged)."""
        self.samples: dict[str, list[float]] = {name: [] for name in GATEWAY_CALLS}
        session = contract._session  # noqa: SLF001 - the bench's own connection
        stub = session.gateway
        for name in GATEWAY_CALLS:
            setattr(_proxy(session), name, self._timed(getattr(stub, name), name))

    def clear(self) -> None:
        """Forget what was timed so far (a warm-up)."""
        for samples in self.samples.values():
            samples.clear()

    def summary(self, total_mean_ms: float | None) -> dict[str, Any]:
        """Mean and p50 ms of each call; the client's own share is the submit's mean less
        the three calls' means (proposal, envelope and status request built and signed)."""
        rows: dict[str, Any] = {}
        for name, samples in self.samples.items():
            ordered = sorted(samples)
            rows[name] = {
                "count": len(samples),
                "mean_ms": round(sum(samples) / len(samples) * 1000, 2) if samples else None,
                "p50_ms": round(ordered[len(ordered) // 2] * 1000, 2) if samples else None,
                "samples_s": [round(x, 6) for x in samples],
            }
        means = [r["mean_ms"] for r in rows.values()]
        if total_mean_ms is not None and None not in means:
            rows["client (build, sign, gRPC)"] = {
                "mean_ms": round(total_mean_ms - sum(means), 2),
                "note": "the submit's mean latency less the three calls' means",
            }
        return rows

    def _timed(self, call: Callable[..., Any], name: str) -> Callable[..., Any]:
        samples = self.samples[name]

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                samples.append(time.perf_counter() - start)

        return timed


def _proxy(session: Any) -> Any:
    """The session's stub replaced by a plain object whose attributes fall back to it."""
    if not isinstance(session.gateway, _StubProxy):
        session.gateway = _StubProxy(session.gateway)
    return session.gateway


class _StubProxy:
    def __init__(self, stub: Any) -> None:
        self._stub = stub

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stub, name)


def scrape(address: str) -> dict[str, float]:
    """A node's /metrics as {'name{labels}': value} (empty when it does not answer)."""
    try:
        with urllib.request.urlopen(f"http://{address}/metrics", timeout=3) as response:
            text = response.read().decode()
    except OSError:
        return {}
    found: dict[str, float] = {}
    for line in text.splitlines():
        match = _SAMPLE.match(line)
        if match:
            found[match.group(1) + (match.group(2) or "")] = float(match.group(3))
    return found


def _total(sample: Mapping[str, float], metric: str, having: str) -> float:
    return sum(
        v for k, v in sample.items() if k.split("{")[0] == metric and having in k.split("{")[-1]
    )


def metric_deltas(
    before: Mapping[str, Mapping[str, float]], after: Mapping[str, Mapping[str, float]],
    roles: Mapping[str, list[str]],
) -> list[dict[str, Any]]:  # fmt: skip
    """Per METRICS row: how many times the phase ran in the run and its mean milliseconds
    (summed over the nodes of its role: 'gateway', 'peers', 'orderer')."""
    rows = []
    for label, role, metric, having in METRICS:
        count = total = 0.0
        for node in roles[role]:
            count += _total(after[node], metric + "_count", having) - _total(
                before[node], metric + "_count", having
            )
            total += _total(after[node], metric + "_sum", having) - _total(
                before[node], metric + "_sum", having
            )
        mean = round(total / count * 1000, 2) if count else None
        rows.append({"phase": label, "metric": metric, "nodes": role, "count": int(count),
                     "mean_ms": mean})  # fmt: skip
    return rows


def _proc_cpu_s(pid: int) -> float:
    """utime + stime of a process and its reaped children's, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(f) for f in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def _machine_busy_s() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(values) - idle) / hz, sum(values) / hz


class CpuMeter:
    """CPU seconds each process of the pipeline used between `start` and `stop`."""

    def __init__(self, nodes: Mapping[str, str], pids: Mapping[str, int]) -> None:
        """`nodes`: name -> operations address (Go nodes); `pids`: name -> pid (others)."""
        self.nodes, self.pids = nodes, pids

    def read(self) -> dict[str, float]:
        """Every process's CPU seconds now, and the machine's busy and total seconds."""
        now: dict[str, float] = {}
        for name, address in self.nodes.items():
            now[name] = scrape(address).get("process_cpu_seconds_total", 0.0)
        for name, pid in self.pids.items():
            try:
                now[name] = _proc_cpu_s(pid)
            except OSError:
                now[name] = 0.0
        now["(this bench process)"] = time.process_time()
        now["_machine_busy"], now["_machine_total"] = _machine_busy_s()
        return now

    @staticmethod
    def per_tx(before: Mapping[str, float], after: Mapping[str, float], tx: int) -> Any:
        """CPU ms per committed transaction by process; what the machine as a whole used."""
        used = {k: after[k] - before[k] for k in before}
        machine, total = used.pop("_machine_busy"), used.pop("_machine_total")
        ours = sum(used.values())
        return {
            "transactions": tx,
            "cpu_ms_per_tx": {k: round(v / tx * 1000, 2) for k, v in used.items()} if tx else {},
            "pipeline_cpu_ms_per_tx": round(ours / tx * 1000, 2) if tx else None,
            "machine_busy_share": round(machine / total, 3) if total else None,
            "machine_busy_cpu_s": round(machine, 1),
            "pipeline_cpu_s": round(ours, 1),
            "others_cpu_s": round(machine - ours, 1),  # other helpers' work on the cores
        }


class Observation:
    """Metrics and CPU read before a run; `result` reads them again after it."""

    def __init__(self, fabric: BenchNetwork) -> None:
        """Read everything once now."""
        nodes = fabric.operations()
        self.roles = {
            "gateway": [fabric.gateway_node()],
            "peers": [n for n in nodes if n.startswith("peer")],
            "orderer": [n for n in nodes if n.startswith("orderer")],
        }
        pids = {"chaincode server (Python)": pid_of(fabric.net.root, "chaincode")}
        self.meter = CpuMeter(nodes, {k: v for k, v in pids.items() if v is not None})
        self.nodes = nodes
        self.metrics_before = {n: scrape(a) for n, a in nodes.items()}
        self.cpu_before = self.meter.read()
        self.after: tuple[dict[str, dict[str, float]], dict[str, float]] | None = None

    def stop(self) -> None:
        """Read everything again (once)."""
        if self.after is None:
            cpu = self.meter.read()
            self.after = ({n: scrape(a) for n, a in self.nodes.items()}, cpu)

    def result(self, transactions: int) -> dict[str, Any]:
        """Phases (mean ms, count) from the nodes' metrics and CPU per transaction."""
        self.stop()
        assert self.after is not None
        metrics, cpu = self.after
        return {
            "node_phases": metric_deltas(self.metrics_before, metrics, self.roles),
            "cpu": CpuMeter.per_tx(self.cpu_before, cpu, transactions),
        }


@contextmanager
def observed(fabric: BenchNetwork) -> Iterator[Observation]:
    """Metrics and CPU read around the body."""
    observation = Observation(fabric)
    try:
        yield observation
    finally:
        observation.stop()


def py_spy() -> str | None:
    """The py-spy executable scripts/bench installed, or one on the PATH; None without."""
    chosen = os.environ.get("PROVENANCE_BENCH_PY_SPY")
    if chosen and Path(chosen).is_file():
        return chosen
    return shutil.which("py-spy")


@contextmanager
def spied(pid: int | None, seconds: float) -> Iterator[dict[str, Any]]:
    """py-spy recording `pid` for `seconds` while the body runs; the top functions land in
    the yielded dict afterwards (or why there are none)."""
    found: dict[str, Any] = {}
    exe = py_spy()
    if exe is None or pid is None:
        found["skipped"] = "py-spy not installed" if exe is None else "no chaincode server pid"
        yield found
        return
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / "stacks.txt"
        argv = [exe, "record", "--pid", str(pid), "--duration", str(int(seconds))]
        argv += ["--rate", str(SPY_RATE_HZ), "--format", "raw", "--nonblocking"]
        argv += ["--output", str(out)]
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            yield found
        finally:
            _, err = process.communicate(timeout=seconds + 60)
        if process.returncode != 0 or not out.exists():
            found["skipped"] = f"py-spy failed ({process.returncode}): {err.decode()[-300:]}"
            return
        found.update(top_functions(out.read_text()))


def top_functions(raw: str, top: int = 10) -> dict[str, Any]:
    """From py-spy's collapsed stacks (idle threads left out): the share of samples in which
    each function was on the stack (inclusive) and at its top (self)."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [_frame(f) for f in stack.split(";")]
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    if not total:
        return {"samples": 0, "rate_hz": SPY_RATE_HZ, "inclusive_share": [], "self_share": []}
    wanted = [(f, n) for f, n in inclusive.most_common(80) if not f.startswith(_PLUMBING)]
    return {
        "samples": total,
        "rate_hz": SPY_RATE_HZ,
        "inclusive_share": [{"function": f, "share": round(n / total, 3)} for f, n in wanted][:top],
        "self_share": [
            {"function": f, "share": round(n / total, 3)} for f, n in own.most_common(top)
        ],
    }


_PLUMBING = ("<module>", "_run_", "run (", "Runner.", "BaseEventLoop.", "Thread.", "main (",
             "_bootstrap", "Handle._run")  # fmt: skip


def _frame(frame: str) -> str:
    return frame.split(" (")[0] + " (" + _file(frame) + ")"


def _file(frame: str) -> str:
    inside = frame.partition(" (")[2].rstrip(")")
    path = inside.split(":")[0]
    parts = Path(path).parts
    return "/".join(parts[-2:]) if parts else path


def pid_of(root: Path, name: str) -> int | None:
    """The pid scripts/network recorded for a node (None if it did not)."""
    try:
        return int((root / "pids" / f"{name}.pid").read_text().strip())
    except (OSError, ValueError):
        return None
