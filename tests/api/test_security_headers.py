"""Every kind of answer carries the security headers: the public page, /api/v1 JSON (errors
too), evidence downloads, /healthz, the webhooks, the scan page (its own stricter policy) and
its static files. Over real HTTP (the API stack, SimulatedPeer: a FAKE peer running the real
chaincode) and, for configured webhooks, through Flask's test client."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from demo.scenario import tiny_png
from tests.api.api_stack import ApiStack, checkpoint_body, scan_id, sha256
from tracker.app import create_app
from tracker.config import Config
from tracker.store.engine import create_schema, open_database

VERIFY_TOKEN = "headers-test-verify"


def assert_hardened(response: httpx.Response, *, cacheable: bool = False) -> None:
    """The headers every answer carries: no framing, no sniffing, no referrer, a CSP."""
    headers = response.headers
    where = f"{response.request.method} {response.request.url.path} ({response.status_code})"
    policy = headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in policy, where
    assert "default-src 'none'" in policy or "default-src 'self'" in policy, where
    assert "script-src 'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy, where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") == "no-referrer", where
    assert headers.get("X-Frame-Options") == "DENY", where
    if not cacheable:
        assert headers.get("Cache-Control") == "no-store", where


def test_api_json_and_its_errors_are_never_cached(stack: ApiStack) -> None:
    sscc = stack.created()
    answers = [
        stack.get("scanner", "/me"),
        stack.get("scanner", f"/shipments/{sscc}"),
        stack.get("scanner", "/shipments", params={"page_size": 5}),
        stack.get(None, "/openapi.json"),
        stack.get(None, "/me"),  # 401
        stack.get("outsider", f"/shipments/{sscc}"),  # 403
        stack.get("scanner", "/no-such-route"),  # 404 outside any view
        stack.call("scanner", "DELETE", "/me"),  # 405
        stack.post("scanner", f"/shipments/{sscc}/checkpoints", json={}),  # 422
        stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=checkpoint_body("departing")),
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 401, 403, 404, 405, 422, 201]
    for answer in answers:
        assert answer.headers["content-type"].startswith("application/json")
        assert_hardened(answer)
        assert answer.headers["Pragma"] == "no-cache"


def test_evidence_downloads_are_never_cached_nor_run(stack: ApiStack) -> None:
    sscc = stack.created()
    for step in ("departing", "arriving", "loading"):
        stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=checkpoint_body(step))
    photo = tiny_png()
    delivered = stack.post(
        "receiver",
        f"/shipments/{sscc}/delivery",
        data={"client_scan_id": scan_id()},
        files={"photo": ("pod.png", photo, "image/png")},
    )
    assert delivered.status_code == 201, delivered.text
    fetched = stack.get("receiver", f"/evidence/{sha256(photo)}")
    assert fetched.status_code == 200 and fetched.content == photo
    assert_hardened(fetched)
    assert "sandbox" in fetched.headers["Content-Security-Policy"]
    assert fetched.headers["Content-Disposition"].startswith("attachment;")
    missing = stack.get("receiver", f"/evidence/{'0' * 64}")
    assert missing.status_code == 404
    assert_hardened(missing)


def test_public_page_health_and_unknown_paths_carry_the_headers(stack: ApiStack) -> None:
    sscc = stack.created()
    stack.follow()
    page = stack.http.get(f"{stack.url}/shipments/{sscc}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert_hardened(page)
    policy = page.headers["Content-Security-Policy"]
    assert "script-src" not in policy  # default-src 'none': the page runs no script at all
    for path in ("/healthz", "/shipments/123", "/nowhere"):
        answer = stack.http.get(stack.url + path)
        assert answer.status_code in (200, 404, 422), (path, answer.status_code)
        assert_hardened(answer)


def test_scan_page_keeps_its_own_stricter_policy(stack: ApiStack) -> None:
    page = stack.http.get(f"{stack.url}/scan")
    assert page.status_code == 200
    assert_hardened(page, cacheable=True)
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy
    assert page.headers["Cache-Control"] == "no-cache"  # its own: revalidate, never stale
    script = stack.http.get(f"{stack.url}/scan/static/scan.js")
    assert script.status_code == 200
    assert_hardened(script, cacheable=True)


@pytest.fixture
def webhook_client(tmp_path: Path) -> httpx.Client:
    """The app with the Cloud API webhook configured (no API), through Flask's test client."""
    secrets = {"access_token": "t", "app_secret": "s", "verify_token": VERIFY_TOKEN}
    env = {
        "TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
        "TRACKER_STATE_DIR": str(tmp_path / "state"),
        "TRACKER_PUBLIC_URL": "https://tracker.example.com",
        "WHATSAPP_PHONE_NUMBER_ID": "106540352242922",
    }
    for name, value in secrets.items():
        (tmp_path / name).write_text(value + "\n")
        env[f"WHATSAPP_{name.upper()}_FILE"] = str(tmp_path / name)
    config = Config.from_env(env)
    engine, _ = open_database(config.database_url)
    create_schema(engine)
    engine.dispose()
    app = create_app(config)
    transport = httpx.WSGITransport(app=app)
    return httpx.Client(transport=transport, base_url="http://tracker.test")


def test_webhooks_carry_the_headers(webhook_client: httpx.Client) -> None:
    handshake = webhook_client.get(
        "/webhook/whatsapp",
        params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "42"},
    )
    assert handshake.status_code == 200 and handshake.text == "42"
    unsigned = webhook_client.post("/webhook/whatsapp", content=b"{}")
    assert unsigned.status_code == 401
    twilio = webhook_client.post("/webhook/twilio", data={"Body": "hi"})  # not configured
    assert twilio.status_code == 404
    for answer in (handshake, unsigned, twilio):
        assert_hardened(answer)
