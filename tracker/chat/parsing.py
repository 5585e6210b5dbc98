"""Turn what a contact typed or tapped into a command (pure, no I/O).

Texts: HELP / AIDE, SUBSCRIBE / ABONNER <code>, STOP / ARRET / ARRÊT [<code>] (also "stop
updates", "arrêter les notifications", ...), DISPUTE / LITIGE <code> [subject], CERT /
CERTIFICAT <code>, or any text holding an SSCC (18 digits,
optionally prefixed by the `(00)` application identifier, spaces allowed) which becomes a
tracking query. 18 digits with a wrong GS1 check digit give `MistypedCode` so the reply can
suggest the right last digit.
Buttons (`parse_button`): the tracker's payloads `SUBSCRIBE:<sscc>`, `STOP:<sscc>`,
`REPORT:<sscc>`, `DISPUTE:<sscc>`, `CERT:<sscc>`; any other payload, then the button's text, is
read as typed text, so a template button approved as "Stop updates" (whose payload is its text
when none was set) means what typing it means.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import gs1

SSCC_LENGTH = 18


@dataclass(frozen=True, slots=True)
class Help:
    """Show the list of commands."""


@dataclass(frozen=True, slots=True)
class Subscribe:
    """Follow a shipment's status changes."""

    sscc: str


@dataclass(frozen=True, slots=True)
class Stop:
    """Stop following one shipment, or all of them when `sscc` is None."""

    sscc: str | None


@dataclass(frozen=True, slots=True)
class TrackingQuery:
    """Ask for a shipment's provenance."""

    sscc: str


@dataclass(frozen=True, slots=True)
class ReportRequest:
    """Ask for the shipment's full provenance report (document)."""

    sscc: str


@dataclass(frozen=True, slots=True)
class Dispute:
    """Open a dispute about a shipment; `subject` is one of `DISPUTE_SUBJECTS`."""

    sscc: str
    subject: str = "other"


@dataclass(frozen=True, slots=True)
class CertificateRequest:
    """Ask for the shipment's certificates and whether each held at its dates."""

    sscc: str


@dataclass(frozen=True, slots=True)
class MistypedCode:
    """18 digits whose last digit is not the GS1 check digit of the first 17."""

    digits: str
    expected_check_digit: int

    @property
    def corrected(self) -> str:
        """The code with the right check digit (a guess: the typo may be elsewhere)."""
        return self.digits[:-1] + str(self.expected_check_digit)


@dataclass(frozen=True, slots=True)
class Unknown:
    """Nothing recognisable."""

    text: str


Command = (
    Help
    | Subscribe
    | Stop
    | TrackingQuery
    | ReportRequest
    | Dispute
    | CertificateRequest
    | MistypedCode
    | Unknown
)

_HELP = {"HELP", "AIDE", "?", "MENU", "INFO"}
_SUBSCRIBE = {"SUBSCRIBE", "ABONNER", "S'ABONNER", "SABONNER", "FOLLOW", "SUIVRE"}
_STOP = {"STOP", "ARRET", "ARRETER", "UNSUBSCRIBE", "DESABONNER"}
_DISPUTE = {"DISPUTE", "LITIGE", "RECLAMATION", "CLAIM"}
_CERT = {"CERT", "CERTIFICAT", "CERTIFICATS", "CERTIFICATE", "CERTIFICATES", "CERTS"}
_ALL = {"ALL", "TOUT", "TOUS"}
# Words of a dispute's subject, after its code, in either language (accents stripped).
_SUBJECT_WORDS = {
    "late": {"LATE", "DELAY", "DELAYED", "RETARD", "TARD"},
    "damaged": {"DAMAGED", "DAMAGE", "BROKEN", "ENDOMMAGE", "ENDOMMAGEE", "ABIME", "ABIMEE",
                "CASSE", "CASSEE", "AVARIE", "DOMMAGE"},
    "temperature": {"TEMPERATURE", "COLD", "FROID", "CHAUD", "HOT", "WARM"},
    "missing": {"MISSING", "LOST", "MANQUANT", "MANQUANTE", "PERDU", "PERDUE", "MANQUE"},
}  # fmt: skip
DISPUTE_SUBJECTS = ("late", "damaged", "temperature", "missing", "other")
# Words that may follow STOP / ARRET without changing its meaning ("stop updates", "arrêter
# les notifications", "stop all updates please"). Anything else ("stop spamming me") is not
# a command.
_STOP_WORDS = frozenset(
    (
        "UPDATES UPDATE NOTIFICATIONS NOTIFICATION ALERTS ALERT MESSAGES THE MY THESE FOR "
        "PLEASE TRACKING SHIPMENT SHIPMENTS LES LE LA MES CES DES DE DU POUR MISES MISE A JOUR "
        "ALERTES SUIVI EXPEDITION EXPEDITIONS COLIS SVP STP MERCI"
    ).split()
)

