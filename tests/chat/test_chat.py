"""(b) Chat over real HTTP: tracking queries, hints, public answers, HELP/SUBSCRIBE/STOP."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from fabricsim.pki import SimPki
from records import ColdChainTotals
from tests.support.tracker_ledger import CARRIER, Ledger, sscc_with_check_digit
from tests.support.tracker_stack import Stack, start_stack, wait_until
from tracker.chat.inbox import content_json
from tracker.chat.parsing import TrackingQuery
from tracker.chat.replies import command_of
from tracker.store.contacts import SubscriptionRow
from tracker.store.queues import InboxMessageRow, OutboxRow
from tracker.whatsapp.updates import Media, MediaKind

SSCC = sscc_with_check_digit("37612345000000002")
MISTYPED = SSCC[:-1] + str((int(SSCC[-1]) + 1) % 10)
CARLA, OLIVER, NOBODY = "+33639982201", "+12025550110", "+447700900123"
OTHER_STRANGER = "+447700900456"


def ask(stack: Stack, phone: str, text: str) -> str:
    """Send a text from a phone and return the tracker's next reply to it."""
    before = len(stack.received(phone))
    stack.phone_writes(phone, text=text)
    return stack.wait_received(phone, before + 1)[before]


def following(stack: Stack, sscc: str) -> bool:
    with stack.sessions() as session:
        return (
            session.scalar(select(SubscriptionRow.id).where(SubscriptionRow.sscc == sscc))
            is not None
        )


def test_tracking_query_gets_the_provenance_reply_with_buttons(
    stack: Stack, ledger: Ledger
) -> None:
    ledger.create(SSCC)
    tx_id = ledger.checkpoint(SSCC, "in_transit")
    stack.contact(
        CARRIER,
        CARLA,
        "fr",
    )
    stack.start_worker()
    reply = ask(stack, CARLA, f"Où en est (00) {SSCC[:9]} {SSCC[9:]} ?")
    assert reply.splitlines() == [
        f"📦 Expédition {SSCC}",
        "Statut : en transit",
        "Dépositaire : CarrierMSP",
        "Dernier passage : départ de Hub Lyon, 24/11/2026 10:01 UTC",
        "❔ pas de relevé de température",
        f"1 points de contrôle, tx {tx_id[:8]}…{tx_id[-4:]} (bloc 2)",
        stack.links().url(SSCC),  # the tracking link, with its token
    ]
    assert stack.links().url(SSCC).startswith(f"https://tracker.example.org/shipments/{SSCC}?k=")
    message = stack.received(CARLA)[-1]
    assert message.type == "interactive"
    buttons = [b["reply"] for b in message.content["action"]["buttons"]]
    assert buttons == [
        {"id": f"SUBSCRIBE:{SSCC}", "title": "S'abonner"},
        {"id": f"REPORT:{SSCC}", "title": "Rapport"},
    ]
    # Tapping "S'abonner" subscribes.
    before = len(stack.received(CARLA))
    stack.phone_writes(CARLA, button=buttons[0], context_id=message.message_id)
    assert stack.wait_received(CARLA, before + 1)[-1].startswith("C'est noté")
    assert following(stack, SSCC)


def test_mistyped_code_gets_the_check_digit_hint(stack: Stack, ledger: Ledger) -> None:
    stack.contact(CARRIER, OLIVER, "en")
    stack.start_worker()
    assert ask(stack, OLIVER, MISTYPED) == (
        f"The code {MISTYPED} looks mistyped: its last digit should be {SSCC[-1]}. "
        f"Did you mean {SSCC}?"
    )


def test_unrelated_org_and_strangers_get_no_private_data(stack: Stack, ledger: Ledger) -> None:
    ledger.create(SSCC)
    tx_id = ledger.checkpoint(SSCC, "in_transit")
    stack.contact("OutsiderMSP", OLIVER, "en")
    stack.start_worker()
    for phone in (OLIVER, NOBODY):  # a contact of another org, then an unknown number
        reply = ask(stack, phone, SSCC)
        assert reply == f"{SSCC}: in transit. Origin verified ✅: Ferme du Val."
        for private in ("CarrierMSP", tx_id[:8], "°C", "Hub Lyon", "block"):
            assert private not in reply
        assert stack.received(phone)[-1].type == "text"  # no buttons either
    # The stranger's number was only kept while needed.
    wait_until(lambda: stack.outbox_states()["read"] == 2, "both replies read")
    raw = stack.sessions.kw["bind"].raw_connection()
    try:
        assert NOBODY[1:] not in "\n".join(raw.iterdump())
    finally:
        raw.close()


