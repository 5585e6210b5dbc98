"""Shared pieces of the hostile-input sweep (tests/api/test_hostile_*.py): the payloads, the
walk of the OpenAPI document that finds every write operation and every text field in it,
a valid base request per write operation, stacks on any database, and the checks of a
clean answer.

The stacks are the tracker served over real HTTP in front of a SimulatedPeer (FAKE, not
Fabric) running the real chaincode, as in api_stack.py.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from demo.scenario import tiny_png
from fabricsim.peer import SimulatedPeer
from fabricsim.pki import Enrolment, SimPki
from tests.api import hostile_terms
from tests.api.api_stack import (
    HUB,
    ApiStack,
    checkpoint_body,
    create_body,
    new_sscc,
    scan_id,
    start_stack,
)

DESTINATION = {"gln": "4006381000017", "name": "Retail DC Berlin"}
START = datetime(2030, 3, 1, tzinfo=UTC)

# Values a client can fit in a field and a database or a page could be fooled by: each must
# be stored exactly as sent and shown escaped.
STORABLE: dict[str, str] = {
    "sql_drop": "'; DROP TABLE shipments; --",
    "sql_or": "' OR '1'='1",
    "script": "<script>alert(1)</script>",
    "img_onerror": '"><img src=x onerror=alert(1)>',
    "rtl_override": "\u202egnp.exe",
    "zero_width": "a\u200b\u200d\ufeffb",
    "non_bmp": "\U0001f353 \ufdfd \u0661\u0662\u0663",
}
# Values no field can store as sent: each must be refused with 422 naming the field.
NEVER_STORABLE: dict[str, str | bytes] = {
    "nul": "a\x00b",
    "escape": "\x1b[2Jcleared",
    "c1_control": "a\x9bb",
    "lone_surrogate": "a\ud800b",
    "not_utf8": b"a\xff\xfeb",
}
# maxLength + 1 characters; maxLength characters of two UTF-8 bytes each
SIZED = ("overlong", "longest")
MARKUP = ("<", ">", '"', "'")


def payload(name: str, max_length: int | None) -> str | bytes | None:
    """The payload called `name` for a field of that maxLength (None: not for that field)."""
    if name == "overlong":
        return "x" * (max_length + 1 if max_length else 5000)
    if name == "longest":
        return "\u00e9" * max_length if max_length else None
    return STORABLE.get(name, NEVER_STORABLE.get(name))


def resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    """A schema with its `$ref` followed and a nullable `anyOf` reduced to the non-null part."""
    while True:
        if "$ref" in schema:
            schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        elif "anyOf" in schema:
            schema = next(s for s in schema["anyOf"] if s.get("type") != "null")
        else:
            return schema


@dataclass(frozen=True)
class TextField:
    """A string field of a request body, named as the API names it in errors."""

    path: str
    schema: dict[str, Any]

    @property
    def max_length(self) -> int | None:
        """The documented maxLength, if any."""
        found = self.schema.get("maxLength")
        return int(found) if found is not None else None

    @property
    def free_text(self) -> bool:
        """Documented as bounded text, not an identifier, enum, pattern or date."""
        constrained = {"enum", "pattern", "format"} & set(self.schema)
        return self.max_length is not None and not constrained


@dataclass(frozen=True)
class WriteOperation:
    """A POST of the document: its path template, body media type and body schema."""

    path: str
    media: str
    schema: dict[str, Any]

    def text_fields(self, document: dict[str, Any]) -> list[TextField]:
        """Every string field of the body, nested and in arrays (files excluded)."""
        return list(_texts(self.schema, document, ""))


def _texts(schema: dict[str, Any], document: dict[str, Any], prefix: str) -> Iterator[TextField]:
    for name, sub in schema.get("properties", {}).items():
        sub = resolve(sub, document)
        path = f"{prefix}.{name}" if prefix else name
        if sub.get("type") == "object":
            yield from _texts(sub, document, path)
        elif sub.get("type") == "array":
            item = resolve(sub["items"], document)
            if item.get("type") == "object":
                yield from _texts(item, document, f"{path}.0")
            elif item.get("type") == "string":
                yield TextField(f"{path}.0", item)
        elif sub.get("type") == "string" and "contentMediaType" not in sub:
            yield TextField(path, sub)


def write_operations(document: dict[str, Any]) -> list[WriteOperation]:
    """Every POST operation of the document with a request body."""
    found = []
    for path, item in document["paths"].items():
        body = item.get("post", {}).get("requestBody")
        if body is None:
            continue
        [(media, content)] = body["content"].items()
        found.append(WriteOperation(path, media, resolve(content["schema"], document)))
    return found


def get_operations(document: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Every GET operation: path template and its query parameters."""
    found = []
    for path, item in document["paths"].items():
        if "get" in item:
            params = item["get"].get("parameters", [])
            found.append((path, [p for p in params if p.get("in") == "query"]))
    return found


