"""The shape inside each store adapter (issue 15): the store module imports the area mixins, a mixin
imports only its adapter's ``base``/``common``/queries modules (besides the port and ``network``),
never another mixin or the store, and ``graph.settings`` imports no adapter. Read from the source,
so late (function-level) imports count too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ADAPTERS = ("embedded", "neo4j")
SHARED = {"base", "common"}


def _imported(path: Path) -> set[str]:
    """Every module named by an import in the file (``from a import b`` gives ``a`` and ``a.b``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import"
            found.add(node.module or "")
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def _allowed(module: str) -> bool:
    name = module.split(".")[2]
    return name in SHARED or name.startswith("queries")


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_mixins_import_no_other_mixin_nor_the_store(adapter: str) -> None:
    package = ROOT / "graph" / adapter
    modules = {p.stem for p in package.glob("*.py")} - {"__init__"}
    prefix = f"graph.{adapter}."
    wrong = []
    for path in sorted(package.glob("*.py")):
        if path.stem in {"store", "__init__"}:
            continue
        for module in sorted(_imported(path)):
            if module.startswith(prefix) and module.split(".")[2] in modules and not _allowed(module):
                wrong.append(f"graph/{adapter}/{path.name} imports {module}")
    assert wrong == []


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_shared_modules_import_nothing_above_them(adapter: str) -> None:
    prefix = f"graph.{adapter}."
    for name in sorted(SHARED):
        path = ROOT / "graph" / adapter / f"{name}.py"
        above = [m for m in _imported(path) if m.startswith(prefix) and not m.split(".")[2].startswith("queries")]
        assert above == [], f"graph/{adapter}/{name}.py imports {above}"


def test_settings_import_no_adapter() -> None:
    imported = _imported(ROOT / "graph" / "settings.py")
    assert [m for m in imported if m.startswith(("graph.embedded", "graph.neo4j", "graph.open"))] == []
