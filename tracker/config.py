"""The tracker's configuration: one frozen `Config`, read once from the environment.

`Config.from_env(environ)` checks every variable and raises `ConfigError` listing ALL that
is missing or malformed, not just the first. Secrets are never values in variables: each is
a file path (`*_FILE`), read when used (so a rotated token is picked up on `outbox resume`),
and `SecretFile`'s repr never shows the content.

Every variable is declared once, in `SETTINGS` below (name, default, meaning); the README's
settings table is generated from it (`python -m tracker.settings_table --write`).

The ledger settings are read when a command needs them (`require_ledger`) and whenever
`TRACKER_PEER_ENDPOINT` is set, which also switches the staff API on in `tracker serve`.
The Fabric CA settings are read whenever `TRACKER_CA_ORGS` is set: one set of variables per
organisation, because a consortium's orgs each run their own CA (one tracker may serve several
orgs' staff); listing the orgs lets a misspelt `TRACKER_CA_<ORG>_URL` be reported, not ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar

T = TypeVar("T")
Lang = Literal["fr", "en"]


class ConfigError(ValueError):
    """The environment is incomplete or malformed; `problems` lists every issue."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid configuration:\n  - " + "\n  - ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Setting:
    """One environment variable as the README's settings table shows it.

    `default` and `meaning` are Markdown table cells; `also` names further variables of the
    same row (a pair such as a base and a cap, whose default reads `a` / `b`).
    """

    name: str
    default: str
    meaning: str
    also: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """Every variable of the row, `<ORG>`-style placeholders included."""
        return (self.name, *self.also)


@dataclass(frozen=True, slots=True)
class SecretFile:
    """A secret kept in a file: only the path is held, the content is read on use."""

    path: Path

    def read(self) -> str:
        """The secret, stripped of surrounding whitespace (editors add a final newline)."""
        return self.path.read_text(encoding="utf-8").strip()

    def __repr__(self) -> str:
        return f"SecretFile(path={str(self.path)!r}, value=<hidden>)"


@dataclass(frozen=True, slots=True)
class SendTuning:
    """Retry policy of the sender."""

    max_attempts: int = 8
    backoff_base_s: float = 2.0
    backoff_cap_s: float = 300.0
    pacing_s: float = 6.0
    in_doubt_grace_s: float = 120.0


@dataclass(frozen=True, slots=True)
class Templates:
    """Approved template names (Cloud API names, or Twilio ContentSids) and languages."""

    status: str = "shipment_status_update"
    cold_chain: str = "shipment_cold_chain_alert"
    terms: str = "shipment_terms_update"  # settlements and disputes
    lang_fr: str = "fr"
    lang_en: str = "en_US"

    def language(self, lang: Lang) -> str:
        """Provider language code of the translation for `lang`."""
        return self.lang_fr if lang == "fr" else self.lang_en


_DEFAULTS = Templates()


@dataclass(frozen=True, slots=True)
class CloudSettings:
    """Meta Cloud API settings."""

    base_url: str
    api_version: str
    phone_number_id: str
    access_token: SecretFile
    app_secret: SecretFile
    verify_token: SecretFile


@dataclass(frozen=True, slots=True)
class TwilioSettings:
    """Twilio settings."""

    account_sid: str
    auth_token: SecretFile
    from_number: str
    base_url: str
    webhook_url: str = ""  # the public URL Twilio calls: it signs requests over it


@dataclass(frozen=True, slots=True)
class WhatsAppSettings:
    """Which provider, how to reach it, and the templates to use."""

    provider: Literal["cloud", "twilio"]
    cloud: CloudSettings | None
    twilio: TwilioSettings | None
    templates: Templates
    http_timeout_s: float


@dataclass(frozen=True, slots=True)
class LedgerSettings:
    """How the tracker reaches a peer, and the identity it follows blocks with."""

    peer_endpoint: str
    tls_ca_file: Path
    host_override: str | None
    msp_id: str | None  # the tracker's own identity: `follow` and `verify` need it
    msp_dir: Path | None


