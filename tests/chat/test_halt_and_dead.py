"""(e) A revoked token (190) halts ALL sending until `tracker outbox resume`; permanent
failures are dead-lettered and listed by `tracker outbox dead`."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from tests.support.tracker_ledger import CARRIER, RETAILER, Ledger, sscc_with_check_digit
from tests.support.tracker_stack import ACCESS_TOKEN, APP_SECRET, Stack, start_stack, wait_until
from tracker.sandbox.delivery import envelope, status_value
from tracker.store.db import transaction
from tracker.store.queues import OutboxRow, callback_data_for, enqueue
from tracker.whatsapp.webhook import SIGNATURE_HEADER, sign

SSCC = sscc_with_check_digit("37612345000000004")
ANNE, BRUNO = "+33639984401", "+33639984402"


def health(stack: Stack) -> dict[str, object]:
    body = stack.http.get(f"{stack.tracker_url}/healthz").json()
    assert isinstance(body, dict)
    return body


def test_token_error_halts_all_sending_until_resume(stack: Stack, ledger: Ledger) -> None:
    token_file = Path(stack.env["WHATSAPP_ACCESS_TOKEN_FILE"])
    token_file.write_text("revoked-token\n")
    ledger.create(SSCC)
    stack.contact(CARRIER, ANNE, "fr", SSCC)
    stack.contact(RETAILER, BRUNO, "en", SSCC)
    stack.start_worker()
    ledger.checkpoint(SSCC, "in_transit")

    wait_until(lambda: health(stack)["status"] == "halted", "sending halted")
    sending = health(stack)["sending"]
    assert isinstance(sending, dict) and sending["halted"] is True
    assert str(sending["reason"]).startswith("190 ")
    status = stack.cli("outbox", "status")
    assert status.returncode == 1 and "HALTED" in status.stdout and "190" in status.stdout
    assert "outbox_pending\t2" in status.stdout  # neither message was spent or lost
    assert stack.per_recipient() == {}

    token_file.write_text(ACCESS_TOKEN + "\n")  # the operator rotates the token...
    resumed = stack.cli("outbox", "resume")  # ...then resumes
    assert resumed.returncode == 0 and "sending resumed" in resumed.stdout
    stack.wait_received(ANNE, 1)
    stack.wait_received(BRUNO, 1)
    assert health(stack)["status"] == "ok"
    assert stack.per_recipient() == {ANNE[1:]: 1, BRUNO[1:]: 1}


def test_permanent_failures_are_dead_lettered(
    tmp_path: Path, ledger_for: Callable[[Stack], Ledger]
) -> None:
    stack = start_stack(tmp_path, WHATSAPP_TEMPLATE_STATUS="not_approved_yet")
    try:
        ledger = ledger_for(stack)
        ledger.create(SSCC)
        anne = stack.contact(CARRIER, ANNE, "fr", SSCC)
        stack.start_worker()
        ledger.checkpoint(SSCC, "in_transit")  # template unknown to Meta: 132001
        wait_until(lambda: stack.outbox_states()["dead"] == 1, "the 132001 row dead")

        # 131026 arrives as a `failed` status webhook for a message Meta had accepted.
        stack.stop_workers()
        with transaction(stack.sessions) as session:
            enqueue(session, dedupe_key="t", kind="reply", body={}, contact_id=anne.id)
            row = session.scalars(select(OutboxRow).where(OutboxRow.dedupe_key == "t")).one()
            row.state, row.wamid, row_id = "sent", "wamid.X1", row.id
        assert row_id is not None
        value = status_value("wamid.X1", ANNE[1:], "failed", datetime.now(UTC), None)
        value["statuses"][0]["biz_opaque_callback_data"] = callback_data_for(row_id)
        value["statuses"][0]["errors"] = [
            {"code": 131026, "title": "Message undeliverable", "error_data": {"details": "x"}}
        ]
        raw = json.dumps(envelope(stack.sandbox.sandbox.identity, value)).encode()
        response = stack.http.post(
            f"{stack.tracker_url}/webhook/whatsapp",
            content=raw,
            headers={SIGNATURE_HEADER: sign(raw, APP_SECRET)},
        )
        assert response.status_code == 200
        assert stack.outbox_states()["failed"] == 1

        listed = stack.cli("outbox", "dead").stdout.splitlines()
        assert len(listed) == 2
        assert any("\tfailed\treply\t" in line and "131026" in line for line in listed)
        assert any("\tdead\tnotify.status\t" in line and "132001" in line for line in listed)
        assert ANNE[1:] not in "\n".join(listed)
        assert stack.per_recipient() == {}
    finally:
        stack.close()
