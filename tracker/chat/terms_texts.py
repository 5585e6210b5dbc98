"""Texts of settlements and disputes, in French and English (pure, no I/O).

Notifications (`terms_text` inside the 24-hour window, `terms_template` outside it) take the
facts queued by `chat.notify` (`settlement_facts`, `dispute_facts`); the dispute replies
answer the DISPUTE / LITIGE command. Amounts are minor units shown with their currency's
ISO 4217 decimals (`terms.money`).
"""

from __future__ import annotations

from typing import Any

from terms.money import format_minor
from tracker.config import Templates
from tracker.whatsapp.messages import Lang, TemplateMessage, short_tx
from tracker.whatsapp.provider import ReplyButton

_THIN_SPACE = "\u202f"  # French thousands separator
_OUTCOME = {
    "delivered": ("livrée", "delivered"),
    "undelivered": ("non livrée", "undelivered"),
    "returned": ("retournée", "returned"),
}
_REASON = {
    "late": ("retard", "late delivery"),
    "cold_chain_breach": ("chaîne du froid non conforme", "cold-chain breach"),
    "damaged": ("livrée endommagée", "delivered damaged"),
    "dispute_refund": ("litige", "dispute"),
    "undelivered": ("non livrée", "undelivered"),
    "returned": ("retournée", "returned"),
}
SUBJECTS = {
    "late": ("retard", "late"),
    "damaged": ("endommagé", "damaged"),
    "temperature": ("température", "temperature"),
    "missing": ("manquant", "missing"),
    "other": ("autre", "other"),
}
_HEADLINE = {
    "settlement": ("Règlement", "Settlement"),
    "dispute_opened": ("Litige ouvert", "Dispute opened"),
    "dispute_resolved": ("Litige résolu", "Dispute resolved"),
}


def _pick(pairs: dict[str, tuple[str, str]], key: str, lang: Lang) -> str:
    pair = pairs.get(key)
    if pair is None:
        return key.replace("_", " ")
    return pair[0] if lang == "fr" else pair[1]


def money(minor: int, currency: str, lang: Lang) -> str:
    """An amount in minor units with its currency's decimals (`terms.money`): "1 234,56 EUR"
    in French, "EUR 1,234.56" in English; "JPY 250,000", "KWD 1.250"."""
    if lang == "fr":
        return f"{format_minor(minor, currency, thousands=_THIN_SPACE, decimal=',')} {currency}"
    sign = "-" if minor < 0 else ""
    return f"{sign}{currency} {format_minor(abs(minor), currency, thousands=',')}"


def subject_label(subject: str, lang: Lang) -> str:
    """A dispute subject in words."""
    return _pick(SUBJECTS, subject, lang)


def _detail(facts: dict[str, Any], lang: Lang) -> str:
    event, currency = str(facts["event"]), str(facts.get("currency", ""))
    fr = lang == "fr"
    if event == "settlement":
        reasons = ", ".join(_pick(_REASON, str(r), lang) for r in facts.get("reasons", []))
        refunded = money(int(facts["refunded_minor"]), currency, lang)
        released = money(int(facts["released_minor"]), currency, lang)
        outcome = _pick(_OUTCOME, str(facts["outcome"]), lang)
        text = (
            f"{outcome} ; remboursé à l'acheteur {refunded}, versé au vendeur {released}"
            if fr
            else f"{outcome}; refunded to the buyer {refunded}, released to the seller {released}"
        )
        return f"{text} ({reasons})" if reasons else text
    dispute_id = str(facts["dispute_id"])
    if event == "dispute_opened":
        subject = subject_label(str(facts.get("subject", "other")), lang)
        return f"{dispute_id} (motif : {subject})" if fr else f"{dispute_id} (subject: {subject})"
    if facts.get("outcome") == "refund":
        amount = money(int(facts.get("refund_minor", 0)), currency, lang)
        verdict = f"remboursement de {amount}" if fr else f"refund of {amount}"
    else:
        verdict = "rejeté" if fr else "rejected"
    reason = str(facts.get("reason", "")).replace("\n", " ")
    return f"{dispute_id} : {verdict} ({reason})" if fr else f"{dispute_id}: {verdict} ({reason})"