@dataclass(frozen=True, slots=True)
class ApiTuning:
    """Limits and timings of the staff API."""

    max_upload_bytes: int = 10 * 1024 * 1024
    retry_seconds: float = 5.0
    retry_thread: bool = False  # `tracker worker` runs the retries
    commit_timeout_s: float = 30.0


LINK_SECRET_FILENAME = "link_secret"
LINK_SECRET_MIN_CHARS = 32


@dataclass(frozen=True, slots=True)
class PublicAccess:
    """What someone without a shipment's link token may see, and how often they may ask."""

    page: Literal["minimal", "short"] = "minimal"
    link_secret: SecretFile | None = None  # None: generated into the state folder on first use
    rate_limit: int = 30
    rate_window_s: float = 600.0
    trusted_proxies: int = 0

    def link_secret_file(self, state_dir: Path) -> Path:
        """The file holding the links' key: the configured one, else the generated one."""
        return self.link_secret.path if self.link_secret else state_dir / LINK_SECRET_FILENAME


@dataclass(frozen=True, slots=True)
class CaSettings:
    """One organisation's Fabric CA: where it is, how it is trusted, who registers there."""

    msp_id: str
    url: str
    ca_name: str  # "": the server's default CA
    tls_ca_file: Path
    registrar_msp_dir: Path
    affiliation: str  # "": the registrar's own
    timeout_s: float = 10.0


@dataclass(frozen=True, slots=True)
class Config:
    """Everything the tracker reads from its environment, validated once."""

    database_url: str
    state_dir: Path
    public_url: str
    channel: str = "supplychain"
    chaincode: str = "provenance"
    public_answers: Literal["short", "none"] = "short"
    default_language: Lang = "en"
    poll_s: float = 1.0
    wake_address: str = "127.0.0.1:8719"
    log_level: str = "INFO"
    sending: SendTuning = field(default_factory=SendTuning)
    whatsapp: WhatsAppSettings | None = None
    ledger: LedgerSettings | None = None
    wallet_dir: Path = Path(".state/tracker/wallet")
    api: ApiTuning = field(default_factory=ApiTuning)
    cas: tuple[CaSettings, ...] = ()
    public: PublicAccess = field(default_factory=PublicAccess)

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str],
        *,
        require_whatsapp: bool = True,
        require_ledger: bool = False,
    ) -> Config:
        """Build from variables; each `require_*` adds the settings a command cannot lack."""
        env = _Reader(environ)
        state_dir = Path(env.text("TRACKER_STATE_DIR", ".state/tracker"))
        config = cls(
            database_url=env.text("TRACKER_DATABASE_URL", cls.default_database_url(state_dir)),
            state_dir=state_dir,
            public_url=env.url("TRACKER_PUBLIC_URL", required=require_whatsapp).rstrip("/"),
            channel=env.text("TRACKER_CHANNEL", "supplychain"),
            chaincode=env.text("TRACKER_CHAINCODE", "provenance"),
            public_answers=env.choice("TRACKER_PUBLIC_ANSWERS", ("short", "none"), "short"),
            default_language=env.choice("TRACKER_DEFAULT_LANGUAGE", ("fr", "en"), "en"),
            poll_s=env.number("TRACKER_WORKER_POLL_SECONDS", 1.0),
            wake_address=env.address("TRACKER_WORKER_WAKE_ADDRESS", "127.0.0.1:8719"),
            log_level=env.choice(
                "TRACKER_LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO"
            ),
            sending=_sending(env),
            whatsapp=_whatsapp(env) if require_whatsapp else None,
            ledger=_ledger(env, identity=require_ledger)
            if require_ledger or env.has("TRACKER_PEER_ENDPOINT")
            else None,
            wallet_dir=Path(env.text("TRACKER_WALLET_DIR", str(state_dir / "wallet"))),
            api=_api(env),
            cas=_cas(env),
            public=_public(env),
        )
        whatsapp = config.whatsapp
        if whatsapp is not None and config.sending.in_doubt_grace_s <= 2 * whatsapp.http_timeout_s:
            # Otherwise a message still awaiting its HTTP answer could be resent as "in doubt";
            # a report document takes two requests (upload, then send), hence twice.
            env.problems.append(
                "TRACKER_SEND_IN_DOUBT_GRACE_SECONDS must exceed twice WHATSAPP_HTTP_TIMEOUT"
            )
        env.raise_if_problems()
        return config

    @staticmethod
    def default_database_url(state_dir: Path) -> str:
        """The SQLite file used when TRACKER_DATABASE_URL is not set."""
        return f"sqlite:///{state_dir}/tracker.db"

    def require_ledger(self) -> LedgerSettings:
        """The ledger settings, for commands that talk to a peer."""
        if self.ledger is None:
            raise ConfigError(["ledger settings were not loaded (require_ledger=False)"])
        return self.ledger

    def ca_for(self, msp_id: str) -> CaSettings | None:
        """The Fabric CA settings of an organisation, or None when it has none."""
        return next((ca for ca in self.cas if ca.msp_id == msp_id), None)

    def require_whatsapp(self) -> WhatsAppSettings:
        """The WhatsApp settings, for code paths that cannot run without them."""
        if self.whatsapp is None:
            raise ConfigError(["WhatsApp settings were not loaded (require_whatsapp=False)"])
        return self.whatsapp


