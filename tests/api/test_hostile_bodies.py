"""Hostile bodies on every write endpoint, over real HTTP: malformed and oversize JSON, wrong
content types, hostile numbers and times, hostile logger files and upload forms.

Every answer is clean: 413 above the upload limit, 415 for a body that is not of the
endpoint's media type, else 422 naming the field (`body` when the body as a whole is not
JSON); never a 5xx, never a traceback. The operations, their number and date-time fields
come from the OpenAPI document (tracker.api.openapi, the document the API serves).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from fabricsim.pki import Enrolment, SimPki
from tests.api.api_stack import SMALL_LIMIT, ApiStack
from tests.api.hostile_kit import (
    BASES,
    RAW_MARK,
    Request,
    WriteOperation,
    Writer,
    assert_clean,
    error_of,
    resolve,
    set_path,
    write_operations,
    writers_for,
)
from tracker.api.openapi import openapi_document

DOCUMENT = openapi_document()
OPERATIONS = {op.path: op for op in write_operations(DOCUMENT)}
JSON_OPS = sorted(p for p, op in OPERATIONS.items() if op.media == "application/json")
FORM_OPS = sorted(p for p, op in OPERATIONS.items() if op.media == "multipart/form-data")
INVALID = ("INVALID_ARGUMENT",)


@pytest.fixture(scope="module")
def writers(
    tmp_path_factory: pytest.TempPathFactory, pki: SimPki, people: dict[str, Enrolment]
) -> Iterator[Callable[[str], Writer]]:
    """One Writer per write operation (own peer and stack), shared by this module."""
    with writers_for(tmp_path_factory.mktemp("hostile-bodies"), pki, people, OPERATIONS) as made:
        yield made


def _send(writer: Writer, request: Request, content: Any, content_type: str | None) -> Any:
    headers = {"Content-Type": content_type} if content_type else {}
    return writer.stack.post(request.who, request.url, content=content, headers=headers)


def _json(request: Request) -> bytes:
    return json.dumps(request.body).encode()


def _spliced(base: bytes, prefix: bytes) -> bytes:
    """`prefix` (key-value bytes ending with a comma) put first inside the base object."""
    return b"{" + prefix + base[1:]


DEEP = b"[" * 10_000 + b"]" * 10_000
# name -> (body from the valid base body, field the 422 names)
MALFORMED: dict[str, tuple[Callable[[bytes], bytes], str | None]] = {
    "empty": (lambda b: b"", "body"),
    "whitespace": (lambda b: b" \r\n\t ", "body"),
    "truncated": (lambda b: b[: len(b) // 2], "body"),
    "trailing_garbage": (lambda b: b + b" garbage", "body"),
    "two_documents": (lambda b: b + b, "body"),
    "array": (lambda b: b"[" + b + b"]", "body"),
    "string": (lambda b: b'"text"', "body"),
    "number": (lambda b: b"42", "body"),
    "null": (lambda b: b"null", "body"),
    "boolean": (lambda b: b"true", "body"),
    "single_quotes": (lambda b: b.replace(b'"', b"'"), "body"),
    "comment": (lambda b: b"/* comment */" + b, "body"),
    "python_literal": (lambda b: _spliced(b, b'"x": True, '), "body"),
    "arrays_10k_deep": (lambda b: DEEP, "body"),
    "objects_10k_deep": (lambda b: b'{"a":' * 10_000 + b"1" + b"}" * 10_000, "body"),
    "10k_deep_in_a_field": (lambda b: _spliced(b, b'"x": ' + DEEP + b", "), "body"),
    "nan": (lambda b: _spliced(b, b'"x": NaN, '), "x"),
    "infinity": (lambda b: _spliced(b, b'"x": Infinity, '), "x"),
    "minus_infinity": (lambda b: _spliced(b, b'"x": -Infinity, '), "x"),
    "integer_5000_digits": (lambda b: _spliced(b, b'"x": ' + b"9" * 5000 + b", "), "x"),
    "latin1_bytes": (lambda b: _spliced(b, b'"x": "caf\xe9", '), "body"),
    "duplicate_key": (lambda b: _spliced(b, b'"client_scan_id": "first", '), "client_scan_id"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(MALFORMED))
@pytest.mark.parametrize("path", JSON_OPS)
def test_malformed_json_is_422_naming_the_body(
    writers: Callable[[str], Writer], path: str, name: str
) -> None:
    writer = writers(path)
    request = BASES[path](writer)
    make, field = MALFORMED[name]
    response = _send(writer, request, make(_json(request)), "application/json")
    error_of(response, 422, INVALID, field)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-32"])
@pytest.mark.parametrize("path", JSON_OPS)
def test_json_with_a_bom_in_utf_8_16_or_32_is_accepted(
    writers: Callable[[str], Writer], path: str, encoding: str
) -> None:
    writer = writers(path)
    request = BASES[path](writer)
    content = json.dumps(request.body).encode(encoding)  # as Python's json reads bytes
    response = _send(writer, request, content, "application/json")
    assert response.status_code == 201, response.text


def test_a_key_twice_in_a_nested_object_is_named(writers: Callable[[str], Writer]) -> None:
    writer = writers("/shipments")
    request = BASES["/shipments"](writer)
    raw = _json(request).replace(b'"min_c": 2', b'"min_c": 2, "min_c": -40')
    assert raw.count(b'"min_c"') == 2
    response = _send(writer, request, raw, "application/json")
    error = error_of(response, 422, INVALID, "cold_chain.min_c")
    assert "more than once" in error["message"]


def _number_fields(op: WriteOperation) -> Iterator[str]:
    def walk(schema: dict[str, Any], prefix: str) -> Iterator[str]:
        for name, sub in schema.get("properties", {}).items():
            sub = resolve(sub, DOCUMENT)
            path = f"{prefix}.{name}" if prefix else name
            if sub.get("type") == "object":
                yield from walk(sub, path)
            elif sub.get("type") in ("number", "integer"):
                yield path

    return walk(op.schema, "")


HOSTILE_NUMBERS: dict[str, tuple[bytes, str | None]] = {
    "1e400": (b"1e400", "field"),  # parses to infinity
    "-1e400": (b"-1e400", "field"),
    "NaN": (b"NaN", "field"),
    "integer_400_digits": (b"1" + b"0" * 400, "field"),  # read as the float: infinite
    # Taken as the number, or 422 naming the field or its object (min_c above max_c):
    "string": (b'"12"', None),
    "1e-400": (b"1e-400", None),  # parses to 0.0
    "true": (b"true", "field"),
    "object": (b'{"value": 1}', "field"),
}
NUMBER_CASES = [
    pytest.param(path, field, name, id=f"{path}|{field}|{name}")
    for path in JSON_OPS
    for field in _number_fields(OPERATIONS[path])
    for name in HOSTILE_NUMBERS
]


@pytest.mark.parametrize(("path", "field", "name"), NUMBER_CASES)
def test_hostile_numbers_get_a_clean_answer(
    writers: Callable[[str], Writer], path: str, field: str, name: str
) -> None:
    writer = writers(path)
    request = BASES[path](writer)
    body = json.loads(_json(request))
    set_path(body, field, RAW_MARK)
    raw, named = HOSTILE_NUMBERS[name]
    content = json.dumps(body).encode().replace(f'"{RAW_MARK}"'.encode(), raw)
    response = _send(writer, request, content, "application/json")
    assert_clean(response)
    if named is not None:
        error_of(response, 422, INVALID, field if named == "field" else "body")
    elif response.status_code >= 400:  # the field, or the object it belongs to
        error = error_of(response, 422, INVALID)
        assert field == error["field"] or field.startswith(error["field"] + "."), error
    if path.endswith("/delivery") and response.status_code == 201:
        writer.target = None


def _date_fields(op: WriteOperation) -> Iterator[str]:
    for text in op.text_fields(DOCUMENT):
        if text.schema.get("format") == "date-time":
            yield text.path


HOSTILE_TIMES = {
    "no_utc_form_late": "9999-12-31T23:59:59-14:00",  # exists nowhere in UTC
    "no_utc_form_early": "0001-01-01T00:00:00+14:00",
    "february_30": "2030-02-30T08:00:00Z",
    "no_offset": "2030-03-01T08:00:00",
    "hour_25": "2030-03-01T25:00:00Z",
    "offset_25h": "2030-03-01T08:00:00+25:00",
    "six_digit_year": "+102030-03-01T08:00:00Z",
    "epoch_number": "1893456000",
    "word": "now",
}
TIME_CASES = [
    pytest.param(path, field, name, id=f"{path}|{field}|{name}")
    for path in sorted(OPERATIONS)
    for field in _date_fields(OPERATIONS[path])
    for name in HOSTILE_TIMES
]


@pytest.mark.parametrize(("path", "field", "name"), TIME_CASES)
def test_hostile_times_are_422_naming_the_field(
    writers: Callable[[str], Writer], path: str, field: str, name: str
) -> None:
    writer = writers(path)
    request = BASES[path](writer)
    if request.files is None:
        body = json.loads(_json(request))
        set_path(body, field, HOSTILE_TIMES[name])
        response = _send(writer, request, json.dumps(body).encode(), "application/json")
    else:
        form = {**request.body, field: HOSTILE_TIMES[name]}
        response = writer.stack.post(request.who, request.url, data=form, files=request.files)
    error_of(response, 422, INVALID, field)


WRONG_TYPES = {
    "text_plain": "text/plain",
    "form_urlencoded": "application/x-www-form-urlencoded",
    "xml": "application/xml",
    "text_json": "text/json",
    "json_lookalike": "application/jsonp",
    "none": None,
}


@pytest.mark.parametrize("kind", sorted(WRONG_TYPES))
@pytest.mark.parametrize("path", JSON_OPS)
def test_json_endpoints_refuse_other_media_types_with_415(
    writers: Callable[[str], Writer], path: str, kind: str
) -> None:
    writer = writers(path)
    request = BASES[path](writer)
    content = b"<shipment/>" if kind == "xml" else _json(request)
    response = _send(writer, request, content, WRONG_TYPES[kind])
    error = error_of(response, 415, ("UNSUPPORTED_MEDIA_TYPE",))
    assert "application/json" in error["message"]


@pytest.mark.parametrize("path", JSON_OPS)
def test_json_with_a_charset_parameter_is_accepted(
    writers: Callable[[str], Writer], path: str
) -> None:
    writer = writers(path)
    request = BASES[path](writer)
    response = _send(writer, request, _json(request), "application/json; charset=utf-8")
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("kind", ["json", "text_plain", "form_urlencoded", "xml", "none"])
@pytest.mark.parametrize("path", FORM_OPS)
def test_upload_endpoints_refuse_other_media_types_with_415(
    writers: Callable[[str], Writer], path: str, kind: str
) -> None:
    writer = writers(path)
    request = BASES[path](writer)
    contents = {
        "json": (json.dumps(request.body).encode(), "application/json"),
        "text_plain": (b"time,celsius\n2030-03-01T08:00:00Z,4\n", "text/plain"),
        "form_urlencoded": (b"client_scan_id=x&notes=y", "application/x-www-form-urlencoded"),
        "xml": (b"<delivery/>", "application/xml"),
        "none": (b"client_scan_id=x", None),
    }
    response = _send(writer, request, *contents[kind])
    error = error_of(response, 415, ("UNSUPPORTED_MEDIA_TYPE",))
    assert "multipart/form-data" in error["message"]


@pytest.mark.parametrize("path", FORM_OPS)
def test_multipart_without_a_boundary_is_a_clean_422(
    writers: Callable[[str], Writer], path: str
) -> None:
    writer = writers(path)
    request = BASES[path](writer)
    response = _send(writer, request, b"--x\r\ngarbage", "multipart/form-data")
    error_of(response, 422, INVALID)


def _chunks(content: bytes) -> Iterator[bytes]:
    for start in range(0, len(content), 4096):
        yield content[start : start + 4096]


def _padded(request: Request, size: int) -> bytes:
    """The valid base body, padded with JSON whitespace to `size` bytes."""
    raw = _json(request)
    return raw + b" " * (size - len(raw))


@pytest.mark.parametrize("streamed", [False, True], ids=["content_length", "chunked"])
@pytest.mark.parametrize("path", JSON_OPS)
def test_json_above_the_limit_is_413(
    writers: Callable[[str], Writer], path: str, streamed: bool
) -> None:
    writer = writers(path)
    request = BASES[path](writer)
    raw = _padded(request, SMALL_LIMIT + 1)  # valid JSON: only its size is wrong
    content: Any = _chunks(raw) if streamed else raw
    response = _send(writer, request, content, "application/json")
    error_of(response, 413, ("PAYLOAD_TOO_LARGE",))


@pytest.mark.parametrize("streamed", [False, True], ids=["content_length", "chunked"])
@pytest.mark.parametrize("path", JSON_OPS)
def test_json_just_below_the_limit_is_accepted(
    writers: Callable[[str], Writer], path: str, streamed: bool
) -> None:
    writer = writers(path)
    request = BASES[path](writer)
    raw = _padded(request, SMALL_LIMIT - 1)
    content: Any = _chunks(raw) if streamed else raw
    response = _send(writer, request, content, "application/json")
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("streamed", [False, True], ids=["content_length", "chunked"])
@pytest.mark.parametrize("path", FORM_OPS)
def test_upload_above_the_limit_is_413(
    writers: Callable[[str], Writer], path: str, streamed: bool
) -> None:
    writer = writers(path)
    request = BASES[path](writer)
    assert request.files is not None
    [(part, (name, _, media))] = request.files.items()
    files = {part: (name, b"x" * (SMALL_LIMIT + 1), media)}
    built = writer.stack.http.build_request("POST", "/", data=request.body, files=files)
    content: Any = _chunks(built.read()) if streamed else built.read()
    response = _send(writer, request, content, built.headers["content-type"])
    error_of(response, 413, ("PAYLOAD_TOO_LARGE",))


def _logger_json(
    readings: bytes = b'[{"time": "{t1}", "celsius": 4}]', extra: bytes = b""
) -> bytes:
    """A JSON logger file with these readings and extra members."""
    return b'{"readings": ' + readings + extra + b"}"


ARABIC_2030 = "\u0662\u0660\u0663\u0660"
HUGE_READING = b'[{"time": "{t1}", "celsius": ' + b"9" * 5000 + b"}]"
# Logger files: (file bytes, fragment of the 422 message, or None when it must be accepted)
LOGGER_FILES: dict[str, tuple[bytes, str | None]] = {
    "absolute_zero": (b"time,celsius\n{t1},-273.15\n", "absolute zero"),
    "below_absolute_zero": (b"time,celsius\n{t1},-300\n", "absolute zero"),
    "1e308": (b"time,celsius\n{t1},1e308\n{t2},1e308\n", "not a temperature"),
    "hotter_than_1000": (b"time,celsius\n{t1},1000.5\n", "not a temperature"),
    "just_above_absolute_zero_and_1000": (b"time,celsius\n{t1},-273.14\n{t2},1000\n", None),
    "infinity": (b"time,celsius\n{t1},inf\n", "finite"),
    "nan": (b"time,celsius\n{t1},nan\n", "finite"),
    "formula": (b'time,celsius\n{t1},=HYPERLINK("http://x")\n', "not a number"),
    "nul_in_csv": (b"time,celsius\n{t1},4\x00\n", "U+0000"),
    "nul_in_time": (b"time,celsius\n{t1}\x00,4\n", "U+0000"),
    "escape_in_csv": (b"time,celsius\n{t1},4\x1b[2J\n", "U+001B"),
    "not_utf8": (b"time,celsius\n{t1},4\xff\n", "UTF-8"),
    "utf16": ("time,celsius\n{t1},4\n".encode("utf-16"), "UTF-8"),
    "no_utc_form": (b"time,celsius\n9999-12-31T23:59:59-14:00,4\n", "out of range"),
    "no_utc_form_early": (b"time,celsius\n0001-01-01T00:00:00+14:00,4\n", "out of range"),
    "arabic_indic_year": (f"time,celsius\n{ARABIC_2030}-03-01T08:00:00Z,4\n".encode(), "ISO-8601"),
    "json_10k_deep": (_logger_json(DEEP), "nested deeper"),
    "json_integer_5000_digits": (_logger_json(HUGE_READING), "finite"),
    "json_nan": (_logger_json(b'[{"time": "{t1}", "celsius": NaN}]'), "finite"),
    "json_duplicate_readings": (_logger_json(b"[]", b', "readings": []'), "more than once"),
    "json_nul_device": (_logger_json(extra=b', "device_id": "a\\u0000"'), "U+0000"),
    "json_lone_surrogate_device": (_logger_json(extra=b', "device_id": "\\ud800"'), "U+D800"),
    "json_number_device": (_logger_json(extra=b', "device_id": 7'), "device_id"),
    "json_script_device": (_logger_json(extra=b', "device_id": "<script>alert(1)</script>"'), None),
    "json_top_level_array": (b'[{"time": "{t1}", "celsius": 4}]', "CSV must start"),
    "empty": (b"", "CSV must start"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(LOGGER_FILES))
def test_hostile_logger_files_get_a_clean_answer(
    writers: Callable[[str], Writer], name: str
) -> None:
    path = "/shipments/{sscc}/temperatures"
    writer = writers(path)
    request = BASES[path](writer)
    template, fragment = LOGGER_FILES[name]
    content = template.replace(b"{t1}", writer.instant().encode())
    content = content.replace(b"{t2}", writer.instant().encode())
    files = {"file": ("log.csv", content, "text/csv")}
    response = writer.stack.post(request.who, request.url, data=request.body, files=files)
    if fragment is None:
        assert response.status_code == 201, response.text
        return
    error = error_of(response, 422, INVALID, "file")
    assert fragment in error["message"], error


@pytest.mark.parametrize("path", FORM_OPS)
def test_a_form_field_sent_twice_is_named(writers: Callable[[str], Writer], path: str) -> None:
    writer = writers(path)
    request = BASES[path](writer)
    form = {**request.body, "notes": ["first", "second"]}  # two parts with one name
    response = writer.stack.post(request.who, request.url, data=form, files=request.files)
    error = error_of(response, 422, INVALID, "notes")
    assert "2 times" in error["message"]


@pytest.mark.parametrize("path", FORM_OPS)
def test_two_files_in_one_part_name_are_refused(
    writers: Callable[[str], Writer], path: str
) -> None:
    writer = writers(path)
    request = BASES[path](writer)
    assert request.files is not None
    [(part, upload)] = request.files.items()
    files = [(part, upload), (part, upload)]
    response = writer.stack.post(request.who, request.url, data=request.body, files=files)
    error_of(response, 422, INVALID, part)


@pytest.mark.parametrize("path", FORM_OPS)
def test_a_missing_file_part_is_named(writers: Callable[[str], Writer], path: str) -> None:
    writer = writers(path)
    request = BASES[path](writer)
    assert request.files is not None
    [part] = request.files
    files = {"other": ("x.bin", b"x", "application/octet-stream")}
    response = writer.stack.post(request.who, request.url, data=request.body, files=files)
    error_of(response, 422, INVALID, part)


HOSTILE_PHOTOS = {
    "svg_declared": ("p.svg", b'<svg onload="alert(1)"/>', "image/svg+xml"),
    "html_declared_png": ("p.png", b"<html><script>alert(1)</script>", "image/png"),
    "png_declared_jpeg": ("p.jpg", b"\x89PNG\r\n\x1a\n", "image/jpeg"),
    "empty": ("p.png", b"", "image/png"),
    "no_type": ("p", b"\xff\xd8\xff\xe0", ""),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_PHOTOS))
def test_hostile_photos_are_422(writers: Callable[[str], Writer], name: str) -> None:
    path = "/shipments/{sscc}/delivery"
    writer = writers(path)
    request = BASES[path](writer)
    files = {"photo": HOSTILE_PHOTOS[name]}
    response = writer.stack.post(request.who, request.url, data=request.body, files=files)
    error_of(response, 422, INVALID, "photo")


def test_the_stacks_still_work(writers: Callable[[str], Writer]) -> None:
    for path in sorted(OPERATIONS):
        writer = writers(path)
        response = BASES[path](writer).send(writer.stack)
        assert response.status_code == 201, response.text
        if path.endswith("/delivery"):
            writer.target = None
        stack: ApiStack = writer.stack
        answer = response.json()
        if "certificate" in answer:  # registered for a lot: read it back by its hash
            sha = answer["certificate"]["sha256"]
            assert stack.get("auditor", f"/certificates/{sha}").is_success
            continue
        sscc = (answer.get("shipment") or answer["dispute"])["sscc"]
        assert stack.get("auditor", f"/shipments/{sscc}").is_success


def test_a_field_nested_too_deep_for_the_api_is_named(writers: Callable[[str], Writer]) -> None:
    writer = writers("/shipments")
    request = BASES["/shipments"](writer)
    deep = b"[" * 100 + b"]" * 100  # JSON Python reads, deeper than any body of the API
    content = _spliced(_json(request), b'"x": ' + deep + b", ")
    response = _send(writer, request, content, "application/json")
    error = error_of(response, 422, INVALID)
    assert error["field"].startswith("x.0.0") and "nested deeper than 32" in error["message"]