def test_help_subscribe_stop_in_french_and_english(stack: Stack, ledger: Ledger) -> None:
    ledger.create(SSCC)
    stack.contact(CARRIER, CARLA, "fr")
    stack.contact(CARRIER, OLIVER, "en")
    stack.start_worker()
    assert ask(stack, CARLA, "aide").startswith("Envoyez le code SSCC")
    assert ask(stack, CARLA, f"ABONNER {SSCC}") == (
        f"C'est noté : vous serez prévenu des changements de statut de {SSCC}."
    )
    assert following(stack, SSCC)
    assert (
        ask(stack, CARLA, f"arrêt {SSCC}") == f"Vous ne recevrez plus les notifications de {SSCC}."
    )
    assert not following(stack, SSCC)
    assert ask(stack, OLIVER, "HELP").startswith("Send a shipment's SSCC code")
    assert ask(stack, OLIVER, f"subscribe {SSCC}") == (
        f"Done: you will be notified of status changes of {SSCC}."
    )
    assert (
        ask(stack, OLIVER, "STOP") == "You will no longer receive notifications for any shipment."
    )
    assert not following(stack, SSCC)


def test_public_answers_none_means_strangers_get_nothing(tmp_path: Path, pki: SimPki) -> None:
    stack = start_stack(tmp_path, TRACKER_PUBLIC_ANSWERS="none")
    try:
        stack.start_worker()
        stack.phone_writes(NOBODY, text=SSCC)
        stack.phone_writes(NOBODY, text="HELP")

        def handled() -> bool:
            with stack.sessions() as session:
                states = session.scalars(select(InboxMessageRow.state)).all()
            return list(states) == ["done", "done"]

        wait_until(handled, "both inbound messages handled")
        with stack.sessions() as session:
            assert session.scalars(select(OutboxRow)).all() == []
        assert stack.received(NOBODY) == []
    finally:
        stack.close()


SSCC_2 = sscc_with_check_digit("37612345000000012")


def test_a_template_stop_button_whose_payload_is_its_text_stops_that_shipment(
    stack: Stack, ledger: Ledger
) -> None:
    ledger.create(SSCC)
    ledger.create(SSCC_2)
    stack.contact(CARRIER, OLIVER, "en", SSCC, SSCC_2)  # never wrote: notified by template
    stack.start_worker()
    ledger.checkpoint(SSCC, "in_transit")
    stack.wait_received(OLIVER, 1)
    template = stack.received(OLIVER)[0]
    assert template.type == "template"
    # A tap on the template's quick-reply button as Meta delivers it when the button's payload
    # is its text: `type: "button"`, under the template (context).
    stack.phone_writes(
        OLIVER,
        message={"type": "button", "button": {"payload": "Stop updates", "text": "Stop updates"}},
        context_id=template.message_id,
    )
    assert stack.wait_received(OLIVER, 2)[1] == (
        f"You will no longer receive notifications for {SSCC}."
    )
    with stack.sessions() as session:
        followed = session.scalars(select(SubscriptionRow.sscc)).all()
    assert followed == [SSCC_2]  # only the template's shipment


def test_interactive_button_ids_mean_what_typing_them_means(stack: Stack, ledger: Ledger) -> None:
    stack.contact(CARRIER, CARLA, "fr", SSCC)
    ledger.create(SSCC)
    stack.start_worker()
    stack.phone_writes(CARLA, button={"id": "ARRET", "title": "Arrêter"})
    assert stack.wait_received(CARLA, 1)[0] == (
        "Vous ne recevrez plus les notifications de toutes vos expéditions."
    )
    assert not following(stack, SSCC)


@pytest.mark.parametrize(
    ("kind", "media"),
    [
        ("image", {"mime_type": "image/jpeg", "sha256": "ZK7hQdnR0zl3PVu8yEtJ0UXXpRmlkNbnbS5w"}),
        ("document", {"mime_type": "application/pdf", "filename": "bon-de-livraison.pdf"}),
    ],
)
def test_a_caption_holding_a_tracking_code_is_read_as_text(
    stack: Stack, ledger: Ledger, kind: str, media: dict[str, str]
) -> None:
    ledger.create(SSCC)
    ledger.checkpoint(SSCC, "in_transit")
    stack.contact(CARRIER, CARLA, "fr")
    stack.start_worker()
    caption = f"Palette abîmée, colis (00) {SSCC}"
    stack.phone_writes(
        CARLA, message={"type": kind, kind: {"id": "1479537139650973", "caption": caption, **media}}
    )
    [reply] = stack.wait_received(CARLA, 1)
    assert reply.startswith(f"📦 Expédition {SSCC}\nStatut : en transit")


