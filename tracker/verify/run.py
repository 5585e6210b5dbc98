"""`tracker verify`: re-reads the channel from block 0 and checks the tracker against it.

The CLI passes `Network.block_events(start_block=0, stop_at_newest=True)` as `blocks`; the
verification itself only needs an iterable of raw `common.Block` messages.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from tracker.verify.chain import ChainWalk, Failure, WorldState
from tracker.verify.compare import Mismatch, compare_read_model
from tracker.verify.epcis import compare_epcis
from tracker.verify.report import compare_csv_report, compare_report
from tracker.verify.sources import (
    EPCIS,
    SHIPMENT_CSV,
    SHIPMENT_JSON,
    ReadModel,
    ReportDocument,
    ReportFileError,
    load_read_model,
    load_report,
)

EMPTY = WorldState(-1, {}, {})


@dataclass(frozen=True)
class VerifyResult:
    """Counts of what was checked, and every failure and mismatch found."""

    blocks: int
    transactions: int
    valid: int
    invalid: tuple[tuple[str, int], ...]
    signatures_checked: int
    shipments: int
    checkpoints: int
    failures: tuple[Failure, ...]
    read_model: tuple[Mismatch, ...] | None
    report: tuple[Mismatch, ...] | None
    block_signatures_checked: int = 0
    orderer_rules: tuple[str, ...] = ()
    report_kind: str | None = None

    @property
    def passed(self) -> bool:
        """No chain failure and no mismatch with what was compared."""
        return not (self.failures or self.read_model or self.report)


def _read_report(path: str | Path) -> ReportDocument | Mismatch:
    try:
        return load_report(path)
    except OSError as error:
        return Mismatch("report", "file", "a readable file", f"{type(error).__name__}: {error}")
    except ReportFileError as error:
        wanted = "a shipment report (JSON or CSV) or an EPCIS document"
        return Mismatch("report", error.field, wanted, error.what)


def _model_state(walk: ChainWalk, final: WorldState, model: ReadModel) -> WorldState:
    # The follower may lag: compare with the chain as it was at the read model's last block.
    if model.last_block < 0:
        return EMPTY
    return walk.snapshots.get(model.last_block, final)


def _check_report(
    report: ReportDocument | Mismatch, walk: ChainWalk, final: WorldState
) -> list[Mismatch]:
    if isinstance(report, Mismatch):
        return [report]
    states = {**walk.snapshots, final.last_block: final}
    try:
        if report.kind == EPCIS:
            # EPCIS states no block: its events are compared with the newest state.
            return compare_epcis(report.content, final, walk.transactions)
        if report.kind == SHIPMENT_CSV:
            return compare_csv_report(report.content, states, walk.transactions, walk.channel)
        return compare_report(report.content, states, walk.transactions, walk.channel)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        # A report (or a ledger value) without the expected structure cannot be compared.
        wanted = f"a {report.kind} as the tracker writes it"
        return [Mismatch("report", "structure", wanted, f"{type(error).__name__}: {error}")]


def verify(
    blocks: Iterable[Any],
    *,
    sessions: sessionmaker[Session] | None = None,
    report_path: str | Path | None = None,
    report: ReportDocument | None = None,
    chaincode: str = "provenance",
    genesis_hash: bytes | None = None,
) -> VerifyResult:
    """Walk every block; compare the read model and/or a report (given parsed, or its path)."""
    model = load_read_model(sessions) if sessions is not None else None
    compared: ReportDocument | Mismatch | None = report
    if compared is None and report_path is not None:
        compared = _read_report(report_path)
    wanted = {model.last_block} if model is not None else set()
    report_block = compared.last_block if isinstance(compared, ReportDocument) else None
    if report_block is not None:
        wanted.add(report_block)  # an older report is compared with the chain as it was then
    walk = ChainWalk(chaincode=chaincode, snapshot_after=frozenset(wanted))
    for raw in blocks:
        walk.add(raw)
    if not walk.blocks:
        walk.failures.append(Failure("chain", "the peer delivered no block"))
    elif genesis_hash is not None and walk.blocks[0].header_hash != genesis_hash:
        walk.failures.append(Failure("block 0", "header hash is not the expected genesis hash"))
    final = walk.state()
    read_model = None
    if model is not None:
        state = _model_state(walk, final, model)
        read_model = tuple(compare_read_model(state, walk.blocks, walk.transactions, model))
    return VerifyResult(
        blocks=len(walk.blocks),
        transactions=walk.transaction_count,
        valid=walk.valid,
        invalid=tuple(sorted(walk.invalid.items())),
        signatures_checked=walk.signatures_checked,
        shipments=len(final.shipments),
        checkpoints=len(final.checkpoints),
        failures=tuple(walk.failures),
        read_model=read_model,
        report=None if compared is None else tuple(_check_report(compared, walk, final)),
        block_signatures_checked=walk.block_signatures_checked,
        orderer_rules=tuple(walk.orderer_rules),
        report_kind=compared.kind if isinstance(compared, ReportDocument) else None,
    )


def summary(result: VerifyResult) -> str:
    """One line of counts, and what the ledger was compared with."""
    codes = "".join(f", {n} {code}" for code, n in result.invalid)
    kind = result.report_kind
    report = "report" if kind in (None, SHIPMENT_JSON) else f"report ({kind})"
    sides = (("read model", result.read_model), (report, result.report))
    compared = ", ".join(name for name, part in sides if part is not None) or "nothing"
    return (
        f"{result.blocks} blocks, {result.transactions} transactions "
        f"({result.valid} VALID{codes}), {result.signatures_checked} signatures checked, "
        f"{result.block_signatures_checked} orderer block signatures checked, "
        f"{result.shipments} shipments and {result.checkpoints} checkpoints on the ledger; "
        f"compared with: {compared}"
    )


def _mismatch_lines(label: str, mismatches: tuple[Mismatch, ...] | None) -> list[str]:
    return [
        f"  {label}: {m.where}: {m.field}: ledger {m.ledger}, {label} {m.other}"
        for m in mismatches or ()
    ]


def _rules(result: VerifyResult) -> list[str]:
    return [f"  orderer signatures: {rule}" for rule in result.orderer_rules]


def render(result: VerifyResult) -> str:
    """`PASS <counts>` or `FAIL <counts>`, the block signature rule, then each failure."""
    if result.passed:
        return "\n".join([f"PASS {summary(result)}", *_rules(result)])
    lines = [f"FAIL {summary(result)}", *_rules(result)]
    lines += [f"  chain: {f.where}: {f.what}" for f in result.failures]
    lines += _mismatch_lines("read model", result.read_model)
    lines += _mismatch_lines("report", result.report)
    return "\n".join(lines)


def exit_code(result: VerifyResult) -> int:
    """0 when everything verified, 1 otherwise."""
    return 0 if result.passed else 1
