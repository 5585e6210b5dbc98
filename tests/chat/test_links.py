"""Shipment links: tokens only the tracker can make, and the key every process agrees on."""

from __future__ import annotations

import multiprocessing
import re
import stat
from pathlib import Path

import pytest

from tracker.chat.links import ShipmentLinks, link_key, shipment_links
from tracker.config import Config, ConfigError

SSCC = "376123450000000772"
OTHER = "376123450000000789"


def test_token_is_128_bits_urlsafe_and_bound_to_the_key_and_the_shipment() -> None:
    links = ShipmentLinks("https://t.example/", b"k" * 32)
    token = links.token(SSCC)
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", token)  # 16 bytes, no padding
    assert links.token(SSCC) == token
    assert links.token(OTHER) != token
    assert ShipmentLinks("https://t.example", b"j" * 32).token(SSCC) != token
    assert links.url(SSCC) == f"https://t.example/shipments/{SSCC}?k={token}"
    assert links.is_valid(SSCC, token)
    for wrong in (None, "", token[:-1], token + "A", token.lower(), "é" * 22, links.token(OTHER)):
        assert not links.is_valid(SSCC, wrong)
    assert "k" * 32 not in repr(links)


def test_the_key_is_generated_once_0600_and_reused(tmp_path: Path) -> None:
    config = Config.from_env({"TRACKER_STATE_DIR": str(tmp_path / "state")}, require_whatsapp=False)
    first = link_key(config)
    secret = tmp_path / "state" / "link_secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert len(first) >= 32 and secret.read_text().strip().encode() == first
    assert link_key(config) == first
    assert [p.name for p in secret.parent.iterdir()] == ["link_secret"]  # nothing left aside


def _key_after(barrier: object, state_dir: str, out: object) -> None:
    config = Config.from_env({"TRACKER_STATE_DIR": state_dir}, require_whatsapp=False)
    barrier.wait()  # type: ignore[attr-defined]
    out.put(link_key(config))  # type: ignore[attr-defined]


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    # gunicorn's workers and `tracker worker` all start at once on a fresh state folder.
    context = multiprocessing.get_context("fork")
    count = 8
    barrier, out = context.Barrier(count), context.Queue()
    workers = [
        context.Process(target=_key_after, args=(barrier, str(tmp_path / "state"), out))
        for _ in range(count)
    ]
    for worker in workers:
        worker.start()
    keys = {out.get(timeout=30) for _ in workers}
    for worker in workers:
        worker.join(timeout=30)
    assert len(keys) == 1
    assert keys == {(tmp_path / "state" / "link_secret").read_text().strip().encode()}


def test_a_configured_secret_file_is_used_and_checked(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("x" * 44 + "\n")
    env = {"TRACKER_STATE_DIR": str(tmp_path / "state"), "TRACKER_LINK_SECRET_FILE": str(secret)}
    config = Config.from_env(env, require_whatsapp=False)
    assert link_key(config) == b"x" * 44
    assert not (tmp_path / "state").exists()  # nothing generated
    assert "x" * 44 not in repr(config)
    assert shipment_links(config).token(SSCC) == ShipmentLinks("", b"x" * 44).token(SSCC)
    secret.write_text("short\n")
    with pytest.raises(ConfigError) as caught:
        Config.from_env(env, require_whatsapp=False)
    assert caught.value.problems == [
        "TRACKER_LINK_SECRET_FILE must hold at least 32 characters (e.g. `openssl rand -base64 32`)"
    ]


def test_public_access_settings_and_their_defaults(tmp_path: Path) -> None:
    public = Config.from_env({}, require_whatsapp=False).public
    assert (public.page, public.rate_limit, public.rate_window_s, public.trusted_proxies) == (
        "minimal",
        30,
        600.0,
        0,
    )
    assert public.link_secret is None
    with pytest.raises(ConfigError) as caught:
        Config.from_env(
            {
                "TRACKER_PUBLIC_PAGE": "full",
                "TRACKER_PUBLIC_RATE_LIMIT": "0",
                "TRACKER_PUBLIC_RATE_WINDOW_SECONDS": "0",
                "TRACKER_TRUSTED_PROXIES": "1.5",
                "TRACKER_LINK_SECRET_FILE": str(tmp_path / "missing"),
            },
            require_whatsapp=False,
        )
    assert caught.value.problems == [
        "TRACKER_LINK_SECRET_FILE does not name a readable file",
        "TRACKER_TRUSTED_PROXIES must be a whole number",
        "TRACKER_PUBLIC_PAGE must be one of minimal, short",
        "TRACKER_PUBLIC_RATE_LIMIT must be at least 1",
        "TRACKER_PUBLIC_RATE_WINDOW_SECONDS must be > 0",
    ]
