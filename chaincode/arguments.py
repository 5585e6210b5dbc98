"""Transaction arguments: strict parsing of each transaction's JSON object.

Each parser returns a frozen request; any problem is an INVALID_ARGUMENT (or
INVALID_SSCC) error naming the field, raised before the ledger is touched.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from chaincode import rules
from chaincode.coldchain import Reading
from chaincode.deal_args import AgreementTerms, parse_terms
from chaincode.errors import invalid_argument
from chaincode.fields import MAX_NOTES, Fields, parse_json_object
from records import (
    Certificate,
    ColdChainProfile,
    Parties,
    Place,
    Product,
    ReadPoint,
    canonical_json,
    format_instant,
    parse_instant,
)

MAX_PAGE_SIZE = 100
MAX_READINGS = 10_000
# A reading is a temperature a logger can report: above absolute zero (where the mean kinetic
# temperature divides by zero kelvin) and at most this hot (hotter ones make it meaningless).
# The same bounds as the tracker's upload check (tracker/api/uploads.py, which the chaincode
# cannot import), enforced here too for clients that reach the peer without the tracker.
ABSOLUTE_ZERO_C = -273.15
MAX_CELSIUS = 1000.0


@dataclass(frozen=True)
class CreateRequest:
    """CreateShipment argument."""

    sscc: str
    product: Product
    quantity: float
    unit: str
    origin: Place
    destination: Place
    parties: Parties
    cold_chain: ColdChainProfile
    promised_delivery: str
    certificates: tuple[Certificate, ...]
    client_scan_id: str
    agreement: AgreementTerms | None = None


@dataclass(frozen=True)
class Observation:
    """Fields shared by every scan-type transaction (one checkpoint each)."""

    sscc: str
    biz_step: str
    disposition: str
    read_point: ReadPoint | None
    event_time: str
    evidence: tuple[str, ...]
    notes: str
    client_scan_id: str


@dataclass(frozen=True)
class TemperatureRequest:
    """RecordTemperatures argument: the logger batch itself."""

    observation: Observation
    readings: tuple[Reading, ...]
    raw_sha256: str


@dataclass(frozen=True)
class ListRequest:
    """ListShipments argument."""

    party: str | None
    status: str | None
    page_size: int
    bookmark: str


def request_digest(raw: str) -> str:
    """SHA-256 of the canonical form of an argument, so retries may reorder keys."""
    return hashlib.sha256(canonical_json(json.loads(raw)).encode()).hexdigest()


def _place(fields: Fields) -> Place:
    """GLN + name object."""
    place = Place(gln=fields.gln("gln"), name=fields.text("name"))
    fields.finish()
    return place


def _read_point(fields: Fields | None) -> ReadPoint | None:
    """Optional read point with optional WGS-84 coordinates."""
    if fields is None:
        return None
    lat = fields.number("lat", required=False)
    lon = fields.number("lon", required=False)
    if lat is not None and not -90 <= lat <= 90:
        raise invalid_argument("read_point.lat", "must be between -90 and 90")
    if lon is not None and not -180 <= lon <= 180:
        raise invalid_argument("read_point.lon", "must be between -180 and 180")
    point = ReadPoint(gln=fields.gln("gln"), name=fields.text("name"), lat=lat, lon=lon)
    fields.finish()
    return point


def _cold_chain(fields: Fields) -> ColdChainProfile:
    """Cold-chain profile; the range must not be inverted."""
    profile = ColdChainProfile(
        min_c=fields.required_number("min_c"),
        max_c=fields.required_number("max_c"),
        allowed_minutes_outside=fields.required_number("allowed_minutes_outside", minimum=0),
        mkt_limit_c=fields.number("mkt_limit_c", required=False),
    )
    fields.finish()
    if profile.min_c > profile.max_c:
        raise invalid_argument("cold_chain", "min_c must not exceed max_c")
    return profile


def parse_create(raw: str) -> CreateRequest:
    """Parse and validate a CreateShipment argument."""
    top = Fields(parse_json_object(raw, "argument"), "")
    product = top.sub("product")
    parties = top.sub("parties")
    request = CreateRequest(
        sscc=top.sscc("sscc"),
        product=Product(
            gtin=product.gtin14("gtin"),
            lot=product.text("lot", max_len=20),
            description=product.text("description", required=False),
        ),
        quantity=top.required_number("quantity", minimum=0),
        unit=top.text("unit", max_len=20),
        origin=_place(top.sub("origin")),
        destination=_place(top.sub("destination")),
        parties=Parties(
            producer=parties.text("producer"),
            carrier=parties.text("carrier"),
            retailer=parties.text("retailer"),
        ),
        cold_chain=_cold_chain(top.sub("cold_chain")),
        promised_delivery=top.instant("promised_delivery"),
        certificates=_certificates(top),
        client_scan_id=top.text("client_scan_id", required=False, max_len=100),
        agreement=_agreement(top),
    )
    product.finish()
    parties.finish()
    top.finish()
    if request.quantity <= 0:
        raise invalid_argument("quantity", "must be greater than 0")
    return request


def _agreement(top: Fields) -> AgreementTerms | None:
    """Optional agreement terms proposed with the shipment (ProposeAgreement's, less sscc)."""
    fields = top.optional_sub("agreement")
    if fields is None:
        return None
    terms = parse_terms(fields)
    fields.finish()
    return terms


def _certificates(top: Fields) -> tuple[Certificate, ...]:
    """Optional list of {type, sha256} document references."""
    certificates = []
    for index, value in enumerate(top.array("certificates", required=False, max_items=20)):
        item = top.item("certificates", index, value)
        certificates.append(Certificate(doc_type=item.text("type"), sha256=item.sha256("sha256")))
        item.finish()
    return tuple(certificates)


def _observation(top: Fields, biz_step: str, disposition: str, event_time: str) -> Observation:
    """Shared scan fields; defaults for bizStep/disposition/time come from the caller."""
    chosen_step = top.text("biz_step", required=False) or biz_step
    chosen_disposition = top.text("disposition", required=False) or disposition
    return Observation(
        sscc=top.sscc("sscc"),
        biz_step=rules.normalize_biz_step(chosen_step),
        disposition=rules.normalize_disposition(chosen_disposition),
        read_point=_read_point(top.optional_sub("read_point")),
        event_time=event_time or top.instant("event_time"),
        evidence=top.sha256_list("evidence"),
        notes=top.text("notes", required=False, max_len=MAX_NOTES),
        client_scan_id=top.text("client_scan_id", max_len=100),
    )


def parse_checkpoint(raw: str) -> Observation:
    """RecordCheckpoint: biz_step, read_point and event_time are mandatory."""
    top = Fields(parse_json_object(raw, "argument"), "")
    top.text("biz_step")  # mandatory here, unlike the other scan transactions
    top.sub("read_point")
    observation = _observation(top, "", "in_transit", "")
    top.finish()
    return observation


def _celsius(value: float, field: str) -> float:
    """A logger reading within the plausible temperature range (see MAX_CELSIUS)."""
    if not ABSOLUTE_ZERO_C < value <= MAX_CELSIUS:
        limits = f"above {ABSOLUTE_ZERO_C} (absolute zero) and at most {MAX_CELSIUS:g}"
        raise invalid_argument(field, f"{value!r} is not a temperature: give one {limits}")
    return value


def parse_temperatures(raw: str) -> TemperatureRequest:
    """RecordTemperatures: the batch's readings must be in strictly increasing time."""
    top = Fields(parse_json_object(raw, "argument"), "")
    readings = []
    for index, value in enumerate(top.array("readings", max_items=MAX_READINGS)):
        item = top.item("readings", index, value)
        at = item.instant("time")
        celsius = _celsius(item.required_number("celsius"), f"readings[{index}].celsius")
        readings.append(Reading(at=parse_instant(at), celsius=celsius))
        item.finish()
    if not readings:
        raise invalid_argument("readings", "must contain at least one reading")
    for index, (earlier, later) in enumerate(zip(readings, readings[1:], strict=False), start=1):
        if later.at <= earlier.at:
            raise invalid_argument(f"readings[{index}].time", "must be after the previous reading")
    top.text("device_id", required=False)  # informative only; kept in the raw batch hash
    # The batch's event time is its last reading: when the logger data ends.
    last_time = format_instant(readings[-1].at)
    observation = _observation(top, "sensor_reporting", "in_transit", last_time)
    top.finish()
    digest = hashlib.sha256(raw.encode()).hexdigest()
    return TemperatureRequest(observation=observation, readings=tuple(readings), raw_sha256=digest)


def parse_delivery(raw: str) -> Observation:
    """ConfirmDelivery: the proof-of-delivery photo hash leads the evidence list."""
    top = Fields(parse_json_object(raw, "argument"), "")
    proof = top.sha256("proof_of_delivery_sha256")
    observation = _observation(top, "receiving", "completeness_verified", "")
    top.finish()
    evidence = (proof, *[item for item in observation.evidence if item != proof])
    return Observation(**{**observation.__dict__, "evidence": evidence})


def parse_exception(raw: str) -> tuple[Observation, str]:
    """ReportException: a mandatory reason plus the usual scan fields."""
    top = Fields(parse_json_object(raw, "argument"), "")
    reason = top.text("reason", max_len=MAX_NOTES)
    observation = _observation(top, "inspecting", "non_conformant", "")
    top.finish()
    return observation, reason


def parse_sscc(raw: str) -> str:
    """Read transactions take {"sscc": ...} or, for CLI convenience, the bare SSCC."""
    text = raw.strip()
    if not text.startswith("{"):
        return Fields({"sscc": text}, "").sscc("sscc")
    top = Fields(parse_json_object(raw, "argument"), "")
    sscc = top.sscc("sscc")
    top.finish()
    return sscc


def parse_list(raw: str) -> ListRequest:
    """ListShipments: by party (optionally filtered by status) or by status."""
    top = Fields(parse_json_object(raw or "{}", "argument"), "")
    party = top.text("party", required=False) or None
    status_text = top.text("status", required=False)
    status = rules.parse_status(status_text).value if status_text else None
    request = ListRequest(
        party=party,
        status=status,
        page_size=top.integer("page_size", default=20, minimum=1, maximum=MAX_PAGE_SIZE),
        bookmark=top.text("bookmark", required=False, max_len=1000),
    )
    top.finish()
    if party is None and status is None:
        raise invalid_argument("argument", "give party, status or both")
    return request
