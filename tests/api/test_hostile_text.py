"""Hostile text in every text field of every write endpoint, over real HTTP.

The operations and their text fields come from the OpenAPI document the tracker serves (a
new field is swept without touching this file; a new write operation fails
`test_every_write_operation_has_a_base_request` until it gets one). Each field gets SQL and
script injections, Unicode direction and zero-width characters, NUL and other control
characters, a lone surrogate, bytes that are not UTF-8, one character too many and the
longest value in two-byte characters. Each answer must be clean: either 422 naming the
field, or 201 with the value stored exactly as sent (read back from the ledger through the
API) and shown escaped on the public page. Never a 5xx; the database still works afterwards.

One stack (tracker over HTTP + SimulatedPeer, FAKE, running the real chaincode) per write
operation: a client scan id is single-use per organisation, and the sweep uses each hostile
value once per field.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest
from markupsafe import escape
from sqlalchemy import inspect

from fabricsim.pki import Enrolment, SimPki
from records import DISPOSITIONS
from tests.api import hostile_terms
from tests.api.api_stack import ApiStack, create_body, new_sscc
from tests.api.hostile_kit import (
    BASES,
    MARKUP,
    NEVER_STORABLE,
    SIZED,
    STORABLE,
    TextField,
    Writer,
    assert_clean,
    error_of,
    payload,
    write_operations,
    writers_for,
)
from tests.api.hostile_terms import strings_in
from tracker.api.openapi import openapi_document
from tracker.store.schema import metadata

DOCUMENT = openapi_document()  # what /api/v1/openapi.json serves: checked by the first test
OPERATIONS = {op.path: op for op in write_operations(DOCUMENT)}


@pytest.fixture(scope="module")
def writers(
    tmp_path_factory: pytest.TempPathFactory, pki: SimPki, people: dict[str, Enrolment]
) -> Iterator[Callable[[str], Writer]]:
    """One Writer (own peer, own stack on a SQLite file) per write operation, made on use."""
    with writers_for(tmp_path_factory.mktemp("hostile-text"), pki, people, OPERATIONS) as made:
        yield made


def _cases() -> Iterator[Any]:
    for op in OPERATIONS.values():
        for text in op.text_fields(DOCUMENT):
            for name in (*STORABLE, *NEVER_STORABLE, *SIZED):
                value = payload(name, text.max_length)
                if value is None:
                    continue
                yield pytest.param(op.path, text, name, id=f"{op.path}|{text.path}|{name}")


def _must_store(text: TextField, name: str, value: str | bytes) -> bool:
    """Storable text that fits a free-text field must be stored (or refused only by access)."""
    fits = text.max_length is not None and len(value) <= text.max_length
    return name in (*STORABLE, "longest") and text.free_text and fits


def test_the_sweep_covers_the_served_document(writers: Callable[[str], Writer]) -> None:
    stack = writers("/shipments").stack
    served = stack.http.get(f"{stack.url}/api/v1/openapi.json")
    assert served.status_code == 200
    assert served.json() == json.loads(json.dumps(DOCUMENT))
    assert sum(len(op.text_fields(DOCUMENT)) for op in OPERATIONS.values()) >= 40


def test_every_write_operation_has_a_base_request() -> None:
    assert set(OPERATIONS) == set(BASES), "give each new write operation a base request here"


@pytest.mark.parametrize("path", sorted(BASES))
def test_base_request_is_accepted(writers: Callable[[str], Writer], path: str) -> None:
    writer = writers(path)
    response = BASES[path](writer).send(writer.stack)
    assert response.status_code == 201, response.text
    if path.endswith("/delivery"):
        writer.target = None  # delivered: final


@pytest.mark.parametrize(("path", "text", "name"), list(_cases()))
def test_hostile_text_gets_a_clean_answer(
    writers: Callable[[str], Writer], path: str, text: TextField, name: str
) -> None:
    writer = writers(path)
    value = payload(name, text.max_length)
    assert value is not None
    request = BASES[path](writer)
    response = request.send(writer.stack, text, value)
    assert_clean(response)
    if not _must_store(text, name, value):
        json_bytes_refused = isinstance(value, bytes) and request.files is None
        named = "body" if json_bytes_refused else text.path
        error_of(response, 422, ("INVALID_ARGUMENT", "INVALID_SSCC"), named)
        return
    if response.status_code == 403:  # who may write this (e.g. only one's own org as producer)
        error_of(response, 403, ("FORBIDDEN",))
        return
    assert response.status_code == 201, response.text
    answer = response.json()
    if path.endswith("/delivery"):
        writer.target = None  # delivered: final
    assert isinstance(value, str)
    scan = value if text.path == "client_scan_id" else request.body["client_scan_id"]
    assert value in stored_strings(writer.stack, request.who, answer, scan)
    if any(char in value for char in MARKUP) and "page" in answer:  # a certificate has none
        assert_page_escapes(writer.stack, answer["page"], value)


def stored_strings(stack: ApiStack, who: str, answer: dict[str, Any], scan: str) -> set[str]:
    """What the API reads back of this one write: the ledger's shipment (a creation) or the
    checkpoint it added, read again by tx id, the evidence that checkpoint points at (JSON),
    and the scan journal's client scan id. Texts count line by line too: the chaincode
    keeps an exception's reason and notes as one text, the reason's line first."""
    if "checkpoint" not in answer:  # an agreement, dispute or certificate write
        return hostile_terms.stored_strings(stack, answer)
    sscc = answer["shipment"]["sscc"]
    ledger = stack.get("auditor", f"/shipments/{sscc}")
    assert ledger.status_code == 200, ledger.text
    checkpoint = answer["checkpoint"] or {}
    if checkpoint:
        own = [c for c in ledger.json()["checkpoints"] if c["tx_id"] == checkpoint["tx_id"]]
        assert own == [checkpoint]
        found = set(strings_in(own))
    else:
        assert ledger.json()["shipment"]["created_tx"] == answer["tx_id"]
        found = set(strings_in(ledger.json()["shipment"]))
    found.update(line for text in list(found) for line in text.split("\n"))
    digests = list(checkpoint.get("evidence", []))
    if checkpoint.get("temperature"):
        digests.append(checkpoint["temperature"]["raw_sha256"])
    for digest in digests:
        kept = stack.get("auditor", f"/evidence/{digest}")
        assert_clean(kept)
        if kept.status_code == 200 and kept.headers["content-type"] == "application/json":
            found.update(strings_in(kept.json()))
    journal = stack.get(who, "/scans/" + quote(scan, safe=""))
    assert journal.status_code == 200, journal.text
    assert journal.json()["state"] == "committed"
    found.add(journal.json()["client_scan_id"])
    return found


def assert_page_escapes(stack: ApiStack, page_path: str, value: str) -> None:
    """The shipment page (its tokened link), from the read model once followed: none of the
    value's markup."""
    stack.follow()
    page = stack.http.get(f"{stack.url}{page_path}")
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert value not in page.text
    assert "<script>alert" not in page.text and "<img src=x" not in page.text


