"""Sandbox settings: identities, registered templates, webhook target and fault knobs.

Environment variables read by `SandboxConfig.from_env` (all optional):
    SANDBOX_ACCESS_TOKEN, SANDBOX_APP_SECRET, SANDBOX_PHONE_NUMBER_ID,
    SANDBOX_DISPLAY_PHONE_NUMBER, SANDBOX_WEBHOOK_URL,
    SANDBOX_TEMPLATES ("name:lang,name:lang"),
    SANDBOX_FAULT_5XX, SANDBOX_FAULT_429 (shares 0..1), SANDBOX_LATENCY_MS.

Registered templates are what the sandbox accepts to send; `TEMPLATE_BODIES` is how the
phone shows them (Meta renders the approved body with the send's parameters for {{1}}, {{2}},
..., and the approved quick-reply buttons): the tracker's two templates, in French and
English, as the README asks to get them approved, and Meta's `hello_world`. A registered
template without a known body is shown as its name and parameters.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

DEFAULT_TEMPLATES = frozenset(
    {
        ("hello_world", "en_US"),
        ("shipment_status_update", "fr"),
        ("shipment_status_update", "en_US"),
        ("shipment_cold_chain_alert", "fr"),
        ("shipment_cold_chain_alert", "en_US"),
    }
)


@dataclass(frozen=True, slots=True)
class TemplateBody:
    """An approved template as the phone shows it: body with {{n}} and button titles."""

    name: str
    language: str
    body: str
    buttons: tuple[str, ...] = ()


TEMPLATE_BODIES: tuple[TemplateBody, ...] = (
    TemplateBody(
        "hello_world",
        "en_US",
        "Welcome and congratulations!! This message demonstrates your ability to send a "
        "WhatsApp message notification from the Cloud API, hosted by Meta. Thank you for "
        "taking the time to test with us.",
    ),
    TemplateBody(
        "shipment_status_update",
        "fr",
        "🔔 L'expédition {{1}} est maintenant {{2}} ({{3}}, {{4}}).",
        ("Rapport", "Arrêter le suivi"),
    ),
    TemplateBody(
        "shipment_status_update",
        "en_US",
        "🔔 Shipment {{1}} is now {{2}} ({{3}}, {{4}}).",
        ("Report", "Stop updates"),
    ),
    TemplateBody(
        "shipment_cold_chain_alert",
        "fr",
        "{{2}} : expédition {{1}}, {{3}} min hors de la plage de température autorisée.",
        ("Rapport", "Arrêter le suivi"),
    ),
    TemplateBody(
        "shipment_cold_chain_alert",
        "en_US",
        "{{2}}: shipment {{1}}, {{3}} min outside its allowed temperature range.",
        ("Report", "Stop updates"),
    ),
)


@dataclass(frozen=True, slots=True)
class Faults:
    """Injected failures: share of 5xx answers, share of 429 (130429), added latency."""

    error_5xx_share: float = 0.0
    rate_limit_share: float = 0.0
    latency_ms: int = 0

    def __post_init__(self) -> None:
        for share in (self.error_5xx_share, self.rate_limit_share):
            if not 0.0 <= share <= 1.0:
                raise ValueError("fault shares are between 0 and 1")
        if self.latency_ms < 0:
            raise ValueError("latency_ms must be >= 0")

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> Faults:
        """Build from JSON or environment-style values; missing keys keep defaults."""
        return cls(
            error_5xx_share=float(str(data.get("error_5xx_share", 0.0))),
            rate_limit_share=float(str(data.get("rate_limit_share", 0.0))),
            latency_ms=int(str(data.get("latency_ms", 0))),
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class SandboxConfig:
    """Everything the sandbox needs to impersonate one WhatsApp business number."""

    access_token: str = field(default="sandbox-token", repr=False)
    app_secret: str = field(default="sandbox-app-secret", repr=False)
    phone_number_id: str = "106540352242922"
    display_phone_number: str = "12025550181"
    waba_id: str = "102290129340398"
    webhook_url: str | None = None
    templates: frozenset[tuple[str, str]] = DEFAULT_TEMPLATES
    template_bodies: tuple[TemplateBody, ...] = TEMPLATE_BODIES
    service_window: timedelta = timedelta(hours=24)
    faults: Faults = Faults()
    auto_read: bool = True  # play a phone that reads everything it receives
    delivery_attempts: int = 4
    retry_delay_s: float = 0.2
    seed: int | None = None  # fixes the fault dice for reproducible runs

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SandboxConfig:
        """Read the SANDBOX_* variables documented in this module."""
        env = os.environ if environ is None else environ
        defaults = cls()
        faults = Faults.from_mapping(
            {
                "error_5xx_share": env.get("SANDBOX_FAULT_5XX", "0"),
                "rate_limit_share": env.get("SANDBOX_FAULT_429", "0"),
                "latency_ms": env.get("SANDBOX_LATENCY_MS", "0"),
            }
        )
        return cls(
            access_token=env.get("SANDBOX_ACCESS_TOKEN", defaults.access_token),
            app_secret=env.get("SANDBOX_APP_SECRET", defaults.app_secret),
            phone_number_id=env.get("SANDBOX_PHONE_NUMBER_ID", defaults.phone_number_id),
            display_phone_number=env.get(
                "SANDBOX_DISPLAY_PHONE_NUMBER", defaults.display_phone_number
            ),
            webhook_url=env.get("SANDBOX_WEBHOOK_URL") or None,
            templates=parse_templates(env["SANDBOX_TEMPLATES"])
            if env.get("SANDBOX_TEMPLATES")
            else defaults.templates,
            faults=faults,
        )

    def template_body(self, name: str, language: str) -> TemplateBody | None:
        """How the phone shows a template, when the sandbox knows its approved body."""
        return next(
            (t for t in self.template_bodies if (t.name, t.language) == (name, language)), None
        )


def parse_templates(spec: str) -> frozenset[tuple[str, str]]:
    """Parse "name:lang,name:lang" into registered (name, language) pairs."""
    pairs = set()
    for item in spec.split(","):
        name, sep, lang = item.strip().partition(":")
        if not sep or not name or not lang:
            raise ValueError(f"template {item!r} is not name:lang")
        pairs.add((name, lang))
    return frozenset(pairs)
