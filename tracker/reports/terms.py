"""The report sections of a shipment's commercial terms, from the ledger's own records (pure).

`agreement` and `settlement` are the ledger's documents as committed; each dispute is shown
with its anchors (root, leaf count, tx ids) and resolution, without the leaf hashes; the
certificates (the shipment's own hashes and those registered for its SSCC or its lot) each
carry their check at the shipment's dates (`terms.certificates.validity`). `tracker verify
--report` builds the same sections from the blocks with these functions and compares.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from records import parse_instant, to_plain
from records.deals import Agreement, Dispute, RegisteredCertificate, Settlement
from terms.certificates import validity
from terms.money import format_minor

Document = Mapping[str, Any]
UNREGISTERED = "unregistered"


@dataclass(frozen=True)
class TermsRecords:
    """A shipment's agreement, settlement, disputes and certificates as the ledger holds them."""

    agreement: Agreement | None = None
    settlement: Settlement | None = None
    disputes: tuple[Dispute, ...] = ()
    certificates: dict[str, Any] = field(default_factory=dict)  # the section, see checks()

    def sections(self) -> dict[str, Any]:
        """The report's JSON sections (the records in the ledger's JSON shape)."""
        return {
            "agreement": to_plain(self.agreement),
            "settlement": to_plain(self.settlement),
            "disputes": [dispute_section(d) for d in self.disputes],
            "certificate_checks": self.certificates or None,
        }


def dispute_section(dispute: Dispute) -> dict[str, Any]:
    """A dispute without its leaf hashes: their count and root stand for them."""
    return {
        "dispute_id": dispute.dispute_id,
        "subject": dispute.subject,
        "raised_for": dispute.raised_for,
        "status": dispute.status,
        "opened_by": to_plain(dispute.opened_by),
        "opened_tx": dispute.opened_tx,
        "opened_at": dispute.opened_at,
        "leaf_count": len(dispute.leaves),
        "root": dispute.root,
        "anchors": to_plain(dispute.anchors),
        "resolution": to_plain(dispute.resolution),
    }


def delivered_at(shipment: Document, checkpoints: Sequence[Document]) -> str | None:
    """When a delivered shipment was delivered, as the chaincode's certificate window and
    settlement take it: of its last `delivery` checkpoint, the earlier of the claimed event
    time and the recording time (a receiver cannot claim a later delivery than it recorded)."""
    if shipment.get("status") != "delivered":
        return None
    for doc in reversed(checkpoints):
        if doc.get("kind") == "delivery":
            event, recorded = str(doc["event_time"]), str(doc["recorded_at"])
            return event if parse_instant(event) <= parse_instant(recorded) else recorded
    return None


def covers(shipment: Document, certificate: RegisteredCertificate) -> bool:
    """Whether a registered certificate's subject is this shipment or its lot."""
    subject = certificate.subject
    if "sscc" in subject:
        return bool(subject["sscc"] == shipment["sscc"])
    product = shipment["product"]
    return bool(subject.get("gtin") == product["gtin"] and subject.get("lot") == product["lot"])


def checks(
    shipment: Document, delivered: str | None, registered: Mapping[str, RegisteredCertificate]
) -> dict[str, Any]:
    """The certificate section: the window checked and one row per certificate, by hash
    ({} when the shipment has none, so a report without terms stays as it was).

    `registered`: the ledger's certificate records by SHA-256 (those covering the shipment are
    picked here, plus any registered under one of the shipment's own hashes).
    """
    window = {"from": shipment["created_at"], "to": delivered or shipment["updated_at"]}
    own = {c["sha256"]: c["doc_type"] for c in shipment.get("certificates") or ()}
    picked = {sha: doc for sha, doc in registered.items() if sha in own or covers(shipment, doc)}
    rows = []
    for sha in sorted(set(own) | set(picked)):
        doc = picked.get(sha)
        check = UNREGISTERED
        if doc is not None:
            check = validity(doc.valid_from, doc.valid_until, window["from"], window["to"])
        rows.append(
            {
                "sha256": sha,
                "doc_type": doc.doc_type if doc is not None else own[sha],
                "registered": doc is not None,
                "certificate": None if doc is None else to_plain(doc),
                "check": check,
            }
        )
    return {"window": window, "certificates": rows} if rows else {}


def money(amount_minor: int, currency: str) -> str:
    """An amount in minor units for reading, with the currency's ISO 4217 decimals
    (`terms.money`): 123456 EUR -> "1234.56 EUR", 5000 JPY -> "5000 JPY" (integers only)."""
    return f"{format_minor(amount_minor, currency)} {currency}"


def percent(bp: int) -> str:
    """Basis points for reading: 850 -> "8.50 %"."""
    return f"{bp // 100}.{bp % 100:02d} %"


def records(
    agreement: Agreement | None,
    settlement: Settlement | None,
    disputes: Sequence[Dispute],
    certificates: dict[str, Any],
) -> TermsRecords:
    """A TermsRecords from the ledger's records, with the disputes in id order."""
    ordered = tuple(sorted(disputes, key=lambda d: d.dispute_id))
    return TermsRecords(agreement, settlement, ordered, certificates)
