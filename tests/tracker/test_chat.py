"""(b) Chat over real HTTP: tracking queries, hints, public answers, HELP/SUBSCRIBE/STOP."""

from __future__ import annotations

from pathlib import Path

from ledger_pki import LedgerPki
from sqlalchemy import select
from tracker_ledger import CARRIER, Ledger, sscc_with_check_digit
from tracker_stack import Stack, start_stack, wait_until

from tracker.store.contacts import SubscriptionRow
from tracker.store.queues import InboxMessageRow, OutboxRow

SSCC = sscc_with_check_digit("37612345000000002")
MISTYPED = SSCC[:-1] + str((int(SSCC[-1]) + 1) % 10)
CARLA, OLIVER, NOBODY = "+33639982201", "+12025550110", "+447700900123"


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
        "Dernier passage : Hub Lyon, 24/11/2026 10:01 UTC",
        "❔ pas de relevé de température",
        f"1 points de contrôle, tx {tx_id[:8]}…{tx_id[-4:]} (bloc 2)",
        f"https://tracker.example.org/shipments/{SSCC}",
    ]
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


def test_public_answers_none_means_strangers_get_nothing(tmp_path: Path, pki: LedgerPki) -> None:
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