def set_path(body: dict[str, Any], path: str, value: Any) -> None:
    """Put `value` at a dotted path (`certificates.0.type`), creating what is missing."""
    keys = path.split(".")
    here: Any = body
    for key, after in zip(keys, keys[1:], strict=False):
        index: Any = int(key) if key.isdigit() else key
        if isinstance(here, list):
            while len(here) <= index:
                here.append({})
        elif key not in here or not isinstance(here[key], dict | list):
            here[key] = [] if after.isdigit() else {}
        here = here[index]
    last = keys[-1]
    if isinstance(here, list):
        while len(here) <= int(last):
            here.append(None)
        here[int(last)] = value
    else:
        here[last] = value


RAW_MARK = "@@raw-bytes@@"


def json_bytes(body: dict[str, Any], raw: bytes | None = None) -> bytes:
    """The body as sent: ASCII JSON (lone surrogates escaped), `raw` spliced in for RAW_MARK."""
    encoded = json.dumps(body).encode("ascii")
    return encoded.replace(RAW_MARK.encode(), raw) if raw is not None else encoded


def assert_clean(response: httpx.Response) -> None:
    """No server error, no traceback; JSON answers; every 4xx in the API's one error shape."""
    assert response.status_code < 500, response.text
    assert "Traceback" not in response.text and 'File "' not in response.text
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/json"), response.text
        body = response.json()
        assert set(body) == {"error"}, body
        assert set(body["error"]) <= {"code", "message", "tx_id", "field"}, body
        assert body["error"]["code"] and body["error"]["message"], body


def error_of(
    response: httpx.Response, status: int, codes: tuple[str, ...], field: str | None = None
) -> dict[str, Any]:
    """The error object, after checking it is clean, its status, code and named field."""
    assert_clean(response)
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] in codes, error
    if field is not None:
        assert error.get("field") == field, error
        assert error["message"].startswith(f"{field}: ") or error["code"] != "INVALID_ARGUMENT"
    return error


@dataclass
class Writer:
    """One write operation's own stack, the shipment it writes to and its valid request."""

    stack: ApiStack
    operation: WriteOperation
    clock: Iterator[int] = field(default_factory=itertools.count)
    target: str | None = None

    def shipment(self, steps: tuple[str, ...]) -> str:
        """The shipment scans go to, moved through `steps` once (a fresh one when used up)."""
        if self.target is None:
            self.target = self.stack.created()
            for step in steps:
                answer = self.stack.post(
                    "scanner", f"/shipments/{self.target}/checkpoints", json=checkpoint_body(step)
                )
                assert answer.status_code == 201, answer.text
        return self.target

    def instant(self) -> str:
        """A later time at each call (logger batches must move forward)."""
        return (START + timedelta(minutes=next(self.clock))).isoformat()


@dataclass(frozen=True)
class Request:
    """A valid request of one operation: who sends it, where, and its body."""

    who: str
    url: str
    body: dict[str, Any]
    files: dict[str, tuple[str, bytes, str]] | None = None

    def send(self, stack: ApiStack, text: TextField | None = None, value: Any = None) -> Any:
        """POST it, with `value` put in `text` (bytes go in raw)."""
        body: dict[str, Any] = {k: v for k, v in self.body.items()}
        if self.files is None:
            body = _deep_copy(body)
            raw = value if isinstance(value, bytes) else None
            if text is not None:
                set_path(body, text.path, RAW_MARK if raw is not None else value)
            headers = {"Content-Type": "application/json"}
            return stack.post(self.who, self.url, content=json_bytes(body, raw), headers=headers)
        if text is not None:  # a form field: UTF-8, a lone surrogate as its (invalid) bytes
            body[text.path] = value if isinstance(value, bytes) else _form_bytes(value)
        return stack.post(self.who, self.url, data=body, files=self.files)


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