def _ledger(env: _Reader, *, identity: bool) -> LedgerSettings:
    # The staff API signs with each person's own identity: only `follow` and `verify` need
    # the tracker's own (TRACKER_MSP_ID / TRACKER_MSP_DIR).
    return LedgerSettings(
        peer_endpoint=env.text("TRACKER_PEER_ENDPOINT"),
        tls_ca_file=env.file("TRACKER_PEER_TLS_CA_FILE"),
        host_override=env.text("TRACKER_PEER_HOST_OVERRIDE", "") or None,
        msp_id=env.text("TRACKER_MSP_ID") if identity else env.text("TRACKER_MSP_ID", "") or None,
        # The worker opens and anchors chat disputes as this identity when it is set.
        msp_dir=env.folder("TRACKER_MSP_DIR") if identity or env.has("TRACKER_MSP_DIR") else None,
    )


def _api(env: _Reader) -> ApiTuning:
    return ApiTuning(
        max_upload_bytes=int(
            env.number("TRACKER_API_MAX_UPLOAD_BYTES", 10 * 1024 * 1024, integer=True)
        ),
        retry_seconds=env.positive("TRACKER_API_RETRY_SECONDS", 5.0),
        retry_thread=env.choice("TRACKER_API_RETRY_THREAD", ("0", "1"), "0") == "1",
        commit_timeout_s=env.positive("TRACKER_API_COMMIT_TIMEOUT_SECONDS", 30.0),
    )


def _public(env: _Reader) -> PublicAccess:
    secret = None
    if env.has("TRACKER_LINK_SECRET_FILE"):
        secret = env.secret("TRACKER_LINK_SECRET_FILE")
        try:
            if 0 < len(secret.read()) < LINK_SECRET_MIN_CHARS:
                env.problems.append(
                    f"TRACKER_LINK_SECRET_FILE must hold at least {LINK_SECRET_MIN_CHARS} "
                    "characters (e.g. `openssl rand -base64 32`)"
                )
        except (OSError, UnicodeDecodeError):
            pass  # already reported by `secret`
    proxies = env.number("TRACKER_TRUSTED_PROXIES", 0)
    if proxies != int(proxies):
        env.problems.append("TRACKER_TRUSTED_PROXIES must be a whole number")
    return PublicAccess(
        page=env.choice("TRACKER_PUBLIC_PAGE", ("minimal", "short"), "minimal"),
        link_secret=secret,
        rate_limit=int(env.number("TRACKER_PUBLIC_RATE_LIMIT", 30, integer=True)),
        rate_window_s=env.positive("TRACKER_PUBLIC_RATE_WINDOW_SECONDS", 600.0),
        trusted_proxies=int(proxies),
    )


