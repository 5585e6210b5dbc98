"""Command parsing from texts and button payloads."""

from __future__ import annotations

import pytest

from tracker.chat.parsing import (
    Command,
    Help,
    MistypedCode,
    ReportRequest,
    Stop,
    Subscribe,
    TrackingQuery,
    Unknown,
    parse_button,
    parse_button_payload,
    parse_text,
)

GOOD = "306141411234567891"  # check digit 1 (GS1 mod 10 of 30614141123456789)
GOOD_2 = "376123450000000016"


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("HELP", Help()),
        ("help", Help()),
        ("Aide", Help()),
        ("?", Help()),
        (f"SUBSCRIBE {GOOD}", Subscribe(GOOD)),
        ("abonner (00) 3 0614141 123456789 1", Subscribe(GOOD)),
        ("SUBSCRIBE", Help()),
        (f"STOP {GOOD}", Stop(GOOD)),
        ("STOP", Stop(None)),
        ("stop all", Stop(None)),
        ("ARRÊT", Stop(None)),
        ("arret tout", Stop(None)),
        (f"Arrêt {GOOD_2}", Stop(GOOD_2)),
        ("stop spamming me", Unknown("stop spamming me")),
        (GOOD, TrackingQuery(GOOD)),
        ("(00) 3 0614141 123456789 1", TrackingQuery(GOOD)),
        ("(00)306141411234567891", TrackingQuery(GOOD)),
        (f"00{GOOD}", TrackingQuery(GOOD)),
        (f"Bonjour, où en est le colis {GOOD} svp ?", TrackingQuery(GOOD)),
        ("where is 3\u00a006141411\u00a0234567891?", TrackingQuery(GOOD)),
        # The brief's example "(00) 3 0614141 123456789 0" has a wrong check digit: 1 is right.
        ("(00) 3 0614141 123456789 0", MistypedCode("306141411234567890", 1)),
        (f"SUBSCRIBE {GOOD[:-1]}7", MistypedCode(GOOD[:-1] + "7", 1)),
        ("call me at 0612345678", Unknown("call me at 0612345678")),
        ("12345678901234567", Unknown("12345678901234567")),
        ("", Unknown("")),
        ("bonjour", Unknown("bonjour")),
    ],
)
def test_parse_text(text: str, command: Command) -> None:
    assert parse_text(text) == command


def test_mistyped_code_suggests_the_corrected_code() -> None:
    mistyped = parse_text("(00) 3 0614141 123456789 0")
    assert isinstance(mistyped, MistypedCode) and mistyped.corrected == GOOD


def test_a_valid_code_wins_over_an_earlier_mistyped_one() -> None:
    assert parse_text(f"306141411234567890 non pardon {GOOD}") == TrackingQuery(GOOD)


@pytest.mark.parametrize(
    ("payload", "command"),
    [
        (f"SUBSCRIBE:{GOOD}", Subscribe(GOOD)),
        (f"STOP:{GOOD}", Stop(GOOD)),
        (f"REPORT:{GOOD}", ReportRequest(GOOD)),
        (f"report:{GOOD}", ReportRequest(GOOD)),
        (f"REPORT:{GOOD[:-1]}0", MistypedCode(GOOD[:-1] + "0", 1)),
        ("REPORT:123", Unknown("REPORT:123")),
        ("DELETE:306141411234567891", Unknown("DELETE:306141411234567891")),
    ],
)
def test_parse_button_payload(payload: str, command: Command) -> None:
    assert parse_button_payload(payload) == command


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("Stop updates", Stop(None)),
        ("stop all updates please", Stop(None)),
        ("Arrêter les notifications", Stop(None)),
        ("arrêter le suivi", Stop(None)),
        ("Arrêter les mises à jour", Stop(None)),
        (f"stop updates for {GOOD}", Stop(GOOD)),
        ("stop spamming me", Unknown("stop spamming me")),
    ],
)
def test_stop_phrases_a_template_button_may_carry(text: str, command: Command) -> None:
    assert parse_text(text) == command


@pytest.mark.parametrize(
    ("payload", "text", "command"),
    [
        (f"STOP:{GOOD}", "Stop updates", Stop(GOOD)),  # the tracker's payload wins
        ("Stop updates", "Stop updates", Stop(None)),  # a template button's payload: its text
        ("STOP", "Stop", Stop(None)),
        ("ARRET", "Arrêter", Stop(None)),
        ("btn_2", "Arrêter le suivi", Stop(None)),  # an opaque payload: the text tells
        ("HELP", "Help", Help()),
        ("callback_data", "Aide", Help()),
        (GOOD, "Track", TrackingQuery(GOOD)),
        (f"subscribe {GOOD}", "", Subscribe(GOOD)),
        ("callback_data", "title", Unknown("callback_data")),
    ],
)
def test_buttons_mean_what_typing_their_payload_or_text_means(
    payload: str, text: str, command: Command
) -> None:
    assert parse_button(payload, text) == command
