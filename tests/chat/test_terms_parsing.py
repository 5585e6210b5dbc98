"""DISPUTE / LITIGE and CERT / CERTIFICAT, typed or tapped (pure parsing)."""

from __future__ import annotations

import pytest

import gs1
from tracker.chat.parsing import (
    CertificateRequest,
    Command,
    Dispute,
    Help,
    MistypedCode,
    parse_button,
    parse_text,
)
from tracker.whatsapp.language import detect_language

BODY = "37612345000000071"
GOOD = BODY + str(gs1.check_digit(BODY))
BAD = BODY + str((gs1.check_digit(BODY) + 1) % 10)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"LITIGE {GOOD} retard de livraison", Dispute(GOOD, "late")),
        (f"litige {GOOD} colis abîmé", Dispute(GOOD, "damaged")),
        (f"DISPUTE {GOOD} temperature too high", Dispute(GOOD, "temperature")),
        (f"Dispute (00) {GOOD} two cases missing", Dispute(GOOD, "missing")),
        (f"DISPUTE {GOOD}", Dispute(GOOD, "other")),
        (f"CERT {GOOD}", CertificateRequest(GOOD)),
        (f"Certificats {GOOD}", CertificateRequest(GOOD)),
        ("LITIGE", Help()),
        ("CERT", Help()),
        (f"LITIGE {BAD}", MistypedCode(BAD, gs1.check_digit(BODY))),
    ],
)
def test_typed(text: str, expected: Command) -> None:
    assert parse_text(text) == expected


@pytest.mark.parametrize(
    ("payload", "title", "expected"),
    [
        (f"DISPUTE:{GOOD}", "Litige", Dispute(GOOD)),
        (f"CERT:{GOOD}", "Certificates", CertificateRequest(GOOD)),
        ("", f"Litige {GOOD}", Dispute(GOOD)),
    ],
)
def test_tapped(payload: str, title: str, expected: Command) -> None:
    assert parse_button(payload, title) == expected


def test_the_words_tell_the_language() -> None:
    assert detect_language(f"LITIGE {GOOD} retard") == "fr"
    assert detect_language(f"DISPUTE {GOOD} late") == "en"
    assert detect_language("Certificats") == "fr"
