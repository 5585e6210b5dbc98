"""Chat texts the shared `whatsapp.messages` module does not have (fr/en, pure).

Cold-chain alerts, refusals, "not found", the notice past the lookup limit and the reply
buttons under a provenance answer.
"""

from __future__ import annotations

from tracker.config import Templates
from tracker.whatsapp.messages import (
    Lang,
    ProvenanceView,
    TemplateMessage,
    status_change_template,
    status_change_text,
)
from tracker.whatsapp.messages import TemplateNames as MessageTemplateNames
from tracker.whatsapp.provider import ReplyButton

_ALERT = {
    "excursion": ("⚠️ Rupture de la chaîne du froid", "⚠️ Cold-chain excursion"),
    "breach": ("🛑 Chaîne du froid non conforme", "🛑 Cold-chain breach"),
}


def _pick(pair: tuple[str, str], lang: Lang) -> str:
    return pair[0] if lang == "fr" else pair[1]


def _number(value: float | None, lang: Lang) -> str:
    if value is None:
        return "?"
    text = f"{value:.1f}"
    return text.replace(".", ",") if lang == "fr" else text


def cold_chain_alert_text(view: ProvenanceView, lang: Lang) -> str:
    """Free-form alert for a verdict turning to excursion or breach."""
    title = _pick(_ALERT.get(view.verdict, _ALERT["excursion"]), lang)
    low, high = _number(view.temp_min, lang), _number(view.temp_max, lang)
    outside = "hors plage" if lang == "fr" else "outside"
    details = f"min {low} °C / max {high} °C, {view.minutes_outside} min {outside}"
    if view.mkt is not None:
        details += f", MKT {_number(view.mkt, lang)} °C"
    colon = " :" if lang == "fr" else ":"  # French typography: space before the colon
    return f"{title}{colon} {view.sscc}\n{details}\n{view.url}"


def cold_chain_alert_template(
    view: ProvenanceView, lang: Lang, templates: Templates
) -> TemplateMessage:
    """Template send of the same alert outside the 24-hour window."""
    return TemplateMessage(
        name=templates.cold_chain,
        language=templates.language(lang),
        body_parameters=(
            view.sscc,
            _pick(_ALERT.get(view.verdict, _ALERT["excursion"]), lang),
            f"{view.minutes_outside}",
        ),
        button_payloads=(f"REPORT:{view.sscc}", f"STOP:{view.sscc}"),
    )


def status_text(view: ProvenanceView, lang: Lang) -> str:
    """Free-form notification of a status change or the delivery."""
    return status_change_text(view, lang)


def status_template(view: ProvenanceView, lang: Lang, templates: Templates) -> TemplateMessage:
    """Template send of a status change with the configured name and languages."""
    names = MessageTemplateNames(
        status_change=templates.status, french=templates.lang_fr, english=templates.lang_en
    )
    return status_change_template(view, lang, names)


def not_found(sscc: str, lang: Lang) -> str:
    """The code is well formed but no shipment has it (yet)."""
    if lang == "fr":
        return f"Aucune expédition connue sous le code {sscc}."
    return f"No shipment is known under the code {sscc}."


def too_many_lookups(retry_after_s: int, lang: Lang) -> str:
    """Sent once to a stranger past the lookup limit; the next messages get no answer."""
    minutes = max(1, -(-retry_after_s // 60))
    if lang == "fr":
        return (
            "Vous avez envoyé beaucoup de demandes en peu de temps : nous vous répondrons de "
            f"nouveau dans {minutes} minute{'s' if minutes > 1 else ''} environ. Pour suivre "
            "une expédition, demandez son lien de suivi à son expéditeur."
        )
    return (
        "You have sent many requests in a short time: we will answer again in about "
        f"{minutes} minute{'s' if minutes > 1 else ''}. To follow a shipment, ask its sender "
        "for its tracking link."
    )


def subscribe_refused(sscc: str, lang: Lang) -> str:
    """Only contacts of the shipment's organisations may follow it."""
    if lang == "fr":
        return f"Seuls les partenaires de l'expédition {sscc} peuvent suivre ses changements."
    return f"Only the partners of shipment {sscc} can follow its changes."


def already_subscribed(sscc: str, lang: Lang) -> str:
    """The contact already follows this shipment."""
    if lang == "fr":
        return f"Vous suivez déjà {sscc}."
    return f"You already follow {sscc}."


def provenance_buttons(sscc: str, lang: Lang, *, subscribed: bool) -> tuple[ReplyButton, ...]:
    """Subscribe (or Stop) and Report buttons under a provenance answer."""
    if subscribed:
        follow = ReplyButton(f"STOP:{sscc}", "Se désabonner" if lang == "fr" else "Unsubscribe")
    else:
        follow = ReplyButton(f"SUBSCRIBE:{sscc}", "S'abonner" if lang == "fr" else "Subscribe")
    return follow, ReplyButton(f"REPORT:{sscc}", "Rapport" if lang == "fr" else "Report")


def report_caption(sscc: str, lang: Lang) -> str:
    """Caption of the provenance report PDF sent as a document (the phone draws its icon)."""
    if lang == "fr":
        return f"Rapport de provenance de l'expédition {sscc}, lu sur le registre."
    return f"Provenance report of shipment {sscc}, read from the ledger."
