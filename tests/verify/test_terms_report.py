"""`tracker verify --report` checks a report's agreement, settlement, disputes (anchors,
resolution) and certificate checks against the ledger, naming each difference by its path.

The ledger is the simulated one (the real chaincode on the in-memory stub, its writes cut
into blocks, fabricsim/ledger.py); no CONFIG block precedes them, so the chain walk
is used here for its world state only, as `tracker verify` compares reports with it.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.pipeline.terms_journey import (
    CERTIFICATE,
    DISPUTE_ID,
    PRICE,
    SSCC,
    follow,
    new_sim,
    run_journey,
)
from tracker.reports.json_report import report_dict
from tracker.reports.outputs import shipment_report
from tracker.verify.chain import ChainWalk
from tracker.verify.compare import Mismatch
from tracker.verify.report import compare_report

CHANNEL = "supplychain"


@pytest.fixture
def ledger_and_report(
    tmp_path: Path, sessions: sessionmaker[Session]
) -> tuple[ChainWalk, dict[str, Any], dict[str, str]]:
    """The walked chain, the shipment's JSON report and the journey's tx ids."""
    sim = new_sim(tmp_path)
    tx_ids = run_journey(sim)
    follow(sim, sessions)
    with sessions() as session:
        report = json.loads(json.dumps(report_dict(shipment_report(session, CHANNEL, SSCC))))
    walk = ChainWalk()
    for block in sim.blocks:
        walk.add(block)
    return walk, report, tx_ids


def _compare(walk: ChainWalk, report: dict[str, Any]) -> list[Mismatch]:
    state = walk.state()
    return compare_report(report, {state.last_block: state}, walk.transactions, CHANNEL)


def test_the_report_carries_the_terms_and_verifies(ledger_and_report: Any) -> None:
    walk, report, tx_ids = ledger_and_report
    settlement = report["settlement"]
    assert report["agreement"]["status"] == "settled"
    assert settlement["refund_bp"] == 800
    assert settlement["refunded_to_buyer_minor"] == PRICE * 8 // 100 + 10_000
    assert {r["code"] for r in settlement["reasons"]} == {"late", "dispute_refund"}
    assert settlement["settled_tx"] == tx_ids["ConfirmDelivery"]
    (dispute,) = report["disputes"]
    assert (dispute["dispute_id"], dispute["leaf_count"]) == (DISPUTE_ID, 2)
    assert dispute["anchors"][0]["tx_id"] == tx_ids["AnchorConversation"]
    assert dispute["anchors"][0]["root"] == dispute["root"]
    assert dispute["resolution"]["resolved_tx"] == tx_ids["ResolveDispute"]
    checks = {c["sha256"]: c["check"] for c in report["certificate_checks"]["certificates"]}
    assert checks[CERTIFICATE] == "expired" and checks["a" * 64] == "unregistered"
    assert _compare(walk, report) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda r: r["settlement"].update(refunded_to_buyer_minor=0), "refunded_to_buyer_minor"),
        (lambda r: r["settlement"]["reasons"].pop(), "settlement.reasons"),
        (lambda r: r["disputes"][0]["anchors"][0].update(root="0" * 64), "anchors[0].root"),
        (lambda r: r["disputes"][0].update(leaf_count=3), "disputes[0].leaf_count"),
        (lambda r: r["disputes"][0]["resolution"].update(refund_minor=1), "refund_minor"),
        (lambda r: r["disputes"].clear(), "disputes"),
        (lambda r: r["agreement"].update(price_minor=1), "agreement.price_minor"),
        (
            lambda r: r["certificate_checks"]["certificates"][0].update(check="valid"),
            "certificate_checks.certificates[0].check",
        ),
        (lambda r: r.pop("settlement"), "settlement"),
    ],
)
def test_each_difference_is_named(ledger_and_report: Any, change: Any, field: str) -> None:
    walk, report, _ = ledger_and_report
    edited = copy.deepcopy(report)
    change(edited)
    found = _compare(walk, edited)
    assert found, field
    assert all(m.where == f"shipment {SSCC} terms" for m in found)
    assert any(field in m.field for m in found), [m.field for m in found]
