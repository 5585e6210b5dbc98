"""Configuration: every problem listed at once, secrets never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.config import Config, ConfigError


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(ConfigError) as caught:
        Config.from_env(
            {
                "TRACKER_PUBLIC_URL": "tracker.example.org",
                "TRACKER_PUBLIC_ANSWERS": "all",
                "TRACKER_SEND_MAX_ATTEMPTS": "0",
                "TRACKER_SEND_BACKOFF_BASE_SECONDS": "soon",
                "WHATSAPP_ACCESS_TOKEN_FILE": str(tmp_path / "missing"),
                "WHATSAPP_APP_SECRET_FILE": str(empty),
            }
        )
    assert caught.value.problems == [
        "TRACKER_PUBLIC_URL must be an http(s) URL",
        "TRACKER_PUBLIC_ANSWERS must be one of short, none",
        "TRACKER_SEND_MAX_ATTEMPTS must be at least 1",
        "TRACKER_SEND_BACKOFF_BASE_SECONDS must be a number",
        "WHATSAPP_PHONE_NUMBER_ID is required",
        "WHATSAPP_ACCESS_TOKEN_FILE does not name a readable file",
        "WHATSAPP_APP_SECRET_FILE names an empty file",
        "WHATSAPP_VERIFY_TOKEN_FILE is required (a path to a file holding the secret)",
    ]


def test_secrets_are_read_from_files_and_never_shown(tmp_path: Path) -> None:
    env = {"TRACKER_PUBLIC_URL": "https://t.example", "WHATSAPP_PHONE_NUMBER_ID": "1"}
    for name in ("ACCESS_TOKEN", "APP_SECRET", "VERIFY_TOKEN"):
        (tmp_path / name).write_text(f"s3cr3t-{name}\n")
        env[f"WHATSAPP_{name}_FILE"] = str(tmp_path / name)
    config = Config.from_env(env)
    assert config.database_url == "sqlite:///.state/tracker/tracker.db"
    cloud = config.require_whatsapp().cloud
    assert cloud is not None and cloud.access_token.read() == "s3cr3t-ACCESS_TOKEN"
    assert "s3cr3t" not in repr(config)


def test_database_only_commands_need_no_whatsapp_settings() -> None:
    config = Config.from_env({}, require_whatsapp=False)
    assert config.whatsapp is None and config.public_answers == "short"


def twilio_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    (tmp_path / "twilio_token").write_text("tok\n")
    return {
        "TRACKER_PUBLIC_URL": "https://tracker.example.org/",
        "WHATSAPP_PROVIDER": "twilio",
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN_FILE": str(tmp_path / "twilio_token"),
        "TWILIO_FROM_NUMBER": "+12025550186",
        "TWILIO_CONTENT_STATUS": "HX1",
        "TWILIO_CONTENT_COLD_CHAIN": "HX2",
        **extra,
    }


@pytest.mark.parametrize(
    ("extra", "url"),
    [
        ({}, "https://tracker.example.org/webhook/twilio"),
        (
            {"TWILIO_WEBHOOK_URL": "https://hooks.example.org/twilio"},
            "https://hooks.example.org/twilio",
        ),
    ],
    ids=["default", "set"],
)
def test_twilio_webhook_url(tmp_path: Path, extra: dict[str, str], url: str) -> None:
    twilio = Config.from_env(twilio_env(tmp_path, **extra)).require_whatsapp().twilio
    assert twilio is not None and twilio.webhook_url == url


def test_twilio_webhook_url_must_be_http(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        Config.from_env(twilio_env(tmp_path, TWILIO_WEBHOOK_URL="tracker.example.org/twilio"))
    assert caught.value.problems == ["TWILIO_WEBHOOK_URL must be an http(s) URL"]


def test_in_doubt_grace_must_cover_an_upload_and_a_send(tmp_path: Path) -> None:
    env = {"TRACKER_PUBLIC_URL": "https://t.example", "WHATSAPP_PHONE_NUMBER_ID": "1"}
    for name in ("ACCESS_TOKEN", "APP_SECRET", "VERIFY_TOKEN"):
        (tmp_path / name).write_text("x\n")
        env[f"WHATSAPP_{name}_FILE"] = str(tmp_path / name)
    env["WHATSAPP_HTTP_TIMEOUT"] = "10"
    env["TRACKER_SEND_IN_DOUBT_GRACE_SECONDS"] = "15"
    with pytest.raises(ConfigError, match="twice WHATSAPP_HTTP_TIMEOUT"):
        Config.from_env(env)
    env["TRACKER_SEND_IN_DOUBT_GRACE_SECONDS"] = "25"
    assert Config.from_env(env).sending.in_doubt_grace_s == 25
