"""Hostile identifiers and query strings, over real HTTP: invalid SSCCs in every path and in
bodies, path traversal towards /api/v1/evidence, hostile scan ids, and hostile values in
every query parameter of every GET operation of the OpenAPI document.

Invalid SSCCs get 422 INVALID_SSCC naming the problem; the forms a person or a scanner
prints ((00) prefix, spaces) are normalised and accepted; nothing answers 5xx. The last test
runs the NUL cases on SQLite and on PostgreSQL, which refuses NUL in any text: they must be
refused before they reach a database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

import gs1
from fabricsim.peer import SimulatedPeer
from fabricsim.pki import Enrolment, SimPki
from tests.api.api_stack import ApiStack, checkpoint_body, create_body, new_sscc, start_stack
from tests.api.hostile_kit import assert_clean, error_of, get_operations
from tracker.api.openapi import openapi_document

DOCUMENT = openapi_document()
SSCC_OPERATIONS = sorted(
    (method, path)
    for path, item in DOCUMENT["paths"].items()
    if "{sscc}" in path
    for method in ("get", "post")
    if method in item
)


@pytest.fixture(scope="module")
def shipped(
    tmp_path_factory: pytest.TempPathFactory, pki: SimPki, people: dict[str, Enrolment]
) -> Iterator[tuple[ApiStack, str]]:
    """A stack with one shipment in transit, followed into the read model; and its SSCC."""
    root = tmp_path_factory.mktemp("hostile-ids")
    peer = SimulatedPeer(pki).start()
    stack = start_stack(root / "stack", pki, peer, people)
    sscc = stack.created()
    departed = stack.post(
        "scanner", f"/shipments/{sscc}/checkpoints", json=checkpoint_body("departing")
    )
    assert departed.status_code == 201, departed.text
    stack.follow()
    yield stack, sscc
    stack.close()
    peer.stop()


def _other_digits(sscc: str, zero: int) -> str:
    return "".join(chr(zero + int(d)) for d in sscc)


def _wrong_check_digit(sscc: str) -> str:
    return sscc[:-1] + str((int(sscc[-1]) + 1) % 10)


# name -> (the path segment as sent, from a valid SSCC; a fragment of the 422 message)
INVALID_SSCCS: dict[str, tuple[Callable[[str], str], str]] = {
    "wrong_check_digit": (_wrong_check_digit, "check digit should be"),
    "17_digits": (lambda s: s[:-1], "must be 18 digits, got 17"),
    "19_digits": (lambda s: s + "0", "must be 18 digits, got 19"),
    "letters": (lambda s: "ABCDEFGHIJKLMNOPQR", "only digits"),
    "letter_o_for_zero": (lambda s: s[:1] + "O" + s[2:], "only digits"),
    "arabic_indic_digits": (lambda s: quote(_other_digits(s, 0x660)), "only digits"),
    "fullwidth_digits": (lambda s: quote(_other_digits(s, 0xFF10)), "only digits"),
    "ai_00_wrong_check_digit": (lambda s: "(00)" + _wrong_check_digit(s), "check digit"),
    "ai_01_prefix": (lambda s: "(01)" + s, "must be 18 digits"),
    "minus_sign": (lambda s: "-" + s[1:], "only digits"),
    "sql": (lambda s: quote(s + "' OR '1'='1"), "must be 18 digits"),
    "markup": (lambda s: quote('"><svg onload=alert(1)>', safe=""), "must be 18 digits"),
    "nul": (lambda s: s + "%00", "must be 18 digits, got 19"),
    "rtl_override": (lambda s: "%E2%80%AE" + s, "must be 18 digits, got 19"),
    "zero_width_space": (lambda s: s + "%E2%80%8B", "must be 18 digits, got 19"),
    "not_utf8": (lambda s: "%FF%FE", "must be 18 digits"),
    "5000_digits": (lambda s: "1" * 5000, "must be 18 digits, got 5000"),
    "double_encoded_slash": (lambda s: s[:9] + "%252F" + s[9:], "must be 18 digits"),
    "blank": (lambda s: "%20", "must be 18 digits, got 0"),
}
SLASHED: dict[str, Callable[[str], str]] = {
    "encoded_slash_inside": lambda s: s[:9] + "%2F" + s[9:],
    "dot_dot_slash": lambda s: "..%2F" + s,
    "traversal": lambda s: "%2F..%2F..%2Fetc%2Fpasswd",
}
NORMALISED: dict[str, Callable[[str], str]] = {
    "ai_00_prefix": lambda s: "(00)" + s,
    "ai_00_and_spaces": lambda s: f"(00)%20{s[:9]}%20{s[9:]}",
    "surrounding_blanks": lambda s: f"%20%09{s}%20",
}
ROLE = {"post": "scanner", "get": "auditor"}


def _call(stack: ApiStack, method: str, path: str, segment: str) -> Any:
    url = path.replace("{sscc}", segment)
    if method == "post":
        return stack.post(ROLE[method], url, json=checkpoint_body("departing"))
    return stack.get(ROLE[method], url)


@pytest.mark.parametrize("name", sorted(INVALID_SSCCS))
@pytest.mark.parametrize(("method", "path"), SSCC_OPERATIONS)
def test_invalid_sscc_in_a_path_is_422_naming_the_problem(
    shipped: tuple[ApiStack, str], method: str, path: str, name: str
) -> None:
    stack, sscc = shipped
    make, fragment = INVALID_SSCCS[name]
    error = error_of(_call(stack, method, path, make(sscc)), 422, ("INVALID_SSCC",), "sscc")
    assert fragment in error["message"], error


@pytest.mark.parametrize("name", sorted(INVALID_SSCCS))
def test_invalid_sscc_on_the_public_page_is_422(shipped: tuple[ApiStack, str], name: str) -> None:
    stack, sscc = shipped
    make, fragment = INVALID_SSCCS[name]
    page = stack.http.get(f"{stack.url}/shipments/{make(sscc)}")
    error = error_of(page, 422, ("INVALID_SSCC",))
    assert fragment in error["message"], error
    assert "<" not in page.text


@pytest.mark.parametrize("name", sorted(SLASHED))
@pytest.mark.parametrize(("method", "path"), SSCC_OPERATIONS)
def test_slashes_in_an_sscc_match_no_route(
    shipped: tuple[ApiStack, str], method: str, path: str, name: str
) -> None:
    stack, sscc = shipped
    error_of(_call(stack, method, path, SLASHED[name](sscc)), 404, ("NOT_FOUND",))
    assert stack.http.get(f"{stack.url}/shipments/{SLASHED[name](sscc)}").status_code == 404


@pytest.mark.parametrize("name", sorted(NORMALISED))
def test_printed_forms_of_an_sscc_are_normalised_and_accepted(
    shipped: tuple[ApiStack, str], name: str
) -> None:
    stack, sscc = shipped
    segment = NORMALISED[name](sscc)
    read = stack.get("auditor", f"/shipments/{segment}")
    assert read.status_code == 200, read.text
    assert read.json()["shipment"]["sscc"] == sscc
    scan = stack.post(
        "scanner", f"/shipments/{segment}/checkpoints", json=checkpoint_body("departing")
    )
    assert scan.status_code == 201, scan.text
    assert scan.json()["checkpoint"]["sscc"] == sscc
    assert stack.http.get(f"{stack.url}/shipments/{segment}").status_code == 200


KNOWN = "37612345000000007" + str(gs1.check_digit("37612345000000007"))  # a valid SSCC
WRONG = _wrong_check_digit(KNOWN)
BODY_SSCCS: dict[str, tuple[Any, str, str]] = {
    "wrong_check_digit": (WRONG, "INVALID_SSCC", "check digit"),
    "17_digits": (KNOWN[:-1], "INVALID_SSCC", "got 17"),
    "19_digits": (KNOWN + "0", "INVALID_SSCC", "got 19"),
    "letters": (KNOWN[:-1] + "A", "INVALID_SSCC", "only digits"),
    "arabic_indic": (_other_digits(KNOWN, 0x660), "INVALID_SSCC", "only digits"),
    "ai_00_wrong_check_digit": ("(00)" + WRONG, "INVALID_SSCC", "check digit"),
    "sql": (KNOWN + "'; DROP TABLE shipments; --", "INVALID_SSCC", "18 digits"),
    "zero_width_space": (KNOWN + "\u200b", "INVALID_SSCC", "got 19"),
    "nul": (KNOWN[:-1] + "\x00" + KNOWN[-1], "INVALID_ARGUMENT", "U+0000"),
    "empty": ("", "INVALID_SSCC", "got 0"),
    "number": (int(KNOWN), "INVALID_ARGUMENT", "string"),
    "null": (None, "INVALID_ARGUMENT", "null"),
    "list": ([KNOWN], "INVALID_ARGUMENT", "string"),
    "object": ({"sscc": KNOWN}, "INVALID_ARGUMENT", "string"),
}


@pytest.mark.parametrize("name", sorted(BODY_SSCCS))
def test_invalid_sscc_in_a_body_is_422_naming_it(shipped: tuple[ApiStack, str], name: str) -> None:
    stack, _ = shipped
    value, code, fragment = BODY_SSCCS[name]
    response = stack.post(
        "dispatcher", "/shipments", json={**create_body(new_sscc()), "sscc": value}
    )
    error = error_of(response, 422, (code,), "sscc")
    assert fragment in error["message"], error


@pytest.mark.parametrize("form", ["(00) {a} {b}", " {a}{b}\t", "(00){a}{b}"])
def test_printed_sscc_in_a_body_is_stored_normalised(
    shipped: tuple[ApiStack, str], form: str
) -> None:
    stack, _ = shipped
    sscc = new_sscc()
    printed = form.format(a=sscc[:9], b=sscc[9:])
    response = stack.post("dispatcher", "/shipments", json=create_body(printed))
    assert response.status_code == 201, response.text
    assert response.json()["shipment"]["sscc"] == sscc


EVIDENCE_PATHS = [
    "../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "%252e%252e%252fetc%252fpasswd",
    "..",
    "%2e%2e",
    "....%2F%2F....%2F%2Fetc%2Fpasswd",
    "0" * 64 + "%2F..%2F..%2Fetc%2Fpasswd",
    "0" * 64 + "%00",
    "0" * 64 + ".json",
    "0" * 63,
    "0" * 65,
    "A" * 64,
    "g" * 64,
    "%00",
    "%FF%FE",
    quote("\u0660" * 64),
    quote("'; DROP TABLE evidence; --"),
]


@pytest.mark.parametrize("segment", EVIDENCE_PATHS)
def test_path_traversal_towards_evidence_is_refused(
    shipped: tuple[ApiStack, str], segment: str
) -> None:
    stack, _ = shipped
    response = stack.get("auditor", f"/evidence/{segment}")
    assert_clean(response)
    assert response.status_code in (404, 422), response.text
    if response.status_code == 422:
        error_of(response, 422, ("INVALID_ARGUMENT",), "sha256")
    assert "root:" not in response.text


# Query values as they go on the wire (already percent-encoded where needed).
HOSTILE_QUERY_VALUES = {
    "sql_drop": quote("'; DROP TABLE shipments; --"),
    "sql_or": quote("' OR '1'='1"),
    "script": quote("<script>alert(1)</script>"),
    "nul": "a%00b",
    "escape": "%1B%5B2J",
    "lone_surrogate_bytes": "%ED%A0%80",
    "not_utf8": "%FF%FE",
    "rtl_override": "%E2%80%AEx",
    "5000_chars": "x" * 5000,
    "empty": "",
    "negative": "-1",
    "huge_integer": "9" * 5000,
    "nan": "NaN",
    "exponent": "1e3",
    "hex": "0x10",
    "arabic_indic_digits": quote("\u0661\u0660"),
}
# A valid value for every query parameter the document has (a new one needs one here).
VALID_QUERY = {
    "party": "ProducerMSP",
    "msp_id": "ProducerMSP",
    "status": "in_transit",
    "page_size": "5",
    "bookmark": "",
    "gtin": "04006381333931",
    "lot": "LOT-1",
    "from": "2030-01-01",
    "to": "2030-12-31",
    "limit": "5",
}


def _valid(name: str, schema: dict[str, Any]) -> str:
    """A valid value of a query parameter: from its enum (JSON if offered), else the table."""
    if "enum" in schema:
        return "json" if "json" in schema["enum"] else str(schema["enum"][0])
    return VALID_QUERY[name]


def _query_cases() -> Iterator[Any]:
    for path, params in get_operations(DOCUMENT):
        for param in params:
            for name in HOSTILE_QUERY_VALUES:
                yield pytest.param(path, param["name"], name, id=f"{path}|{param['name']}|{name}")
            yield pytest.param(path, param["name"], "twice", id=f"{path}|{param['name']}|twice")


def _url(path: str, sscc: str, query: list[tuple[str, str]]) -> str:
    encoded = "&".join(f"{key}={value}" for key, value in query)
    return path.replace("{sscc}", sscc) + "?" + encoded


@pytest.mark.parametrize(("path", "param", "name"), list(_query_cases()))
def test_hostile_query_values_get_a_clean_answer(
    shipped: tuple[ApiStack, str], path: str, param: str, name: str
) -> None:
    stack, sscc = shipped
    described = {p["name"]: p["schema"] for p in dict(get_operations(DOCUMENT))[path]}
    params = set(described)
    valid = {key: quote(_valid(key, schema)) for key, schema in described.items()}
    query = [(key, valid[key]) for key in sorted(params) if key not in ("bookmark", param)]
    if name == "twice":
        query += [(param, valid[param]), (param, valid[param])]
    else:
        query.append((param, HOSTILE_QUERY_VALUES[name]))
    response = stack.get("auditor", _url(path, sscc, query))
    assert_clean(response)
    if response.status_code == 422:
        assert response.json()["error"].get("field") in params | {"sscc", None}
    if path == "/shipments" and response.status_code == 200:
        # Text in a query is data: an injection finds nothing, it does not list everything.
        assert response.json()["shipments"] == [] or name in ("empty", "twice"), response.text


def test_unknown_query_parameters_are_named(shipped: tuple[ApiStack, str]) -> None:
    stack, _ = shipped
    for unknown in ("limit=-1", "offset=x", "party%00=ProducerMSP", "1=1"):
        response = stack.get("auditor", f"/shipments?status=created&{unknown}")
        error = error_of(response, 422, ("INVALID_ARGUMENT",))
        assert error["field"] != "body"


def test_sql_in_a_party_finds_nothing_in_the_read_model(shipped: tuple[ApiStack, str]) -> None:
    stack, sscc = shipped
    listed = stack.get("auditor", "/shipments", params={"party": "ProducerMSP"})
    assert listed.status_code == 200 and listed.json()["source"] == "read_model"
    assert sscc in {s["sscc"] for s in listed.json()["shipments"]}
    for injection in ("' OR '1'='1", "ProducerMSP' OR 1=1 --", "%", "_%"):
        response = stack.get("auditor", "/shipments", params={"party": injection})
        assert response.status_code == 200, response.text
        assert response.json() == {"shipments": [], "bookmark": "", "source": "read_model"}


HOSTILE_SCAN_IDS = {
    "sql": quote("'; DROP TABLE scan_journal; --", safe=""),
    "script_with_slash": quote("<script>alert(1)</script>", safe=""),
    "slash": "a/b",
    "nul": "a%00b",
    "escape": "a%1Bb",
    "not_utf8": "a%FFb",
    "lone_surrogate_bytes": "a%ED%A0%80b",
    "5000_chars": "x" * 5000,
    "dot_dot": "..%2F..%2Fme",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_SCAN_IDS))
def test_hostile_scan_ids_are_404_or_422(shipped: tuple[ApiStack, str], name: str) -> None:
    stack, _ = shipped
    response = stack.get("scanner", f"/scans/{HOSTILE_SCAN_IDS[name]}")
    assert_clean(response)
    if response.status_code == 422:
        error_of(response, 422, ("INVALID_ARGUMENT",), "client_scan_id")
    else:
        error_of(response, 404, ("SCAN_NOT_FOUND", "NOT_FOUND"))


def test_nul_never_reaches_the_database(
    database_url: str,
    tmp_path: Path,
    pki: SimPki,
    people: dict[str, Enrolment],
) -> None:
    """On SQLite and PostgreSQL (which refuses NUL in text: those were 500s, one after the
    checkpoint was committed on the ledger, and a follower stuck on the block)."""
    peer = SimulatedPeer(pki).start()
    stack = start_stack(tmp_path / "stack", pki, peer, people, database_url=database_url)
    try:
        sscc = stack.created()
        body = checkpoint_body("departing", client_scan_id="scan\x00one")
        response = stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=body)
        error_of(response, 422, ("INVALID_ARGUMENT",), "client_scan_id")
        assert stack.peer.checkpoints(sscc) == []  # refused before the ledger
        origin = {"gln": "0614141000012", "name": "Farm\x00"}
        response = stack.post(
            "dispatcher", "/shipments", json=create_body(new_sscc(), origin=origin)
        )
        error_of(response, 422, ("INVALID_ARGUMENT",), "origin.name")
        error_of(
            stack.get("scanner", "/scans/scan%00one"), 422, ("INVALID_ARGUMENT",), "client_scan_id"
        )
        stack.follow()  # every block applies
        for query in ({"party": "a\x00"}, {"party": "ProducerMSP", "bookmark": "rm:\x00"}):
            error_of(stack.get("auditor", "/shipments", params=query), 422, ("INVALID_ARGUMENT",))
        listed = stack.get("auditor", "/shipments", params={"party": "ProducerMSP"})
        assert listed.status_code == 200 and listed.json()["source"] == "read_model"
        assert [s["sscc"] for s in listed.json()["shipments"]] == [sscc]
        query = {"gtin": "04006381333931", "lot": "a\x00", "format": "json"}
        assert_clean(stack.get("auditor", "/reports/lot", params=query))
    finally:
        stack.close()
        peer.stop()