def _form_bytes(value: str) -> bytes:
    return value.encode("utf-8", "surrogatepass")


def _create(writer: Writer) -> Request:
    body = create_body(
        new_sscc(),
        certificates=[{"type": "organic", "sha256": "c" * 64}],
        agreement=hostile_terms.terms(),  # every field there: a hostile one is named as itself
    )
    return Request("dispatcher", "/shipments", body)


def _checkpoint(writer: Writer) -> Request:
    sscc = writer.shipment(("departing",))  # in transit: departing again keeps it there
    point = {**HUB, "lat": 45.75, "lon": 4.85}
    body = checkpoint_body("departing", read_point=point, disposition="in_transit", notes="ok")
    return Request("scanner", f"/shipments/{sscc}/checkpoints", body)


def _exception(writer: Writer) -> Request:
    sscc = writer.shipment(())  # exception -> exception is allowed
    body = {
        "client_scan_id": scan_id(),
        "reason": "pallet crushed",
        "notes": "ok",
        "disposition": "damaged",
        "biz_step": "inspecting",
        "read_point": dict(HUB),
        "event_time": writer.instant(),
    }
    return Request("scanner", f"/shipments/{sscc}/exceptions", body)


def _temperatures(writer: Writer) -> Request:
    sscc = writer.shipment(("departing",))
    form = {
        "client_scan_id": scan_id(),
        "notes": "ok",
        "device_id": "logger-7",
        "read_point_gln": HUB["gln"],
        "read_point_name": HUB["name"],
    }
    log = f"time,celsius\n{writer.instant()},4.5\n{writer.instant()},5.0\n".encode()
    return Request(
        "scanner", f"/shipments/{sscc}/temperatures", form, {"file": ("log.csv", log, "text/csv")}
    )


def _delivery(writer: Writer) -> Request:
    sscc = writer.shipment(("departing", "arriving", "loading"))  # out for delivery
    form = {
        "client_scan_id": scan_id(),
        "notes": "ok",
        "read_point_gln": DESTINATION["gln"],
        "read_point_name": DESTINATION["name"],
        "event_time": writer.instant(),
    }
    photo = {"photo": ("pod.png", tiny_png(), "image/png")}
    return Request("receiver", f"/shipments/{sscc}/delivery", form, photo)


def _terms(
    make: Callable[[Writer], tuple[str, str, dict[str, Any]]],
) -> Callable[[Writer], Request]:
    """A base of an agreement, dispute or certificate write (tests/api/hostile_terms.py)."""
    return lambda writer: Request(*make(writer))


BASES: dict[str, Callable[[Writer], Request]] = {
    "/shipments": _create,
    "/shipments/{sscc}/checkpoints": _checkpoint,
    "/shipments/{sscc}/exceptions": _exception,
    "/shipments/{sscc}/temperatures": _temperatures,
    "/shipments/{sscc}/delivery": _delivery,
    "/shipments/{sscc}/agreement": _terms(hostile_terms.propose),
    "/shipments/{sscc}/agreement/accept": _terms(hostile_terms.accept),
    "/shipments/{sscc}/settlement": _terms(hostile_terms.settle),
    "/shipments/{sscc}/disputes/{dispute_id}/resolution": _terms(hostile_terms.resolve),
    "/certificates": _terms(hostile_terms.register),
}


@contextmanager
def writers_for(
    root: Path,
    pki: SimPki,
    people: dict[str, Enrolment],
    operations: dict[str, WriteOperation],
) -> Iterator[Callable[[str], Writer]]:
    """Writers made on first use, one per operation (own peer, own SQLite stack); closed after.

    A client scan id is single-use per organisation, and a sweep uses each hostile value once
    per field: one ledger per operation keeps the operations from colliding.
    """
    made: dict[str, Writer] = {}

    def writer(path: str) -> Writer:
        if path not in made:
            number = len(made)
            peer = SimulatedPeer(pki).start()
            url = f"sqlite:///{root / f'op{number}.db'}"
            stack = start_stack(root / f"op{number}", pki, peer, people, database_url=url)
            made[path] = Writer(stack, operations[path])
        return made[path]

    try:
        yield writer
    finally:
        for each in made.values():
            each.stack.close()
            each.stack.peer.stop()
