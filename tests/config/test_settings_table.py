"""The README's settings table is the generated one, and names every variable the code reads."""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from fnmatch import fnmatchcase
from pathlib import Path

from tracker.settings_table import BEGIN, END, current, every_setting, markdown

ROOT = Path(__file__).resolve().parents[2]
CODE = (
    *("tracker", "chaincode", "network", "scripts", "demo", "bench", "tests"),
    *("gs1", "kinetics", "terms"),
)
PREFIX = r"(?:PROVENANCE|FABRIC|TRACKER|WHATSAPP|TWILIO|SANDBOX|CHAINCODE)_"
NAME = re.compile(PREFIX + r"[A-Z0-9_*]*[A-Z0-9*]")  # `*`: a part an f-string fills in
REGENERATE = "python -m tracker.settings_table --write"
# Fabric's own variables: network/ sets them for the peers, orderers and CAs it starts (Fabric
# documents them); nothing of this project reads them.
FOR_FABRIC = {
    "FABRIC_CFG_PATH",
    "FABRIC_LOGGING_SPEC",
    "FABRIC_CA_SERVER_BOOT",
    "FABRIC_CA_SERVER_LOGLEVEL",
}


def test_the_readme_shows_the_generated_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert BEGIN in readme and END in readme, f"the README lost its markers; run {REGENERATE}"
    assert current(readme) == markdown(), f"the README's settings table is stale: {REGENERATE}"


def test_every_variable_the_code_reads_has_a_row() -> None:
    missing = {name: where for name, where in _read_by_the_code().items() if not _has_row(name)}
    assert not missing, (
        "variables read by the code without a row in the settings table (declare them in "
        f"tracker/config.py or tracker/settings_table.py, then run {REGENERATE}): {missing}"
    )


def test_every_row_names_a_variable_the_code_reads() -> None:
    read = _read_by_the_code()
    stale = [
        name
        for setting in every_setting()
        for name in setting.names
        if not any(fnmatchcase(found, _pattern(name)) for found in read)
    ]
    assert not stale, f"rows for variables nothing reads: {stale}"


def _has_row(found: str) -> bool:
    """`found` may be a pattern itself (`TRACKER_CA_*_URL` from an f-string)."""
    names = [name for setting in every_setting() for name in setting.names]
    return any(fnmatchcase(found, _pattern(name)) or fnmatchcase(name, found) for name in names)


def _pattern(name: str) -> str:
    return re.sub(r"<[A-Z]+>", "*", name)  # TRACKER_CA_<ORG>_URL: one variable per org


@functools.cache
def _read_by_the_code() -> dict[str, str]:
    """Every project variable the sources name, with one file naming it.

    Python: every string that is exactly such a name (`os.environ.get("X")`, `env.text("X")`,
    `_read("X")`, a constant later passed to `os.environ.get`), f-strings with their holes as
    `*`, less Fabric's own variables. Shell: `${X:-...}` and `$X` for a name no script sets.
    """
    found: dict[str, str] = {}
    for path in _files():
        text = path.read_text(encoding="utf-8")
        names = _python_names(text) if path.suffix == ".py" else _shell_names(text)
        for name in names:
            found.setdefault(name, str(path.relative_to(ROOT)))
    return found


def _python_names(source: str) -> Iterator[str]:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.JoinedStr):
            parts = node.values
            text = "".join(str(p.value) if isinstance(p, ast.Constant) else "*" for p in parts)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        else:
            continue
        if NAME.fullmatch(text) and text not in FOR_FABRIC:
            yield text


def _shell_names(source: str) -> Iterator[str]:
    yield from re.findall(r"\$\{(" + PREFIX + r"[A-Z0-9_]+):?[-=+?]", source)
    for name in re.findall(r"\$\{?(" + PREFIX + r"[A-Z0-9_]+)", source):
        if name not in _set_by_the_scripts():
            yield name


@functools.cache
def _set_by_the_scripts() -> frozenset[str]:
    """Names the scripts assign themselves (pinned versions, the cache's paths)."""
    sources = [p.read_text(encoding="utf-8") for p in _files() if p.suffix != ".py"]
    sources.append((ROOT / "network" / "versions.env").read_text(encoding="utf-8"))
    assigned = re.compile(r"(?:^|[\s;(])(?:export\s+|local\s+)?(" + PREFIX + r"[A-Z0-9_]+)=")
    return frozenset(name for source in sources for name in assigned.findall(source))


def _files() -> Iterator[Path]:
    """Python files and shell scripts (`*.sh`, or a bash shebang) under the code folders."""
    for folder in CODE:
        for path in sorted((ROOT / folder).rglob("*")):
            if not path.is_file() or "node_modules" in path.parts or "__pycache__" in path.parts:
                continue
            if path.suffix in (".py", ".sh") or (not path.suffix and _is_bash(path)):
                yield path


def _is_bash(path: Path) -> bool:
    with path.open("rb") as file:
        return file.readline().startswith(b"#!/usr/bin/env bash")