def ca_env_key(msp_id: str) -> str:
    """`<ORG>` of the TRACKER_CA_<ORG>_* variables: the MSP id upper-cased, other chars `_`."""
    return re.sub(r"[^A-Z0-9]", "_", msp_id.upper())


def _cas(env: _Reader) -> tuple[CaSettings, ...]:
    orgs = [org.strip() for org in env.text("TRACKER_CA_ORGS", "").split(",") if org.strip()]
    keys = {ca_env_key(org) for org in orgs}
    if len(keys) != len(orgs):
        env.problems.append("TRACKER_CA_ORGS names an organisation twice")
    for name in sorted(env._env):
        key = name.removeprefix("TRACKER_CA_").removesuffix("_URL")
        if name.startswith("TRACKER_CA_") and name.endswith("_URL") and key not in keys:
            env.problems.append(f"{name} is set but no org of TRACKER_CA_ORGS has key {key}")
    timeout = env.positive("TRACKER_CA_TIMEOUT_SECONDS", 10.0)
    return tuple(_ca(env, org, timeout) for org in orgs)


def _ca(env: _Reader, msp_id: str, timeout_s: float) -> CaSettings:
    prefix = f"TRACKER_CA_{ca_env_key(msp_id)}_"
    url = env.url(prefix + "URL")
    if url.startswith("http://"):
        # The enrolment secret and the registrar's tokens travel in these requests.
        env.problems.append(f"{prefix}URL must be https (with {prefix}TLS_CA_FILE)")
    return CaSettings(
        msp_id=msp_id,
        url=url.rstrip("/"),
        ca_name=env.text(prefix + "NAME", ""),
        tls_ca_file=env.file(prefix + "TLS_CA_FILE"),
        registrar_msp_dir=env.folder(prefix + "REGISTRAR_MSP_DIR"),
        affiliation=env.text(prefix + "AFFILIATION", ""),
        timeout_s=timeout_s,
    )


def _sending(env: _Reader) -> SendTuning:
    return SendTuning(
        max_attempts=int(env.number("TRACKER_SEND_MAX_ATTEMPTS", 8, integer=True)),
        backoff_base_s=env.number("TRACKER_SEND_BACKOFF_BASE_SECONDS", 2.0),
        backoff_cap_s=env.number("TRACKER_SEND_BACKOFF_CAP_SECONDS", 300.0),
        pacing_s=env.number("TRACKER_SEND_PACING_SECONDS", 6.0),
        in_doubt_grace_s=env.number("TRACKER_SEND_IN_DOUBT_GRACE_SECONDS", 120.0),
    )


