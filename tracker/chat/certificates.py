"""The answer to CERT / CERTIFICAT <code> and the CERT:<sscc> button, from the read model,
and the terms button under a provenance answer.

For each certificate of the shipment (its own hashes, and those registered for its SSCC or
its lot): issuer, type, validity dates and whether it held over the shipment's dates, the
window the reports use (created -> delivered, else last update), checked with
`terms.certificates.validity` by `tracker.reports.terms_source`, so chat and reports agree.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from records import InvalidInstant, decode, parse_instant
from records.deals import RegisteredCertificate
from tracker.chat import terms_texts, texts
from tracker.chat.provenance import shipment_parties
from tracker.reports.terms_source import shipment_terms
from tracker.store.agreements import AgreementRow
from tracker.store.contacts import Contact
from tracker.store.readmodel import ShipmentRow
from tracker.whatsapp.messages import Lang
from tracker.whatsapp.provider import ReplyButton

_CHECK = {
    "valid": ("✅ valide aux dates de l'expédition", "✅ valid at the shipment's dates"),
    "expired": ("⛔ expiré aux dates de l'expédition", "⛔ expired at the shipment's dates"),
    "not_yet_valid": (
        "⏳ pas encore valide aux dates de l'expédition",
        "⏳ not yet valid at the shipment's dates",
    ),
    "unregistered": ("❔ non enregistré sur le registre", "❔ not registered on the ledger"),
}


def _pick(pair: tuple[str, str], lang: Lang) -> str:
    return pair[0] if lang == "fr" else pair[1]


def _day(text: str, lang: Lang) -> str:
    try:
        moment = parse_instant(text)
    except InvalidInstant:
        return text
    return moment.strftime("%d/%m/%Y" if lang == "fr" else "%Y-%m-%d")


def _certificate_lines(row: dict[str, Any], lang: Lang) -> list[str]:
    check = _pick(_CHECK.get(str(row["check"]), _CHECK["unregistered"]), lang)
    kind = str(row.get("doc_type", "")).replace("_", " ")
    if row.get("certificate") is None:
        return [f"🏷️ {kind} ({str(row['sha256'])[:12]}…)", check]
    doc = decode(RegisteredCertificate, row["certificate"], "certificate")
    issuer = f"{doc.issuer_name} ({doc.issuer_msp})"
    start, end = _day(doc.valid_from, lang), _day(doc.valid_until, lang)
    validity = f"valide du {start} au {end}" if lang == "fr" else f"valid {start} to {end}"
    by = "par" if lang == "fr" else "by"
    return [f"🏷️ {kind} {by} {issuer}", validity, check]


def certificates_answer(session: Session, sscc: str, lang: Lang) -> str:
    """The certificates of a shipment the read model knows, each with its check."""
    section = shipment_terms(session, sscc).certificates
    rows = section.get("certificates") or []
    if not rows:
        if lang == "fr":
            return f"Aucun certificat n'est attaché à l'expédition {sscc}."
        return f"No certificate is attached to shipment {sscc}."
    window = section["window"]
    start, end = _day(str(window["from"]), lang), _day(str(window["to"]), lang)
    if lang == "fr":
        head = f"📜 Certificats de l'expédition {sscc} (du {start} au {end}) :"
    else:
        head = f"📜 Certificates of shipment {sscc} ({start} to {end}):"
    blocks = ["\n".join(_certificate_lines(row, lang)) for row in rows]
    return "\n\n".join([head, *blocks])


def certificates_reply(
    session: Session, contact: Contact, sscc: str, lang: Lang
) -> tuple[str, tuple[ReplyButton, ...]]:
    """CERT's text and buttons; the provenance answer's rule: contacts of a party only."""
    parties = shipment_parties(session, sscc)
    if parties is None:
        return texts.not_found(sscc, lang), ()
    if contact.org_msp_id not in parties:
        return terms_texts.partners_only(sscc, lang), ()
    return certificates_answer(session, sscc, lang), (terms_texts.dispute_button(sscc, lang),)


_DISPUTABLE = frozenset({"delivered", "returned", "exception"})


def terms_button(session: Session, sscc: str, lang: Lang) -> tuple[ReplyButton, ...]:
    """The third button under a provenance answer: Dispute once there is something to
    dispute (delivered, returned, in exception, or under an agreement), else Certificates
    when the shipment has some, else none."""
    row = session.get(ShipmentRow, sscc)
    if row is None:
        return ()
    if row.status in _DISPUTABLE or session.get(AgreementRow, sscc) is not None:
        return (terms_texts.dispute_button(sscc, lang),)
    if shipment_terms(session, sscc).certificates:
        return (terms_texts.certificates_button(sscc, lang),)
    return ()