def terms_text(facts: dict[str, Any], lang: Lang) -> str:
    """Free-form notification of a settlement, an opened or a resolved dispute."""
    headline = _pick(_HEADLINE, str(facts["event"]), lang)
    sign = "💶" if facts["event"] == "settlement" else "⚖️"
    colon = " :" if lang == "fr" else ":"
    return f"{sign} {headline} {facts['sscc']}{colon} {_detail(facts, lang)}."


def terms_template(facts: dict[str, Any], lang: Lang, templates: Templates) -> TemplateMessage:
    """Template send of the same notification outside the 24-hour window."""
    sscc = str(facts["sscc"])
    return TemplateMessage(
        name=templates.terms,
        language=templates.language(lang),
        body_parameters=(sscc, _pick(_HEADLINE, str(facts["event"]), lang), _detail(facts, lang)),
        button_payloads=(f"REPORT:{sscc}", f"STOP:{sscc}"),
    )


def dispute_opened(sscc: str, dispute_id: str, subject: str, tx_id: str, lang: Lang) -> str:
    """The answer to DISPUTE once the ledger recorded it."""
    label = subject_label(subject, lang)
    if lang == "fr":
        return (
            f"⚖️ Litige {dispute_id} ouvert sur le registre pour l'expédition {sscc} "
            f"(motif : {label}, tx {short_tx(tx_id)}).\n"
            "Cette conversation est conservée et ancrée sur le registre : seules les empreintes "
            "des messages y sont inscrites, jamais leur texte ni votre numéro. Écrivez-nous ici."
        )
    return (
        f"⚖️ Dispute {dispute_id} opened on the ledger for shipment {sscc} "
        f"(subject: {label}, tx {short_tx(tx_id)}).\n"
        "This conversation is kept and anchored on the ledger: only the messages' hashes are "
        "written there, never their text or your number. Write to us here."
    )


def dispute_noted(dispute_id: str, lang: Lang) -> str:
    """A message of a dispute's conversation that is no command: acknowledged."""
    if lang == "fr":
        return f"Message noté dans le litige {dispute_id} ; il sera ancré sur le registre."
    return f"Message noted in dispute {dispute_id}; it will be anchored on the ledger."


def dispute_already_open(sscc: str, dispute_id: str, lang: Lang) -> str:
    """The contact already has a dispute about this shipment."""
    if lang == "fr":
        return f"Un litige est déjà ouvert sur {sscc} : {dispute_id}. Écrivez-nous ici."
    return f"A dispute is already open on {sscc}: {dispute_id}. Write to us here."


def dispute_refused(sscc: str, code: str, lang: Lang) -> str:
    """The ledger refused the dispute (its error code, for the support desk)."""
    if lang == "fr":
        return f"Le litige sur {sscc} n'a pas pu être ouvert : le registre l'a refusé ({code})."
    return f"The dispute on {sscc} could not be opened: the ledger refused it ({code})."


def disputes_unavailable(lang: Lang) -> str:
    """This tracker has no ledger identity to open disputes with."""
    if lang == "fr":
        return "Les litiges ne peuvent pas être ouverts depuis ce service pour le moment."
    return "Disputes cannot be opened from this service at the moment."


def partners_only(sscc: str, lang: Lang) -> str:
    """DISPUTE and CERT are for contacts of the shipment's organisations."""
    if lang == "fr":
        return f"Seuls les partenaires de l'expédition {sscc} peuvent faire cette demande."
    return f"Only the partners of shipment {sscc} can ask this."


def certificates_button(sscc: str, lang: Lang) -> ReplyButton:
    """The button asking for the shipment's certificates (CERT:<sscc>)."""
    return ReplyButton(f"CERT:{sscc}", "Certificats" if lang == "fr" else "Certificates")


def dispute_button(sscc: str, lang: Lang) -> ReplyButton:
    """The button opening a dispute about the shipment (DISPUTE:<sscc>)."""
    return ReplyButton(f"DISPUTE:{sscc}", "Litige" if lang == "fr" else "Dispute")