def _whatsapp(env: _Reader) -> WhatsAppSettings:
    provider: Literal["cloud", "twilio"] = env.choice(
        "WHATSAPP_PROVIDER", ("cloud", "twilio"), "cloud"
    )
    cloud = twilio = None
    if provider == "cloud":
        cloud = CloudSettings(
            base_url=env.url("WHATSAPP_API_BASE_URL", default="https://graph.facebook.com"),
            api_version=env.text("WHATSAPP_API_VERSION", "v21.0"),
            phone_number_id=env.text("WHATSAPP_PHONE_NUMBER_ID"),
            access_token=env.secret("WHATSAPP_ACCESS_TOKEN_FILE"),
            app_secret=env.secret("WHATSAPP_APP_SECRET_FILE"),
            verify_token=env.secret("WHATSAPP_VERIFY_TOKEN_FILE"),
        )
        templates = Templates(
            status=env.text("WHATSAPP_TEMPLATE_STATUS", _DEFAULTS.status),
            cold_chain=env.text("WHATSAPP_TEMPLATE_COLD_CHAIN", _DEFAULTS.cold_chain),
            terms=env.text("WHATSAPP_TEMPLATE_TERMS", _DEFAULTS.terms),
            lang_fr=env.text("WHATSAPP_TEMPLATE_LANG_FR", _DEFAULTS.lang_fr),
            lang_en=env.text("WHATSAPP_TEMPLATE_LANG_EN", _DEFAULTS.lang_en),
        )
    else:
        twilio = TwilioSettings(
            account_sid=env.text("TWILIO_ACCOUNT_SID"),
            auth_token=env.secret("TWILIO_AUTH_TOKEN_FILE"),
            from_number=env.text("TWILIO_FROM_NUMBER"),
            base_url=env.url("TWILIO_API_BASE_URL", default="https://api.twilio.com"),
            webhook_url=env.url("TWILIO_WEBHOOK_URL", default=_twilio_webhook_default(env)),
        )
        templates = Templates(
            status=env.text("TWILIO_CONTENT_STATUS"),
            cold_chain=env.text("TWILIO_CONTENT_COLD_CHAIN"),
            terms=env.text("TWILIO_CONTENT_TERMS", ""),  # "": no template, text only
        )
    return WhatsAppSettings(
        provider=provider,
        cloud=cloud,
        twilio=twilio,
        templates=templates,
        http_timeout_s=env.number("WHATSAPP_HTTP_TIMEOUT", 10.0),
    )


def _twilio_webhook_default(env: _Reader) -> str | None:
    # Behind a proxy the public URL is the one Twilio signs, never the local address.
    public = env.text("TRACKER_PUBLIC_URL", "").rstrip("/")
    return f"{public}/webhook/twilio" if public else None


