"""No import circles among the project's modules, module-level or inside a function.

A module imports another when an `import` or `from ... import` anywhere in it names that module
or something in it (`from pkg import name` counts as importing `pkg`, whose `__init__` runs
first). A circle hidden behind a function-level import is still a circle: the two modules
cannot be understood, or changed, one without the other.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "tracker",
    "chaincode",
    "records",
    "gs1",
    "kinetics",
    "terms",
    "demo",
    "network",
    "bench",
    "fabricsim",
    "tests",
)
# Circles known when this test was written, to be removed; empty means none may appear.
KNOWN: frozenset[frozenset[str]] = frozenset()


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _named(node: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    """Every dotted name an import statement names (relative ones resolved)."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            parts = module.split(".")[: len(module.split(".")) - node.level + is_package]
            base = ".".join([*parts, base] if base else parts)
        yield base
        yield from (f"{base}.{alias.name}" for alias in node.names)


def import_graph() -> dict[str, set[str]]:
    """Each project module and the project modules it imports."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            for target in _named(node, name, path.name == "__init__.py"):
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for nxt in graph[todo.pop()] - seen:
            seen.add(nxt)
            todo.append(nxt)
    return seen


def circles(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    """The strongly connected groups of more than one module."""
    reach = {name: _reachable(graph, name) for name in graph}
    return {
        frozenset({name, *(other for other in reach[name] if name in reach[other])})
        for name in graph
        if name in reach[name]
    }


def test_the_checker_sees_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == {frozenset({"a", "b", "c"})}


def test_the_graph_sees_function_level_and_package_imports() -> None:
    graph = import_graph()
    assert "tracker.api" in graph["tracker.app"]  # `from tracker import api as ...`
    assert "tracker.views.webhook" in graph["tracker.views.twilio_webhook"]


def test_no_import_circles() -> None:
    found = circles(import_graph())
    new = sorted(sorted(group) for group in found - KNOWN)
    assert not new, f"import circles: {new}"
    gone = sorted(sorted(group) for group in KNOWN - found)
    assert not gone, f"circles gone, remove them from KNOWN: {gone}"