def test_a_french_message_is_answered_in_french_whatever_the_default(
    stack: Stack, ledger: Ledger
) -> None:
    stack.contact(CARRIER, OLIVER, "en")  # a contact registered in English
    stack.start_worker()
    french_hint = (
        f"Le code {MISTYPED} semble mal saisi : le dernier chiffre devrait être {SSCC[-1]}. "
        f"Vouliez-vous dire {SSCC} ?"
    )
    # A stranger, with TRACKER_DEFAULT_LANGUAGE=en, writing in French.
    assert ask(stack, NOBODY, f"Bonjour, où en est le colis {MISTYPED} ?") == french_hint
    assert ask(stack, OLIVER, f"Bonjour, où en est le colis {MISTYPED} ?") == french_hint
    # A message that does not tell (a code only) gets the contact's language.
    assert ask(stack, OLIVER, MISTYPED).startswith(f"The code {MISTYPED} looks mistyped")


def test_last_seen_says_the_step_and_the_place(stack: Stack, ledger: Ledger) -> None:
    ledger.create(SSCC)
    ledger.checkpoint(SSCC, "in_transit")  # departing from Hub Lyon
    # A temperature logger's batch carries no read point: the goods are where last seen.
    readings = ColdChainTotals(readings=6, duration_minutes=50.0, min_c=4.0, max_c=5.5)
    ledger.checkpoint(SSCC, "in_transit", cold=readings, read_point=None)
    stack.contact(CARRIER, OLIVER, "en")
    stack.contact(CARRIER, CARLA, "fr")
    stack.start_worker()
    english = ask(stack, OLIVER, SSCC).splitlines()
    assert english[3] == "Last seen: temperature reading at Hub Lyon, 2026-11-24 10:02 UTC"
    french = ask(stack, CARLA, SSCC).splitlines()
    assert french[3] == "Dernier passage : relevé de température à Hub Lyon, 24/11/2026 10:02 UTC"


@pytest.mark.parametrize("kind", ["image", "document", "video"])
def test_a_media_caption_is_stored_as_text_and_a_bare_media_as_unsupported(
    kind: MediaKind,
) -> None:
    media = Media(kind, "1479537139650973", "x/y", None, f"colis {SSCC}", None)
    assert content_json(media) == {"type": "text", "body": f"colis {SSCC}", "media": kind}
    assert command_of(content_json(media)) == TrackingQuery(SSCC)
    bare = Media(kind, "1479537139650973", "x/y", None, None, None)
    assert content_json(bare) == {"type": "unsupported"}


def test_a_stranger_trying_code_after_code_is_stopped_politely_once(
    tmp_path: Path, pki: SimPki, ledger_for: Callable[[Stack], Ledger]
) -> None:
    stack = start_stack(tmp_path, TRACKER_PUBLIC_RATE_LIMIT="3")
    try:
        ledger = ledger_for(stack)
        codes = [sscc_with_check_digit(f"376123450{n:08d}") for n in range(40, 47)]
        ledger.create(codes[1])
        stack.contact(CARRIER, CARLA, "en")  # a party's contact: never limited
        stack.start_worker()
        for code in codes[:6]:
            stack.phone_writes(NOBODY, text=code)

        def handled() -> bool:
            with stack.sessions() as session:
                states = session.scalars(select(InboxMessageRow.state)).all()
            return list(states) == ["done"] * 6

        wait_until(handled, "the stranger's six messages handled")
        wait_until(lambda: not stack.outbox_states()["pending"], "replies sent")
        assert stack.texts(NOBODY) == [
            f"No shipment is known under the code {codes[0]}.",
            f"{codes[1]}: created. Origin verified ✅: Ferme du Val.",
            f"No shipment is known under the code {codes[2]}.",
            "You have sent many requests in a short time: we will answer again in about "
            "10 minutes. To follow a shipment, ask its sender for its tracking link.",
        ]  # the 5th and 6th got nothing
        assert ask(stack, OTHER_STRANGER, codes[1]).startswith(f"{codes[1]}: created.")
        for code in codes:  # the contact asks as often as needed
            assert ask(stack, CARLA, code)
        # Counted under a keyed hash: the stranger's number is still not kept.
        raw = stack.sessions.kw["bind"].raw_connection()
        try:
            assert NOBODY[1:] not in "\n".join(raw.iterdump())
        finally:
            raw.close()
    finally:
        stack.close()
