"""Reply texts in French and English, and the out-of-window template."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from tracker.whatsapp.messages import (
    Lang,
    ProvenanceView,
    TemplateMessage,
    TemplateNames,
    help_text,
    mistyped_hint,
    provenance_summary,
    public_answer,
    short_tx,
    status_change_template,
    status_change_text,
    subscribed,
    unsubscribed,
)
from tracker.whatsapp.provider import template_parameter

VIEW = ProvenanceView(
    sscc="306141411234567891",
    status="in_transit",
    custodian="Frigo Trans SA",
    last_place="Rungis",
    last_time=datetime(2025, 3, 12, 14, 5, tzinfo=UTC),
    verdict="excursion",
    temp_min=1.5,
    temp_max=9.5,
    minutes_outside=42,
    mkt=5.31,
    checkpoint_count=7,
    last_tx_id="a1b2c3d4e5f6a7b8c9d0e1f2",
    last_block=1042,
    url="https://tracker.example/s/306141411234567891",
    origin_name="Ferme du Bois",
    origin_verified=True,
)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "fr",
            "📦 Expédition 306141411234567891\n"
            "Statut : en transit\n"
            "Dépositaire : Frigo Trans SA\n"
            "Dernier passage : Rungis, 12/03/2025 14:05 UTC\n"
            "⚠️ rupture de la chaîne du froid (min 1,5 °C / max 9,5 °C, 42 min hors plage,"
            " MKT 5,3 °C)\n"
            "7 points de contrôle, tx a1b2c3d4…e1f2 (bloc 1042)\n"
            "https://tracker.example/s/306141411234567891",
        ),
        (
            "en",
            "📦 Shipment 306141411234567891\n"
            "Status: in transit\n"
            "Custodian: Frigo Trans SA\n"
            "Last seen: Rungis, 2025-03-12 14:05 UTC\n"
            "⚠️ cold-chain excursion (min 1.5 °C / max 9.5 °C, 42 min outside, MKT 5.3 °C)\n"
            "7 checkpoints, tx a1b2c3d4…e1f2 (block 1042)\n"
            "https://tracker.example/s/306141411234567891",
        ),
    ],
)
def test_provenance_summary(lang: Lang, expected: str) -> None:
    assert provenance_summary(VIEW, lang) == expected


@pytest.mark.parametrize(
    ("view", "lang", "line"),
    [
        (
            replace(VIEW, verdict="ok", minutes_outside=0, mkt=None),
            "en",
            "✅ cold chain respected (min 1.5 °C / max 9.5 °C)",
        ),
        (
            replace(VIEW, verdict="no_data", temp_min=None, temp_max=None),
            "fr",
            "❔ pas de relevé de température",
        ),
    ],
)
def test_cold_chain_line_variants(view: ProvenanceView, lang: Lang, line: str) -> None:
    assert provenance_summary(view, lang).splitlines()[4] == line


@pytest.mark.parametrize(
    ("view", "lang", "expected"),
    [
        (VIEW, "fr", "306141411234567891 : en transit. Origine vérifiée ✅ : Ferme du Bois."),
        (VIEW, "en", "306141411234567891: in transit. Origin verified ✅: Ferme du Bois."),
        (
            replace(VIEW, origin_verified=False, status="delivered"),
            "en",
            "306141411234567891: delivered. Origin unverified ❔: Ferme du Bois.",
        ),
        (
            replace(VIEW, status="quarantined"),
            "fr",
            "306141411234567891 : quarantined. Origine vérifiée ✅ : Ferme du Bois.",
        ),
    ],
)
def test_public_answer(view: ProvenanceView, lang: Lang, expected: str) -> None:
    assert public_answer(view, lang) == expected


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "fr",
            "Le code 306141411234567890 semble mal saisi : le dernier chiffre devrait être 1."
            " Vouliez-vous dire 306141411234567891 ?",
        ),
        (
            "en",
            "The code 306141411234567890 looks mistyped: its last digit should be 1."
            " Did you mean 306141411234567891?",
        ),
    ],
)
def test_mistyped_hint(lang: Lang, expected: str) -> None:
    assert mistyped_hint("306141411234567890", 1, lang) == expected


@pytest.mark.parametrize(
    ("lang", "words"),
    [("fr", ("ABONNER", "ARRET", "AIDE")), ("en", ("SUBSCRIBE", "STOP", "HELP"))],
)
def test_help_names_the_commands_of_its_language(lang: Lang, words: tuple[str, ...]) -> None:
    text = help_text(lang)
    assert all(word in text for word in words)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            subscribed("306141411234567891", "fr"),
            "C'est noté : vous serez prévenu des changements de statut de 306141411234567891.",
        ),
        (
            subscribed("306141411234567891", "en"),
            "Done: you will be notified of status changes of 306141411234567891.",
        ),
        (
            unsubscribed("306141411234567891", "fr"),
            "Vous ne recevrez plus les notifications de 306141411234567891.",
        ),
        (
            unsubscribed(None, "fr"),
            "Vous ne recevrez plus les notifications de toutes vos expéditions.",
        ),
        (unsubscribed(None, "en"), "You will no longer receive notifications for any shipment."),
        (
            status_change_text(VIEW, "en"),
            "🔔 306141411234567891 is now in transit (Rungis, 2025-03-12 14:05 UTC).\n"
            "https://tracker.example/s/306141411234567891",
        ),
        (
            status_change_text(VIEW, "fr"),
            "🔔 306141411234567891 est maintenant en transit (Rungis, 12/03/2025 14:05 UTC).\n"
            "https://tracker.example/s/306141411234567891",
        ),
    ],
)
def test_confirmations_and_notifications(text: str, expected: str) -> None:
    assert text == expected


@pytest.mark.parametrize(
    ("lang", "names", "expected"),
    [
        (
            "fr",
            None,
            TemplateMessage(
                "shipment_status_update",
                "fr",
                ("306141411234567891", "en transit", "Rungis", "12/03/2025 14:05 UTC"),
                ("REPORT:306141411234567891", "STOP:306141411234567891"),
            ),
        ),
        (
            "en",
            TemplateNames(status_change="suivi_v2", english="en_GB"),
            TemplateMessage(
                "suivi_v2",
                "en_GB",
                ("306141411234567891", "in transit", "Rungis", "2025-03-12 14:05 UTC"),
                ("REPORT:306141411234567891", "STOP:306141411234567891"),
            ),
        ),
    ],
)
def test_status_change_template(
    lang: Lang, names: TemplateNames | None, expected: TemplateMessage
) -> None:
    assert status_change_template(VIEW, lang, names) == expected


@pytest.mark.parametrize(
    ("tx", "short"), [("abc", "abc"), ("0123456789abcdef0123", "01234567…0123")]
)
def test_short_tx(tx: str, short: str) -> None:
    assert short_tx(tx) == short


@pytest.mark.parametrize(
    ("raw", "sent"),
    [
        ("Hub Lyon", "Hub Lyon"),
        ("Hub\nLyon", "Hub Lyon"),
        ("Hub\r\n\tLyon", "Hub Lyon"),
        ("Hub      Lyon", "Hub Lyon"),
        ("  Hub Lyon \n", "Hub Lyon"),
        ("Entrepôt\u2028Sud", "Entrepôt Sud"),
    ],
)
def test_template_parameter_is_one_line_with_single_spaces(raw: str, sent: str) -> None:
    assert template_parameter(raw) == sent


@pytest.mark.parametrize(
    ("step", "place", "lang", "line"),
    [
        ("sensor_reporting", "Hub Lyon", "en", "Last seen: temperature reading at Hub Lyon, "),
        (
            "sensor_reporting",
            "Hub Lyon",
            "fr",
            "Dernier passage : relevé de température à Hub Lyon, ",
        ),
        ("departing", "Rungis", "en", "Last seen: departure from Rungis, "),
        ("arriving", "Rungis", "fr", "Dernier passage : arrivée à Rungis, "),
        ("created", "Ferme du Bois", "en", "Last seen: created at Ferme du Bois, "),
        ("some_new_step", "Rungis", "en", "Last seen: some new step at Rungis, "),
    ],
)
def test_last_seen_names_the_step_and_the_place(
    step: str, place: str, lang: Lang, line: str
) -> None:
    view = replace(VIEW, last_step=step, last_place=place)
    [seen] = [
        x for x in provenance_summary(view, lang).splitlines() if "passage" in x or "seen" in x
    ]
    assert seen.startswith(line)
    assert "_" not in seen  # never a raw CBV code