class _Reader:
    """Reads variables, collecting problems instead of stopping at the first."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._env = environ
        self.problems: list[str] = []

    def raise_if_problems(self) -> None:
        if self.problems:
            raise ConfigError(self.problems)

    def has(self, name: str) -> bool:
        return bool(self._env.get(name, "").strip())

    def text(self, name: str, default: str | None = None) -> str:
        value = self._env.get(name, "").strip()
        if value:
            return value
        if default is None:
            self.problems.append(f"{name} is required")
        return default or ""

    def url(self, name: str, *, default: str | None = None, required: bool = True) -> str:
        value = self._env.get(name, "").strip() or default
        if not value:
            if required:
                self.problems.append(f"{name} is required")
            return ""
        if not value.startswith(("http://", "https://")):
            self.problems.append(f"{name} must be an http(s) URL")
        return value

    def choice(self, name: str, allowed: tuple[T, ...], default: T) -> T:
        raw = self._env.get(name, "").strip()
        if not raw:
            return default
        for option in allowed:
            if raw == option:
                return option
        self.problems.append(f"{name} must be one of {', '.join(map(str, allowed))}")
        return default

    def number(self, name: str, default: float, *, integer: bool = False) -> float:
        raw = self._env.get(name, "").strip()
        if not raw:
            return default
        parse: Callable[[str], float] = int if integer else float
        try:
            value = parse(raw)
        except ValueError:
            self.problems.append(f"{name} must be a {'whole ' if integer else ''}number")
            return default
        if value < 0 or (integer and value < 1):
            self.problems.append(f"{name} must be {'at least 1' if integer else '>= 0'}")
            return default
        return value

    def address(self, name: str, default: str) -> str:
        if name in self._env and not self._env[name].strip():
            return ""  # set but empty: switched off
        value = self._env.get(name, default).strip()
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            self.problems.append(f"{name} must be host:port")
            return default
        return value

    def positive(self, name: str, default: float) -> float:
        value = self.number(name, default)
        if value == 0:  # zero would spin a loop or time out every call
            self.problems.append(f"{name} must be > 0")
            return default
        return value

    def file(self, name: str) -> Path:
        path = Path(self._env.get(name, "").strip())
        if str(path) in ("", "."):
            self.problems.append(f"{name} is required (a file path)")
        elif not path.is_file():
            self.problems.append(f"{name} does not name a readable file")
        return path

    def folder(self, name: str) -> Path:
        path = Path(self._env.get(name, "").strip())
        if str(path) in ("", "."):
            self.problems.append(f"{name} is required (a folder path)")
        elif not path.is_dir():
            self.problems.append(f"{name} does not name a folder")
        return path

    def secret(self, name: str) -> SecretFile:
        path = Path(self._env.get(name, "").strip())
        if not str(path) or str(path) == ".":
            self.problems.append(f"{name} is required (a path to a file holding the secret)")
        elif not path.is_file():
            self.problems.append(f"{name} does not name a readable file")
        else:
            try:
                if not path.read_text(encoding="utf-8").strip():
                    self.problems.append(f"{name} names an empty file")
            except (OSError, UnicodeDecodeError):
                self.problems.append(f"{name} does not name a readable UTF-8 file")
        return SecretFile(path)


# The tracker's variables, in the README's order. `Config.from_env` reads them;
# tests/config checks that the defaults shown here are the ones it applies.
SETTINGS: tuple[Setting, ...] = (
    Setting("TRACKER_STATE_DIR", "`.state/tracker`", "folder of the default SQLite database"),
    Setting(
        "TRACKER_DATABASE_URL",
        "`sqlite:///<state dir>/tracker.db`",
        "SQLAlchemy URL; PostgreSQL: `postgresql+psycopg://user@host/db`",
    ),
    Setting(
        "TRACKER_PUBLIC_URL", "required for serve and worker", "base of the links sent in messages"
    ),
    Setting("TRACKER_CHANNEL", "`supplychain`", "Fabric channel followed"),
    Setting("TRACKER_CHAINCODE", "`provenance`", "chaincode whose writes are mirrored"),
    Setting(
        "TRACKER_PEER_ENDPOINT",
        "required for `follow`, `verify`, `/api/v1`",
        "`host:port` of a peer's Gateway and Deliver services",
    ),
    Setting(
        "TRACKER_PEER_TLS_CA_FILE",
        "required for `follow`, `verify`, `/api/v1`",
        "PEM root CA of the peer's TLS certificate",
    ),
    Setting(
        "TRACKER_PEER_HOST_OVERRIDE",
        "none",
        "TLS server name when it differs from the endpoint's host",
    ),
    Setting(
        "TRACKER_MSP_ID",
        "required for `follow`, `verify`",
        "MSP id of the tracker's own identity (the API signs with each person's own)",
    ),
    Setting(
        "TRACKER_MSP_DIR",
        "required for `follow`, `verify`",
        "its enrolment folder: exactly one `signcerts/*.pem` and one key file in `keystore/` "
        "(fabric-ca-client's and cryptogen's layouts both work)",
    ),
    Setting(
        "TRACKER_WALLET_DIR", "`<state dir>/wallet`", "staff identities (folders 0700, keys 0600)"
    ),
    Setting(
        "TRACKER_CA_ORGS",
        "none",
        "MSP ids whose Fabric CA `tracker staff add/revoke` uses, e.g. "
        "`ProducerMSP,CarrierMSP,RetailerMSP`",
    ),
    Setting(
        "TRACKER_CA_<ORG>_URL",
        "required per listed org",
        "`https://host:port` of that org's fabric-ca-server; `<ORG>` is the MSP id upper-cased, "
        "anything but A–Z 0–9 as `_` (`CARRIERMSP`)",
    ),
    Setting(
        "TRACKER_CA_<ORG>_NAME", "the server's default CA", "CA name on that server (`caname`)"
    ),
    Setting(
        "TRACKER_CA_<ORG>_TLS_CA_FILE",
        "required per listed org",
        "PEM of the CA that **signed** the Fabric CA's TLS certificate (Python's TLS needs the "
        "issuer; `fabric-ca-client` also accepts the leaf `tls-cert.pem`). A fabric-ca-server "
        "with `tls.enabled` and no certificate of its own signs its TLS certificate with its CA "
        "key: give the CA's certificate (`ca-cert.pem`; for `scripts/network`, "
        "`crypto/peerOrganizations/<org>/ca/ca.<org>-cert.pem`)",
    ),
    Setting(
        "TRACKER_CA_<ORG>_REGISTRAR_MSP_DIR",
        "required per listed org",
        "enrolment folder (`signcerts/cert.pem`, `keystore/*_sk`) of a CA identity with "
        "`hf.Registrar.Roles` including `client`, `hf.Registrar.Attributes` covering `role`, and"
        " `hf.Revoker=true`",
    ),
    Setting(
        "TRACKER_CA_<ORG>_AFFILIATION",
        "the registrar's",
        "affiliation given to staff registered there",
    ),
    Setting("TRACKER_CA_TIMEOUT_SECONDS", "`10`", "seconds per Fabric CA request"),
    Setting(
        "TRACKER_API_MAX_UPLOAD_BYTES",
        "`10485760`",
        "largest request body on `/api/v1` (413 above; a streamed body without Content-Length "
        "that reaches it is refused too)",
    ),
    Setting(
        "TRACKER_API_RETRY_SECONDS",
        "`5`",
        "pause between rounds of the queued-scan retry loop; it doubles (up to 60 s) while the "
        "ledger stays unavailable and comes back after a round that gets through",
    ),
    Setting(
        "TRACKER_API_RETRY_THREAD",
        "`0`",
        "`1`: also retry queued scans inside the web process (one-process setups only; `tracker "
        "worker` does it otherwise)",
    ),
    Setting(
        "TRACKER_API_COMMIT_TIMEOUT_SECONDS", "`30`", "longest wait for a write's commit status"
    ),
    Setting(
        "TRACKER_PUBLIC_ANSWERS",
        "`short`",
        "what a stranger or an unrelated org gets for a tracking code: `short` (status and "
        "verified origin) or `none`",
    ),
    Setting(
        "TRACKER_PUBLIC_PAGE",
        "`minimal`",
        "what `/shipments/<sscc>` shows without its link's token: `minimal`, the same page "
        "whether the shipment exists or not; `short`, status and origin (as the chat's public "
        "answer)",
    ),
    Setting(
        "TRACKER_LINK_SECRET_FILE",
        "`<state dir>/link_secret`, generated (0600)",
        "file holding the key of the shipment links' tokens (32+ characters, e.g. `openssl rand "
        "-base64 32`); set it when web and worker run on different hosts; changing it "
        "invalidates every link sent",
    ),
    Setting(
        "TRACKER_PUBLIC_RATE_LIMIT",
        "`30` / `600`",
        "lookups without a token per client IP (page; IPv6 per /64) or per stranger (chat) in "
        "one window; then 429 with `Retry-After`, or one polite notice in the chat and silence",
        also=("TRACKER_PUBLIC_RATE_WINDOW_SECONDS",),
    ),
    Setting(
        "TRACKER_TRUSTED_PROXIES",
        "`0`",
        "reverse proxies in front of `tracker serve`: the client's IP is the Nth address from "
        "the right of `X-Forwarded-For`; 0: the connection's address, the header ignored",
    ),
    Setting("TRACKER_DEFAULT_LANGUAGE", "`en`", "`fr` or `en`, for senders who are not contacts"),
    Setting("TRACKER_WORKER_POLL_SECONDS", "`1.0`", "worker sleep between idle rounds"),
    Setting(
        "TRACKER_WORKER_WAKE_ADDRESS",
        "`127.0.0.1:8719`",
        "UDP doorbell the web process and the follower ring to wake the worker; empty: polling "
        "only",
    ),
    Setting("TRACKER_LOG_LEVEL", "`INFO`", "logging level; phone numbers are always redacted"),
    Setting("TRACKER_SEND_MAX_ATTEMPTS", "`8`", "attempts before a message is dead-lettered"),
    Setting(
        "TRACKER_SEND_BACKOFF_BASE_SECONDS",
        "`2` / `300`",
        "jittered exponential backoff: first retry delay (doubling) / longest delay",
        also=("TRACKER_SEND_BACKOFF_CAP_SECONDS",),
    ),
    Setting("TRACKER_SEND_PACING_SECONDS", "`6`", "wait for one recipient after error 131056"),
    Setting(
        "TRACKER_SEND_IN_DOUBT_GRACE_SECONDS",
        "`120`",
        "wait for a status webhook before resending a message whose send outcome is unknown; "
        "must exceed twice `WHATSAPP_HTTP_TIMEOUT` (a report document is an upload and a send)",
    ),
    Setting("WHATSAPP_PROVIDER", "`cloud`", "`cloud` (Meta Cloud API) or `twilio`"),
    Setting(
        "WHATSAPP_API_BASE_URL",
        "`https://graph.facebook.com`",
        "Graph API base (the sandbox's URL in tests and demo)",
    ),
    Setting("WHATSAPP_API_VERSION", "`v21.0`", "Graph API version"),
    Setting("WHATSAPP_PHONE_NUMBER_ID", "required (cloud)", "business phone number id"),
    Setting("WHATSAPP_ACCESS_TOKEN_FILE", "required (cloud)", "file holding the access token"),
    Setting(
        "WHATSAPP_APP_SECRET_FILE",
        "required (cloud)",
        "file holding the app secret (webhook signatures)",
    ),
    Setting(
        "WHATSAPP_VERIFY_TOKEN_FILE", "required (cloud)", "file holding the webhook verify token"
    ),
    Setting("WHATSAPP_HTTP_TIMEOUT", "`10`", "seconds per provider request"),
    Setting(
        "WHATSAPP_TEMPLATE_STATUS",
        "`shipment_status_update`",
        "approved template for status changes and delivery",
    ),
    Setting(
        "WHATSAPP_TEMPLATE_COLD_CHAIN",
        "`shipment_cold_chain_alert`",
        "approved template for excursions and breaches",
    ),
    Setting(
        "WHATSAPP_TEMPLATE_TERMS",
        "`shipment_terms_update`",
        "approved template for settlements and disputes (body: SSCC, headline, detail)",
    ),
    Setting(
        "WHATSAPP_TEMPLATE_LANG_FR",
        "`fr` / `en_US`",
        "Meta language codes of the templates' translations",
        also=("WHATSAPP_TEMPLATE_LANG_EN",),
    ),
    Setting("TWILIO_ACCOUNT_SID", "required (twilio)", "Twilio account SID"),
    Setting("TWILIO_AUTH_TOKEN_FILE", "required (twilio)", "file holding the account's auth token"),
    Setting("TWILIO_FROM_NUMBER", "required (twilio)", "sender (E.164)"),
    Setting("TWILIO_API_BASE_URL", "`https://api.twilio.com`", "Twilio API base"),
    Setting(
        "TWILIO_WEBHOOK_URL",
        "`<TRACKER_PUBLIC_URL>/webhook/twilio`",
        "public URL of `/webhook/twilio`, exactly as entered in Twilio's console: Twilio signs "
        "every request over it; also the StatusCallback URL sent with each message (plus "
        "`?cb=outbox:<id>`)",
    ),
    Setting(
        "TWILIO_CONTENT_STATUS", "required (twilio)", "ContentSid (`HX...`) of the status template"
    ),
    Setting(
        "TWILIO_CONTENT_COLD_CHAIN", "required (twilio)", "ContentSid of the cold-chain template"
    ),
    Setting(
        "TWILIO_CONTENT_TERMS",
        "none",
        "ContentSid of the settlement/dispute template; unset: those notifications go as text "
        "inside the 24-hour window only",
    ),
)
