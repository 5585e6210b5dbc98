"""The public shipment page linked from WhatsApp messages, over real HTTP."""

from __future__ import annotations

from tracker_ledger import Ledger, sscc_with_check_digit
from tracker_stack import Stack

from chaincode.model import ColdChainTotals, Place

SSCC = sscc_with_check_digit("37612345000000077")


def test_page_shows_status_origin_and_latest_ledger_entry(stack: Stack, ledger: Ledger) -> None:
    ledger.create(SSCC)
    tx_id = ledger.checkpoint(SSCC, "in_transit")
    page = stack.http.get(f"{stack.tracker_url}/shipments/(00) {SSCC[:9]} {SSCC[9:]}")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert tx_id in page.text
    assert '<dd id="checkpoints">1</dd>' in page.text
    assert "In transit" in page.text or "in transit" in page.text.lower()
    assert "°C" not in page.text  # temperatures stay with the parties
    assert 'id="cold-chain"' not in page.text  # no alert while the cold chain holds


def test_page_shows_a_cold_chain_breach_clearly(stack: Stack, ledger: Ledger) -> None:
    ledger.create(SSCC)
    breach = ColdChainTotals(
        readings=20,
        readings_outside=9,
        minutes_outside=95.0,
        min_c=3.0,
        max_c=14.5,
        mkt_c=9.1,
        verdict="breach",
    )
    ledger.checkpoint(SSCC, "in_transit", cold=breach)
    page = stack.http.get(f"{stack.tracker_url}/shipments/{SSCC}")
    assert page.status_code == 200
    alert = page.text.split('id="cold-chain"', 1)[1].split("</div>", 1)[0]
    assert "Cold-chain breach" in alert and 'role="alert"' in alert
    assert "check with the supplier" in alert
    assert page.text.index('id="cold-chain"') < page.text.index('id="status"')  # shown first
    assert '<dd id="verdict">🛑 cold-chain breach</dd>' in page.text
    assert "°C" not in page.text and "14" not in alert  # still no temperatures


def test_unknown_and_malformed_codes(stack: Stack) -> None:
    missing = stack.http.get(f"{stack.tracker_url}/shipments/{SSCC}")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "SHIPMENT_NOT_FOUND"
    wrong = stack.http.get(f"{stack.tracker_url}/shipments/{SSCC[:-1]}{(int(SSCC[-1]) + 1) % 10}")
    assert wrong.status_code == 422
    assert "check digit" in wrong.json()["error"]["message"]


HOSTILE = '<script>alert(1)</script> & "Farm" \'; DROP TABLE shipments; --'


def test_hostile_text_from_the_ledger_is_escaped_and_harmless(stack: Stack, ledger: Ledger) -> None:
    sscc = sscc_with_check_digit("37612345000000091")
    ledger.create(sscc, origin=Place("0614141000012", HOSTILE))
    page = stack.http.get(f"{stack.tracker_url}/shipments/{sscc}")
    assert page.status_code == 200
    assert "<script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;Farm&#34;" in page.text
    # The SQL-looking text was stored as data: the table is still there and still answers.
    assert stack.http.get(f"{stack.tracker_url}/shipments/{SSCC}").status_code == 404
