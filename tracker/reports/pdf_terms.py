"""The provenance PDF's commercial terms: agreement, settlement with its reasons, disputes
with their anchors and resolution, and the certificates with their check."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.platypus import Flowable  # type: ignore[import-untyped]

from records import Reporter
from records.deals import Agreement, Dispute, Settlement
from tracker.reports import pdf_common as pc
from tracker.reports.facts import Scalar
from tracker.reports.terms import TermsRecords, dispute_section, money, percent

AGREEMENT_HEADING = "Delivery agreement and settlement"
DISPUTES_HEADING = "Disputes"
CERTIFICATES_HEADING = "Certificates checked at the shipment's dates"


def _who(reporter: Reporter | None) -> str:
    if reporter is None:
        return "-"
    return f"{reporter.msp_id} {reporter.role or ''}".strip()


def agreement_pairs(agreement: Agreement) -> list[tuple[str, Scalar]]:
    """The agreement's terms and who proposed and accepted it."""
    currency, lateness = agreement.currency, agreement.lateness
    return [
        ("Seller / buyer", f"{agreement.seller} / {agreement.buyer}"),
        ("Price", money(agreement.price_minor, currency)),
        ("Promised delivery", agreement.promised_delivery),
        (
            "Lateness refund",
            f"{percent(lateness.bp_per_started_hour)} per started hour, "
            f"capped at {percent(lateness.cap_bp)}",
        ),
        ("Cold-chain breach refund", percent(agreement.breach_refund_bp)),
        ("Delivered-damaged refund", percent(agreement.damaged_refund_bp)),
        ("Who confirms delivery", ", ".join(agreement.confirm_roles)),
        ("Undelivered after", agreement.undelivered_after),
        ("Status", agreement.status),
        ("Proposed", f"{_who(agreement.proposed_by)}, tx {agreement.proposed_tx}"),
        ("Accepted", f"{_who(agreement.accepted_by)}, tx {agreement.accepted_tx or '-'}"),
    ]


def settlement_pairs(settlement: Settlement) -> list[tuple[str, Scalar]]:
    """The settlement's outcome and figures (the total is authoritative, README)."""
    currency = settlement.currency
    return [
        ("Outcome", settlement.outcome),
        ("Delivered at", settlement.delivered_at or "-"),
        ("Refund", percent(settlement.refund_bp)),
        ("Refunded to buyer", money(settlement.refunded_to_buyer_minor, currency)),
        ("Released to seller", money(settlement.released_to_seller_minor, currency)),
        ("Settled", f"{settlement.settled_at}, tx {settlement.settled_tx}"),
    ]


def reasons_table(settlement: Settlement, width: float) -> Flowable:
    """One row per reason: code, basis points, its own share, and the detail."""
    currency = settlement.currency
    rows: list[list[Scalar]] = [
        [pc.label(r.code), percent(r.bp), money(r.amount_minor, currency), r.detail]
        for r in settlement.reasons
    ] or [["-", "", "", "no refund: the full price is released"]]  # fmt: skip
    widths = [w * width for w in (0.18, 0.1, 0.17, 0.55)]
    return pc.data_table(["reason", "refund", "share", "detail"], rows, widths)


def dispute_rows(dispute: Dispute) -> list[tuple[str, Scalar]]:
    """A dispute's facts: what, who, its anchored root and each anchor, and its resolution."""
    shown = dispute_section(dispute)
    pairs: list[tuple[str, Scalar]] = [
        ("Dispute", f"{shown['dispute_id']}: {pc.label(shown['subject'])}, {shown['status']}"),
        ("Opened", f"{shown['opened_at']} for the {shown['raised_for']}, tx {shown['opened_tx']}"),
        ("Conversation root", f"{shown['root']} over {shown['leaf_count']} messages"),
    ]
    for anchor in dispute.anchors:
        pairs.append(
            (
                f"Anchor of messages {anchor.first_index + 1}-{anchor.first_index + anchor.count}",
                f"root {anchor.root}, tx {anchor.tx_id}, {anchor.recorded_at}",
            )
        )
    resolution = dispute.resolution
    if resolution is not None:
        amount = money(resolution.refund_minor, resolution.currency)
        what = f"refund {amount}" if resolution.outcome == "refund" else "rejected"
        when = "after" if resolution.after_settlement else "before"
        pairs.append(
            (
                "Resolution",
                f"{what} ({when} settlement): {resolution.reason}; tx {resolution.resolved_tx}",
            )
        )
    return pairs


def certificates_table(section: Mapping[str, Any], width: float) -> Flowable:
    """Each certificate with issuer, validity and its check at the shipment's window."""
    rows: list[list[Scalar]] = []
    for row in section["certificates"]:
        doc = row["certificate"] or {}
        issuer = f"{doc.get('issuer_name', '-')} ({doc.get('issuer_msp', '-')})" if doc else "-"
        valid = f"{doc['valid_from']} to {doc['valid_until']}" if doc else "-"
        rows.append([row["doc_type"], issuer, valid, str(row["check"]).upper(), row["sha256"]])
    widths = [w * width for w in (0.1, 0.17, 0.25, 0.12, 0.36)]
    header = ["type", "issuer", "valid", "check", "SHA-256"]
    return pc.data_table(header, rows, widths, mono=frozenset({4}))


def terms_blocks(terms: TermsRecords, width: float) -> list[Flowable]:
    """The sections, each only when the shipment has what it shows."""
    out: list[Flowable] = []
    if terms.agreement is not None:
        out += [pc.heading(AGREEMENT_HEADING), pc.kv_table(agreement_pairs(terms.agreement), width)]
        if terms.settlement is not None:
            out += [pc.kv_table(settlement_pairs(terms.settlement), width)]
            out += [reasons_table(terms.settlement, width)]
            out += [pc.body("Each reason's share is its own; the refund total is computed once "
                            "from the summed basis points and is authoritative.")]  # fmt: skip
        else:
            out += [pc.body("Not settled.")]
    if terms.disputes:
        out.append(pc.heading(DISPUTES_HEADING))
        for dispute in terms.disputes:
            out.append(pc.kv_table(dispute_rows(dispute), width))
    if terms.certificates:
        window = terms.certificates["window"]
        out += [
            pc.heading(CERTIFICATES_HEADING),
            pc.body(f"Window checked: {window['from']} to {window['to']}."),
            certificates_table(terms.certificates, width),
        ]
    return out
