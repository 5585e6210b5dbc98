"""The defaults the settings table shows are the ones `Config.from_env` applies."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tracker.config import SETTINGS, CloudSettings, Config, Setting, TwilioSettings

LITERALS = re.compile(r"`[^`<$]+`( / `[^`<$]+`)*")  # `10`, `fr` / `en_US`; not `<state dir>/…`

# Where each documented literal default lands in a Config read from an environment that sets
# only what is required. A new row with a literal default needs a line here.
APPLIED: dict[str, Callable[[Config], object]] = {
    "TRACKER_STATE_DIR": lambda c: c.state_dir,
    "TRACKER_CHANNEL": lambda c: c.channel,
    "TRACKER_CHAINCODE": lambda c: c.chaincode,
    "TRACKER_CA_TIMEOUT_SECONDS": lambda c: c.cas[0].timeout_s,
    "TRACKER_API_MAX_UPLOAD_BYTES": lambda c: c.api.max_upload_bytes,
    "TRACKER_API_RETRY_SECONDS": lambda c: c.api.retry_seconds,
    "TRACKER_API_RETRY_THREAD": lambda c: c.api.retry_thread,
    "TRACKER_API_COMMIT_TIMEOUT_SECONDS": lambda c: c.api.commit_timeout_s,
    "TRACKER_PUBLIC_ANSWERS": lambda c: c.public_answers,
    "TRACKER_PUBLIC_PAGE": lambda c: c.public.page,
    "TRACKER_PUBLIC_RATE_LIMIT": lambda c: (c.public.rate_limit, c.public.rate_window_s),
    "TRACKER_TRUSTED_PROXIES": lambda c: c.public.trusted_proxies,
    "TRACKER_DEFAULT_LANGUAGE": lambda c: c.default_language,
    "TRACKER_WORKER_POLL_SECONDS": lambda c: c.poll_s,
    "TRACKER_WORKER_WAKE_ADDRESS": lambda c: c.wake_address,
    "TRACKER_LOG_LEVEL": lambda c: c.log_level,
    "TRACKER_SEND_MAX_ATTEMPTS": lambda c: c.sending.max_attempts,
    "TRACKER_SEND_BACKOFF_BASE_SECONDS": lambda c: (
        c.sending.backoff_base_s,
        c.sending.backoff_cap_s,
    ),
    "TRACKER_SEND_PACING_SECONDS": lambda c: c.sending.pacing_s,
    "TRACKER_SEND_IN_DOUBT_GRACE_SECONDS": lambda c: c.sending.in_doubt_grace_s,
    "WHATSAPP_PROVIDER": lambda c: c.require_whatsapp().provider,
    "WHATSAPP_API_BASE_URL": lambda c: _cloud(c).base_url,
    "WHATSAPP_API_VERSION": lambda c: _cloud(c).api_version,
    "WHATSAPP_HTTP_TIMEOUT": lambda c: c.require_whatsapp().http_timeout_s,
    "WHATSAPP_TEMPLATE_STATUS": lambda c: c.require_whatsapp().templates.status,
    "WHATSAPP_TEMPLATE_COLD_CHAIN": lambda c: c.require_whatsapp().templates.cold_chain,
    "WHATSAPP_TEMPLATE_TERMS": lambda c: c.require_whatsapp().templates.terms,
    "WHATSAPP_TEMPLATE_LANG_FR": lambda c: (
        c.require_whatsapp().templates.lang_fr,
        c.require_whatsapp().templates.lang_en,
    ),
    "TWILIO_API_BASE_URL": lambda c: _twilio(c).base_url,
}


def test_every_literal_default_is_checked() -> None:
    literal = {s.name for s in SETTINGS if LITERALS.fullmatch(s.default)}
    assert literal == set(APPLIED)


@pytest.mark.parametrize(
    "setting", [s for s in SETTINGS if s.name in APPLIED], ids=lambda s: str(s.name)
)
def test_the_documented_default_is_applied(setting: Setting, tmp_path: Path) -> None:
    provider = "twilio" if setting.name.startswith("TWILIO_") else "cloud"
    applied = APPLIED[setting.name](Config.from_env(_required(tmp_path, provider)))
    values = applied if isinstance(applied, tuple) else (applied,)
    shown = [part.strip("`") for part in setting.default.split(" / ")]
    assert len(values) == len(shown)
    for value, text in zip(values, shown, strict=True):
        assert _reads_as(value, text), (
            f"{setting.name}: the table shows {text}, Config has {value!r}"
        )


def _reads_as(value: object, shown: str) -> bool:
    """Whether the table's `shown` is `value`: 1/0 for booleans, 10 for 10.0."""
    if isinstance(value, bool):
        return shown == ("1" if value else "0")
    if isinstance(value, int | float):
        return float(shown) == value
    return str(value) == shown


def _cloud(config: Config) -> CloudSettings:
    cloud = config.require_whatsapp().cloud
    assert cloud is not None
    return cloud


def _twilio(config: Config) -> TwilioSettings:
    twilio = config.require_whatsapp().twilio
    assert twilio is not None
    return twilio


def _required(tmp_path: Path, provider: str) -> dict[str, str]:
    """An environment with only what `Config.from_env` cannot do without (and one CA)."""
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    registrar = tmp_path / "registrar"
    registrar.mkdir()
    env = {
        "TRACKER_PUBLIC_URL": "https://tracker.example.org",
        "WHATSAPP_PROVIDER": provider,
        "TRACKER_CA_ORGS": "CarrierMSP",
        "TRACKER_CA_CARRIERMSP_URL": "https://ca.carrier.example:7054",
        "TRACKER_CA_CARRIERMSP_TLS_CA_FILE": str(secret),
        "TRACKER_CA_CARRIERMSP_REGISTRAR_MSP_DIR": str(registrar),
    }
    if provider == "cloud":
        del env["WHATSAPP_PROVIDER"]  # the default under test
        for name in ("ACCESS_TOKEN", "APP_SECRET", "VERIFY_TOKEN"):
            env[f"WHATSAPP_{name}_FILE"] = str(secret)
        env["WHATSAPP_PHONE_NUMBER_ID"] = "106540352242922"
        return env
    env.update(
        TWILIO_ACCOUNT_SID="AC00000000000000000000000000000000",
        TWILIO_AUTH_TOKEN_FILE=str(secret),
        TWILIO_FROM_NUMBER="+14155550100",
        TWILIO_CONTENT_STATUS="HX00000000000000000000000000000001",
        TWILIO_CONTENT_COLD_CHAIN="HX00000000000000000000000000000002",
    )
    return env
