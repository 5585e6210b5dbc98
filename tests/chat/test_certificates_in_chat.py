"""CERT / CERTIFICAT and the CERT:<sscc> button: each certificate of the shipment (its own
hashes, its lot's, its SSCC's) with issuer, type, validity and the check at its dates."""

from __future__ import annotations

from tests.chaincode.cc_samples import GTIN
from tests.chat.chat_stack import CARRIER, RETAILER, ChatStack

ALICE, BOB, OUTSIDER = "+33639982401", "+12025550142", "+4915110002401"
EXPIRED, LOT_GDP, NOT_YET, UNREGISTERED = "a" * 64, "b" * 64, "d" * 64, "f" * 64


def registered_shipment(chat: ChatStack) -> str:
    own = [{"type": "organic", "sha256": EXPIRED}, {"type": "halal", "sha256": UNREGISTERED}]
    sscc = chat.shipment(certificates=own)
    lot, own_sscc = {"gtin": GTIN, "lot": "LOT-2025-03"}, {"sscc": sscc}
    for sha256, doc_type, issuer, start, end, subject in (
        (EXPIRED, "organic", "Ecocert", "2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z", lot),
        (LOT_GDP, "gdp", "Bureau Veritas", "2020-01-01T00:00:00Z", "2099-01-01T00:00:00Z", lot),
        (NOT_YET, "iso_22000", "SGS", "2099-01-01T00:00:00Z", "2100-01-01T00:00:00Z", own_sscc),
    ):  # fmt: skip
        argument = {
            "sha256": sha256,
            "doc_type": doc_type,
            "issuer_name": issuer,
            "valid_from": start,
            "valid_until": end,
            "subject": subject,
        }
        chat.submit("dispatcher", "RegisterCertificate", argument)
    chat.follow()
    return sscc


def test_cert_reports_an_expired_certificate_in_french(chat: ChatStack) -> None:
    stack = chat.stack
    sscc = registered_shipment(chat)
    stack.contact(RETAILER, ALICE, "fr")
    stack.contact("OutsiderMSP", OUTSIDER, "en")
    stack.start_worker()

    stack.phone_writes(ALICE, text=f"CERTIFICAT {sscc}")
    [answer] = stack.wait_received(ALICE, 1)
    blocks = answer.split("\n\n")
    assert blocks[0].startswith(f"📜 Certificats de l'expédition {sscc} (du ")
    assert blocks[1:] == [
        "🏷️ organic par Ecocert (ProducerMSP)\nvalide du 01/01/2020 au 01/01/2021\n"
        "⛔ expiré aux dates de l'expédition",
        "🏷️ gdp par Bureau Veritas (ProducerMSP)\nvalide du 01/01/2020 au 01/01/2099\n"
        "✅ valide aux dates de l'expédition",
        "🏷️ iso 22000 par SGS (ProducerMSP)\nvalide du 01/01/2099 au 01/01/2100\n"
        "⏳ pas encore valide aux dates de l'expédition",
        f"🏷️ halal ({UNREGISTERED[:12]}…)\n❔ non enregistré sur le registre",
    ]
    buttons = [b["reply"] for b in stack.received(ALICE)[0].content["action"]["buttons"]]
    assert buttons == [{"id": f"DISPUTE:{sscc}", "title": "Litige"}]

    stack.phone_writes(OUTSIDER, text=f"CERT {sscc}")  # not a party: no certificates
    [refused] = stack.wait_received(OUTSIDER, 1)
    assert refused == f"Only the partners of shipment {sscc} can ask this."


def test_the_cert_button_answers_in_english(chat: ChatStack) -> None:
    stack = chat.stack
    sscc = registered_shipment(chat)
    stack.contact(CARRIER, BOB, "en")
    stack.start_worker()
    message, buttons = chat.first_answer(BOB, f"Status of {sscc}?")
    assert buttons[-1] == {"id": f"CERT:{sscc}", "title": "Certificates"}  # in transit
    stack.phone_writes(BOB, button=buttons[-1], context_id=message.message_id)
    answer = stack.wait_received(BOB, 2)[1]
    assert answer.startswith(f"📜 Certificates of shipment {sscc} (")
    assert "🏷️ organic by Ecocert (ProducerMSP)\nvalid 2020-01-01 to 2021-01-01\n" in answer
    assert "⛔ expired at the shipment's dates" in answer
    assert "✅ valid at the shipment's dates" in answer
    assert "❔ not registered on the ledger" in answer