@pytest.mark.parametrize("name", [n for n in STORABLE if len(STORABLE[n]) <= 200])
def test_public_page_shows_a_hostile_origin_escaped(
    writers: Callable[[str], Writer], name: str
) -> None:
    stack = writers("/shipments").stack
    value = STORABLE[name]
    sscc = new_sscc()
    origin = {"gln": "0614141000012", "name": value}
    response = stack.post("dispatcher", "/shipments", json=create_body(sscc, origin=origin))
    assert response.status_code == 201, response.text
    stack.follow()
    page = stack.http.get(stack.url + response.json()["page"])  # the tokened link
    assert page.status_code == 200
    assert f'<dd id="origin">{escape(value)}' in page.text
    if any(char in value for char in MARKUP):
        assert value not in page.text


@pytest.mark.parametrize("path", sorted(BASES))
def test_database_still_works_after_the_sweep(writers: Callable[[str], Writer], path: str) -> None:
    stack = writers(path).stack
    with stack.sessions() as session:
        tables = set(inspect(session.get_bind()).get_table_names())
    assert set(metadata.tables) <= tables
    sscc = new_sscc()
    created = stack.post("dispatcher", "/shipments", json=create_body(sscc))
    assert created.status_code == 201, created.text
    assert stack.get("auditor", f"/shipments/{sscc}").status_code == 200
    stack.follow()
    assert sscc in listed_from_read_model(stack, {"status": "created"})
    assert stack.http.get(stack.url + created.json()["page"]).status_code == 200


def listed_from_read_model(stack: ApiStack, query: dict[str, str]) -> set[str]:
    """Every SSCC the list endpoint pages through, from the read model."""
    found: set[str] = set()
    bookmark = ""
    while True:
        params = {**query, "page_size": "100", **({"bookmark": bookmark} if bookmark else {})}
        page = stack.get("auditor", "/shipments", params=params)
        assert page.status_code == 200, page.text
        assert page.json()["source"] == "read_model"
        found.update(s["sscc"] for s in page.json()["shipments"])
        bookmark = page.json()["bookmark"]
        if not bookmark:
            return found


def test_the_documented_dispositions_are_the_chaincodes() -> None:
    """The API refuses a disposition by name before the ledger does, with the same list (one
    vocabulary, in `records`, for the chaincode and the API)."""
    documented = DOCUMENT["components"]["schemas"]["Checkpoint"]["properties"]["disposition"]
    assert documented["enum"] == list(DISPOSITIONS)
