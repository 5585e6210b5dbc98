"""The ledger adapter stands on its own: nothing in `tracker/ledger/` imports the rooms built
on top of it (the read model, the chat, the HTTP service, the CLI, reports, verification)."""

from __future__ import annotations

import ast
from pathlib import Path

import tracker.ledger

ABOVE_THE_LEDGER = (
    "tracker.store",
    "tracker.chat",
    "tracker.api",
    "tracker.views",
    "tracker.commands",
    "tracker.cli",
    "tracker.follow",
    "tracker.reports",
    "tracker.verify",
)


def _imported(tree: ast.AST) -> list[tuple[int, str]]:
    """Every module an import statement names (top level, in functions or TYPE_CHECKING)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            found += [(node.lineno, node.module)]
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def _above(module: str) -> bool:
    return any(module == room or module.startswith(f"{room}.") for room in ABOVE_THE_LEDGER)


def test_the_ledger_adapter_imports_nothing_built_on_it() -> None:
    folder = Path(tracker.ledger.__file__).parent
    sources = sorted(folder.rglob("*.py"))
    assert len(sources) > 5  # the adapter's modules, not an empty folder
    offending = [
        f"{path.relative_to(folder)}:{line} imports {module}"
        for path in sources
        for line, module in _imported(ast.parse(path.read_text(encoding="utf-8")))
        if _above(module)
    ]
    assert offending == []


def test_the_check_sees_every_form_of_import() -> None:
    source = (
        "import tracker.store.db\n"
        "from tracker import chat\n"
        "from tracker.api.state import ActorCache\n"
        "def late():\n"
        "    from tracker.verify import run\n"
        "import tracker.ledger.blocks\n"
    )
    hits = [line for line, module in _imported(ast.parse(source)) if _above(module)]
    assert sorted(set(hits)) == [1, 2, 3, 5]
