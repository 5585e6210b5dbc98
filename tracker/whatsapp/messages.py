"""Reply texts (French and English) and notification templates (pure, no I/O).

Inside the 24-hour customer-service window the tracker may send free-form texts
(`status_change_text`); outside it only a pre-approved template
(`status_change_template`, names configurable through `TemplateNames`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Lang = Literal["fr", "en"]
Verdict = Literal["ok", "excursion", "breach", "no_data"]

_STATUS = {
    "created": ("créée", "created"),
    "in_transit": ("en transit", "in transit"),
    "at_custodian": ("chez le dépositaire", "at custodian"),
    "at_hub": ("en plateforme", "at hub"),
    "out_for_delivery": ("en cours de livraison", "out for delivery"),
    "returned": ("retournée", "returned"),
    "exception": ("en anomalie", "in exception"),
    "delivered": ("livrée", "delivered"),
    "recalled": ("rappelée", "recalled"),
}
_VERDICT = {
    "ok": ("✅ chaîne du froid respectée", "✅ cold chain respected"),
    "excursion": ("⚠️ rupture de la chaîne du froid", "⚠️ cold-chain excursion"),
    "breach": ("🛑 chaîne du froid non conforme", "🛑 cold-chain breach"),
    "no_data": ("❔ pas de relevé de température", "❔ no temperature readings"),
}


@dataclass(frozen=True, slots=True)
class ProvenanceView:
    """What the replies need to know about one shipment, already read from the ledger."""

    sscc: str
    status: str
    custodian: str
    last_place: str
    last_time: datetime
    verdict: Verdict
    temp_min: float | None
    temp_max: float | None
    minutes_outside: int
    mkt: float | None  # mean kinetic temperature, °C
    checkpoint_count: int
    last_tx_id: str
    last_block: int
    url: str
    origin_name: str
    origin_verified: bool
    # CBV bizStep of the latest checkpoint ("sensor_reporting", ...), "created" before any;
    # "" when unknown (views queued before it existed), then only the place is shown.
    last_step: str = ""


@dataclass(frozen=True, slots=True)
class TemplateNames:
    """Names of the Meta-approved templates, per deployment."""

    status_change: str = "shipment_status_update"
    french: str = "fr"
    english: str = "en_US"

    def language(self, lang: Lang) -> str:
        """Meta language code of the template translation for `lang`."""
        return self.french if lang == "fr" else self.english


@dataclass(frozen=True, slots=True)
class TemplateMessage:
    """A template send: name, language code, body parameters, quick-reply payloads."""

    name: str
    language: str
    body_parameters: tuple[str, ...]
    button_payloads: tuple[str, ...]


# What a CBV bizStep means to a reader, and the preposition before the place, fr then en.
_STEPS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "created": (("création", "à"), ("created", "at")),
    "shipping": (("expédition", "depuis"), ("shipping", "from")),
    "departing": (("départ", "de"), ("departure", "from")),
    "arriving": (("arrivée", "à"), ("arrival", "at")),
    "receiving": (("réception", "à"), ("receipt", "at")),
    "storing": (("stockage", "à"), ("storage", "at")),
    "unloading": (("déchargement", "à"), ("unloading", "at")),
    "loading": (("chargement pour livraison", "à"), ("loading for delivery", "at")),
    "transporting": (("transport", "via"), ("transport", "via")),
    "inspecting": (("inspection", "à"), ("inspection", "at")),
    "sensor_reporting": (("relevé de température", "à"), ("temperature reading", "at")),
    "holding": (("mise en attente", "à"), ("holding", "at")),
}


def _pick(pair: tuple[str, str], lang: Lang) -> str:
    return pair[0] if lang == "fr" else pair[1]


def last_seen(view: ProvenanceView, lang: Lang) -> str:
    """The latest event as a reader says it: "temperature reading at Hub Lyon"."""
    if not view.last_step:
        return view.last_place
    known = _STEPS.get(view.last_step)
    if known is None:  # a step this table does not know yet: its words, never the raw code
        step, preposition = view.last_step.replace("_", " "), "à" if lang == "fr" else "at"
    else:
        step, preposition = known[0] if lang == "fr" else known[1]
    return f"{step} {preposition} {view.last_place}" if view.last_place else step


def status_label(status: str, lang: Lang) -> str:
    """Human label of a shipment status; unknown statuses are shown as they are."""
    pair = _STATUS.get(status)
    return _pick(pair, lang) if pair else status


def verdict_label(verdict: Verdict, lang: Lang) -> str:
    """Human label of a cold-chain verdict, with its sign (✅, ⚠️, 🛑, ❔)."""
    return _pick(_VERDICT[verdict], lang)


def _number(value: float, lang: Lang) -> str:
    text = f"{value:.1f}"
    return text.replace(".", ",") if lang == "fr" else text


def _when(moment: datetime, lang: Lang) -> str:
    pattern = "%d/%m/%Y %H:%M" if lang == "fr" else "%Y-%m-%d %H:%M"
    return moment.strftime(pattern) + " " + (moment.tzname() or "UTC")


def short_tx(tx_id: str) -> str:
    """Shorten a transaction id for a phone screen: first 8 and last 4 characters."""
    return tx_id if len(tx_id) <= 14 else f"{tx_id[:8]}…{tx_id[-4:]}"


def _cold_chain(view: ProvenanceView, lang: Lang) -> str:
    line = _pick(_VERDICT[view.verdict], lang)
    if view.temp_min is None or view.temp_max is None:
        return line
    low, high = _number(view.temp_min, lang), _number(view.temp_max, lang)
    parts = [f"min {low} °C / max {high} °C"]
    if view.minutes_outside:
        parts.append(f"{view.minutes_outside} min " + ("hors plage" if lang == "fr" else "outside"))
    if view.mkt is not None:
        parts.append(f"MKT {_number(view.mkt, lang)} °C")
    return f"{line} ({', '.join(parts)})"


def _field(fr_label: str, en_label: str, value: str, lang: Lang) -> str:
    # French typography puts a space before the colon.
    return f"{fr_label} : {value}" if lang == "fr" else f"{en_label}: {value}"


def provenance_summary(view: ProvenanceView, lang: Lang) -> str:
    """Full provenance answer for a tracking query by a known contact."""
    fr = lang == "fr"
    seen = f"{last_seen(view, lang)}, {_when(view.last_time, lang)}"
    chain = (
        f"{view.checkpoint_count} {'points de contrôle' if fr else 'checkpoints'}, "
        f"tx {short_tx(view.last_tx_id)} ({'bloc' if fr else 'block'} {view.last_block})"
    )
    lines = [
        f"📦 {'Expédition' if fr else 'Shipment'} {view.sscc}",
        _field("Statut", "Status", status_label(view.status, lang), lang),
        _field("Dépositaire", "Custodian", view.custodian, lang),
        _field("Dernier passage", "Last seen", seen, lang),
        _cold_chain(view, lang),
        chain,
        view.url,
    ]
    return "\n".join(lines)


def public_answer(view: ProvenanceView, lang: Lang) -> str:
    """Short answer for anyone holding the code: status and origin only."""
    mark = "✅" if view.origin_verified else "❔"
    if lang == "fr":
        origin = "vérifiée" if view.origin_verified else "non vérifiée"
        return (
            f"{view.sscc} : {status_label(view.status, lang)}. "
            f"Origine {origin} {mark} : {view.origin_name}."
        )
    origin = "verified" if view.origin_verified else "unverified"
    return (
        f"{view.sscc}: {status_label(view.status, lang)}. "
        f"Origin {origin} {mark}: {view.origin_name}."
    )


def mistyped_hint(digits: str, expected_check_digit: int, lang: Lang) -> str:
    """Explain that the last digit does not match and suggest the corrected code."""
    corrected = digits[:-1] + str(expected_check_digit)
    if lang == "fr":
        return (
            f"Le code {digits} semble mal saisi : le dernier chiffre devrait être "
            f"{expected_check_digit}. Vouliez-vous dire {corrected} ?"
        )
    return (
        f"The code {digits} looks mistyped: its last digit should be "
        f"{expected_check_digit}. Did you mean {corrected}?"
    )


def help_text(lang: Lang) -> str:
    """List the commands a contact can send."""
    if lang == "fr":
        return (
            "Envoyez le code SSCC (18 chiffres) d'une expédition pour voir sa provenance.\n"
            "ABONNER <code> : recevoir ses changements de statut\n"
            "ARRET <code> : ne plus les recevoir (ARRET seul : tout arrêter)\n"
            "CERTIFICAT <code> : ses certificats et s'ils étaient valides à ses dates\n"
            "LITIGE <code> [motif] : ouvrir un litige (retard, endommagé, température, "
            "manquant) ; la conversation est ancrée sur le registre\n"
            "AIDE : ce message"
        )
    return (
        "Send a shipment's SSCC code (18 digits) to see its provenance.\n"
        "SUBSCRIBE <code>: get its status changes\n"
        "STOP <code>: stop them (STOP alone: stop everything)\n"
        "CERT <code>: its certificates and whether they were valid at its dates\n"
        "DISPUTE <code> [subject]: open a dispute (late, damaged, temperature, missing); "
        "the conversation is anchored on the ledger\n"
        "HELP: this message"
    )


def subscribed(sscc: str, lang: Lang) -> str:
    """Confirm a subscription."""
    if lang == "fr":
        return f"C'est noté : vous serez prévenu des changements de statut de {sscc}."
    return f"Done: you will be notified of status changes of {sscc}."


def unsubscribed(sscc: str | None, lang: Lang) -> str:
    """Confirm an unsubscription from one shipment or from all."""
    if lang == "fr":
        target = f"de {sscc}" if sscc else "de toutes vos expéditions"
        return f"Vous ne recevrez plus les notifications {target}."
    target = f"for {sscc}" if sscc else "for any shipment"
    return f"You will no longer receive notifications {target}."


def status_change_text(view: ProvenanceView, lang: Lang) -> str:
    """Free-form notification of a status change (inside the 24-hour window)."""
    status = status_label(view.status, lang)
    when = _when(view.last_time, lang)
    if lang == "fr":
        return f"🔔 {view.sscc} est maintenant {status} ({view.last_place}, {when}).\n{view.url}"
    return f"🔔 {view.sscc} is now {status} ({view.last_place}, {when}).\n{view.url}"


def status_change_template(
    view: ProvenanceView, lang: Lang, names: TemplateNames | None = None
) -> TemplateMessage:
    """Template send for the same notification outside the 24-hour window."""
    names = names or TemplateNames()
    return TemplateMessage(
        name=names.status_change,
        language=names.language(lang),
        body_parameters=(
            view.sscc,
            status_label(view.status, lang),
            view.last_place,
            _when(view.last_time, lang),
        ),
        button_payloads=(f"REPORT:{view.sscc}", f"STOP:{view.sscc}"),
    )