# An optional "(00)" AI, then digits separated by at most single spaces (incl. no-break).
_CODE_RUN = re.compile(r"(\(\s*00\s*\)\s*)?\d(?:[ \u00a0]?\d)*")
_PAYLOAD = re.compile(r"^(SUBSCRIBE|STOP|REPORT|DISPUTE|CERT):(\d{18})$")


def parse_text(text: str) -> Command:
    """Parse an inbound text message into a command."""
    normalized = _normalize(text)
    if not normalized:
        return Unknown(text)
    keyword, _, rest = normalized.partition(" ")
    if keyword in _HELP and not rest:
        return Help()
    if keyword in _SUBSCRIBE or keyword in _STOP:
        return _with_code(keyword, rest, text)
    if keyword in _DISPUTE or keyword in _CERT:
        return _terms_command(keyword, rest)
    found = find_code(normalized)
    if isinstance(found, MistypedCode):
        return found
    return TrackingQuery(found) if found else Unknown(text)


def _with_code(keyword: str, rest: str, text: str) -> Command:
    code = find_code(rest)
    if isinstance(code, MistypedCode):
        return code
    if keyword in _SUBSCRIBE:
        # Subscribing needs a code: without one, the help text explains the syntax.
        return Subscribe(code) if code else Help()
    if code:
        return Stop(code)
    words = re.findall(r"[A-Z']+|[^A-Z' ]+", rest)
    if all(word in _ALL or word in _STOP_WORDS for word in words):
        return Stop(None)
    return Unknown(text)


def _terms_command(keyword: str, rest: str) -> Command:
    # Both need a code: without one, the help text explains the syntax.
    code = find_code(rest)
    if isinstance(code, MistypedCode):
        return code
    if not code:
        return Help()
    if keyword in _CERT:
        return CertificateRequest(code)
    return Dispute(code, dispute_subject(rest))


def dispute_subject(text: str) -> str:
    """The subject a dispute's free words name ("retard", "damaged", ...), else "other"."""
    words = set(re.findall(r"[A-Z]+", _normalize(text)))
    for subject, known in _SUBJECT_WORDS.items():
        if words & known:
            return subject
    return "other"


def parse_button(payload: str, text: str = "") -> Command:
    """Map a tapped button to a command: its payload, else its payload or text read as typed.

    Template quick replies arrive as `button.payload` / `button.text`, interactive reply buttons
    as `button_reply.id` / `.title`; both mean the same commands as typed text.
    """
    command = parse_button_payload(payload)
    if not isinstance(command, Unknown):
        return command
    for typed in (payload, text):
        command = parse_text(typed)
        if not isinstance(command, Unknown):
            return command
    return Unknown(payload)


def parse_button_payload(payload: str) -> Command:
    """Map a button payload (`SUBSCRIBE:`, `STOP:`, `REPORT:`, `DISPUTE:`, `CERT:` followed by
    an SSCC) to a command."""
    match = _PAYLOAD.match(payload.strip().upper())
    if not match:
        return Unknown(payload)
    action, sscc = match.groups()
    if _check_digit(sscc[:-1]) != int(sscc[-1]):
        return MistypedCode(sscc, _check_digit(sscc[:-1]))
    if action == "SUBSCRIBE":
        return Subscribe(sscc)
    if action == "STOP":
        return Stop(sscc)
    if action == "DISPUTE":
        return Dispute(sscc)
    if action == "CERT":
        return CertificateRequest(sscc)
    return ReportRequest(sscc)


def find_code(text: str) -> str | MistypedCode | None:
    """Return the first SSCC in a text, a `MistypedCode`, or None when no 18-digit code."""
    mistyped: MistypedCode | None = None
    for match in _CODE_RUN.finditer(text):
        digits = re.sub(r"\D", "", match.group(0))
        if match.group(1):
            digits = digits[2:]  # the "00" of the "(00)" application identifier
        elif len(digits) == SSCC_LENGTH + 2 and digits.startswith("00"):
            digits = digits[2:]  # "00" AI typed without brackets
        if len(digits) != SSCC_LENGTH:
            continue
        expected = _check_digit(digits[:-1])
        if expected == int(digits[-1]):
            return digits
        mistyped = mistyped or MistypedCode(digits, expected)
    return mistyped


def _check_digit(data: str) -> int:
    # The shared GS1 mod-10 routine, so chat and chaincode can never disagree on a code.
    return gs1.check_digit(data)


def _normalize(text: str) -> str:
    # Uppercase, strip accents (ARRÊT -> ARRET) and squeeze whitespace, keep digits intact.
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.replace("\u2019", "'").upper()
    return re.sub(r"[ \t\r\n]+", " ", plain).strip(" .!")
