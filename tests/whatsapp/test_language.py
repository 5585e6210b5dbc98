"""The language a contact wrote in, from the words of short chat messages."""

from __future__ import annotations

import pytest

from tracker.whatsapp.language import detect_language
from tracker.whatsapp.messages import Lang

CODE = "376123450000000017"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        (f"Bonjour, où en est le colis {CODE} ?", "fr"),
        (f"(00) {CODE} svp", "fr"),
        ("AIDE", "fr"),
        ("Arrêter les notifications", "fr"),
        ("S'abonner", "fr"),
        ("Palette abîmée", "fr"),
        (f"Where is my parcel {CODE}?", "en"),
        ("HELP", "en"),
        ("Stop updates", "en"),
        ("Unsubscribe", "en"),
        (CODE, None),  # a code alone says nothing
        ("STOP", None),  # the same word in both languages
        ("Rapport", None),
        ("", None),
    ],
)
def test_detect_language(text: str, lang: Lang | None) -> None:
    assert detect_language(text) == lang
