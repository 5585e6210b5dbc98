"""The public shipment page linked from WhatsApp messages, over real HTTP.

Its whole content needs the link's token; an SSCC alone (they are handed out in sequence)
gives the same answer whether the shipment exists or not, and only so many times.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from fabricsim.pki import SimPki
from records import ColdChainTotals, Place
from tests.support.tracker_ledger import Ledger, sscc_with_check_digit
from tests.support.tracker_stack import Stack, start_stack
from tracker.chat.links import ShipmentLinks
from tracker.views.shipments import PAGE_SCOPE

SSCC = sscc_with_check_digit("37612345000000077")


def test_page_shows_status_origin_and_latest_ledger_entry(stack: Stack, ledger: Ledger) -> None:
    ledger.create(SSCC)
    tx_id = ledger.checkpoint(SSCC, "in_transit")
    token = stack.links().token(SSCC)
    page = stack.http.get(f"{stack.tracker_url}/shipments/(00) {SSCC[:9]} {SSCC[9:]}?k={token}")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["referrer-policy"] == "no-referrer"  # the token stays on the page
    assert page.headers["cache-control"] == "no-store"
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
    page = stack.http.get(stack.page_url(SSCC))
    assert page.status_code == 200
    alert = page.text.split('id="cold-chain"', 1)[1].split("</div>", 1)[0]
    assert "Cold-chain breach" in alert and 'role="alert"' in alert
    assert "check with the supplier" in alert
    assert page.text.index('id="cold-chain"') < page.text.index('id="status"')  # shown first
    assert '<dd id="verdict">🛑 cold-chain breach</dd>' in page.text
    assert "°C" not in page.text and "14" not in alert  # still no temperatures


def test_unknown_and_malformed_codes(stack: Stack) -> None:
    # With a genuine token (only the tracker makes them) an unknown shipment is said so.
    missing = stack.http.get(stack.page_url(SSCC))
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "SHIPMENT_NOT_FOUND"
    wrong = stack.http.get(f"{stack.tracker_url}/shipments/{SSCC[:-1]}{(int(SSCC[-1]) + 1) % 10}")
    assert wrong.status_code == 422
    assert "check digit" in wrong.json()["error"]["message"]


HOSTILE = '<script>alert(1)</script> & "Farm" \'; DROP TABLE shipments; --'


def test_hostile_text_from_the_ledger_is_escaped_and_harmless(stack: Stack, ledger: Ledger) -> None:
    sscc = sscc_with_check_digit("37612345000000091")
    ledger.create(sscc, origin=Place("0614141000012", HOSTILE))
    page = stack.http.get(stack.page_url(sscc))
    assert page.status_code == 200
    assert "<script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;Farm&#34;" in page.text
    # The SQL-looking text was stored as data: the table is still there and still answers.
    assert stack.http.get(stack.page_url(SSCC)).status_code == 404


# --- the page by SSCC alone ------------------------------------------------------------------


def sequential(first: int, count: int) -> list[str]:
    """`count` SSCCs in a row, as one company hands them out."""
    return [sscc_with_check_digit(f"376123450{n:08d}") for n in range(first, first + count)]


def test_enumerating_200_sequential_ssccs_tells_nothing_and_is_cut_at_the_limit(
    stack: Stack, ledger: Ledger
) -> None:
    codes = sequential(500, 200)
    existing = {codes[3]: ledger.create(codes[3]), codes[17]: ledger.create(codes[17])}
    ledger.checkpoint(codes[3], "in_transit")
    answers = [stack.http.get(f"{stack.tracker_url}/shipments/{code}") for code in codes]

    statuses = [answer.status_code for answer in answers]
    assert statuses == [200] * 30 + [429] * 170  # TRACKER_PUBLIC_RATE_LIMIT's default
    # Existing or not, the page is the same but for the code the asker typed.
    pages = {
        answer.text.replace(code, "<code>")
        for code, answer in zip(codes[:30], answers[:30], strict=True)
    }
    assert len(pages) == 1
    page = answers[3].text
    assert "ask its sender for its tracking link" in page
    for private in (*existing.values(), "in transit", "Ferme du Val", "checkpoints", "block"):
        assert private not in page
    refused = answers[30]
    assert refused.json()["error"]["code"] == "TOO_MANY_LOOKUPS"
    assert 590 <= int(refused.headers["retry-after"]) <= 600
    assert all(a.json()["error"]["code"] == "TOO_MANY_LOOKUPS" for a in answers[30:])
    waits = [int(a.headers["retry-after"]) for a in answers[30:]]
    assert waits == sorted(waits, reverse=True)  # the same window, closing
    # The shipment's own link still opens the whole page: its holders are not limited.
    whole = stack.http.get(stack.page_url(codes[3]))
    assert whole.status_code == 200 and 'id="tx"' in whole.text


def test_a_wrong_or_borrowed_token_opens_nothing(stack: Stack, ledger: Ledger) -> None:
    other = sscc_with_check_digit("37612345000000078")
    ledger.create(SSCC)
    ledger.create(other)
    tx_id = ledger.checkpoint(SSCC, "in_transit")
    token = stack.links().token(SSCC)
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    forged = ShipmentLinks(stack.config.public_url, b"a guess at the key" * 2).token(SSCC)
    for query in (
        f"{SSCC}?k={flipped}",  # one character changed
        f"{SSCC}?k={forged}",  # made with another key
        f"{SSCC}?k={token[:11]}",  # cut short
        f"{SSCC}?k=",
        f"{SSCC}?k={token}{token}",
        f"{SSCC}?k=%C3%A9%00",  # not even ASCII
        f"{other}?k={token}",  # another shipment's token
        f"{SSCC}?K={token}",
    ):
        page = stack.http.get(f"{stack.tracker_url}/shipments/{query}")
        assert page.status_code == 200, query
        assert "ask its sender for its tracking link" in page.text, query
        assert tx_id not in page.text and "in transit" not in page.text, query
    assert tx_id in stack.http.get(stack.page_url(SSCC)).text


def test_links_in_notifications_and_chat_answers_open_the_whole_page(
    stack: Stack, ledger: Ledger
) -> None:
    from tests.support.tracker_ledger import CARRIER

    phone = "+33639982299"
    ledger.create(SSCC)
    stack.contact(CARRIER, phone, "en", SSCC)
    stack.phone_writes(phone, text="HELP")  # opens the window: notifications as text
    stack.start_worker()
    stack.wait_received(phone, 1)
    tx_id = ledger.checkpoint(SSCC, "in_transit")
    notification = stack.wait_received(phone, 2)[1]
    stack.phone_writes(phone, text=SSCC)
    answer = stack.wait_received(phone, 3)[2]
    for text in (notification, answer):
        link = text.splitlines()[-1]
        assert link.startswith(f"{stack.config.public_url}/shipments/{SSCC}?k=")
        page = stack.http.get(stack.served(link))
        assert page.status_code == 200 and tx_id in page.text
        # The same link without its token is only the page any stranger sees.
        bare = stack.http.get(stack.served(link.split("?", 1)[0]))
        assert bare.status_code == 200 and tx_id not in bare.text


def test_forwarded_addresses_count_only_behind_trusted_proxies(tmp_path: Path, pki: SimPki) -> None:
    code = sequential(900, 1)[0]
    direct = start_stack(tmp_path / "direct", TRACKER_PUBLIC_RATE_LIMIT="2")
    proxied = start_stack(
        tmp_path / "proxied", TRACKER_PUBLIC_RATE_LIMIT="2", TRACKER_TRUSTED_PROXIES="1"
    )
    try:

        def ask(stack: Stack, forwarded: str) -> int:
            url = f"{stack.tracker_url}/shipments/{code}"
            return stack.http.get(url, headers={"X-Forwarded-For": forwarded}).status_code

        # No proxy trusted: a made-up X-Forwarded-For is ignored, the socket's address counts.
        assert [ask(direct, f"198.51.100.{n}") for n in range(4)] == [200, 200, 429, 429]
        # Behind one proxy: the address it adds (the last one) counts, what the client wrote
        # before it does not; an IPv6 client counts by its /64.
        assert [ask(proxied, f"203.0.113.9, 192.0.2.{n % 2}") for n in range(4)] == [
            200,
            200,
            200,
            200,
        ]
        assert ask(proxied, "192.0.2.0") == 429
        assert [ask(proxied, f"2001:db8:1:2::{n}") for n in (1, 2, 3)] == [200, 200, 429]
        assert ask(proxied, "2001:db8:1:3::1") == 200
    finally:
        direct.close()
        proxied.close()


@pytest.mark.parametrize("mode", ["short", "minimal"])
def test_public_page_setting(
    tmp_path: Path, ledger_for: Callable[[Stack], Ledger], mode: str
) -> None:
    stack = start_stack(tmp_path, TRACKER_PUBLIC_PAGE=mode)
    try:
        ledger = ledger_for(stack)
        ledger.create(SSCC)
        tx_id = ledger.checkpoint(SSCC, "in_transit")
        page = stack.http.get(f"{stack.tracker_url}/shipments/{SSCC}")
        assert page.status_code == 200 and tx_id not in page.text and "°C" not in page.text
        unknown = sequential(700, 1)[0]
        nothing = stack.http.get(f"{stack.tracker_url}/shipments/{unknown}")
        assert nothing.status_code == 200 and "ask its sender" in nothing.text
        if mode == "short":  # the chat's public answer: status and verified origin
            assert '<dd id="status">in transit</dd>' in page.text
            assert "Ferme du Val — signed on the ledger by the producer" in page.text
        else:
            assert page.text.replace(SSCC, unknown) == nothing.text
    finally:
        stack.close()


def test_lookups_are_counted_in_the_database_under_a_pseudonym(stack: Stack) -> None:
    from sqlalchemy import select

    from tracker.store.ratelimit import PublicLookupRow

    stack.http.get(f"{stack.tracker_url}/shipments/{SSCC}")
    with stack.sessions() as session:
        rows = session.scalars(select(PublicLookupRow)).all()
    assert [(r.scope, r.count) for r in rows] == [(PAGE_SCOPE, 1)]
    assert "127.0.0.1" not in rows[0].client  # a keyed hash, never the address
    assert rows[0].client == stack.links().pseudonym(PAGE_SCOPE, "127.0.0.1")
