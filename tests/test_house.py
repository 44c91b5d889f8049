"""The house's shape, checked on every run: no import circles, no arrows against the layers, no store writes in doors.

The doors (``api/v1``, ``web`` and the command line ``api/cli*.py``) parse, authorize, call a use
case and render; a change of the store happens only inside a use case (``api/services``), where
it shares one unit of work with its audit entry and its notices.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("network", "graph", "api", "web")
#: Store methods that change something start with one of these verbs.
WRITE = re.compile(
    r"^(create|update|delete|set|add|remove|commit|record|bulk|upsert|touch|erase|enrol|unenrol|"
    r"request|accept|decline|withdraw|save|put|fill|move|swap|lock|mark|clear|revoke|claim|settle|prune)(_|$)"
)


def _modules() -> dict[str, Path]:
    found = {}
    for layer in LAYERS:
        for path in (ROOT / layer).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str | None:
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(module: str, path: Path) -> set[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(r for a in node.names if (r := _resolve(a.name)))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")
                up = up[: len(up) - (node.level - 1)] if node.level > 1 else up
                base = ".".join([*up, base] if base else up)
            found.update(r for a in node.names if (r := _resolve(f"{base}.{a.name}") or _resolve(base)))
    found.discard(module)
    return found


GRAPH = {m: _imports(m, p) for m, p in MODULES.items()}


def _circles() -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in GRAPH.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return out


def _forbidden(a: str, b: str) -> bool:
    top_a, top_b = a.split(".")[0], b.split(".")[0]
    return (
        (top_a == "network" and top_b in ("graph", "api", "web"))
        or (top_a == "graph" and top_b in ("api", "web"))
        or (top_a == "web" and b.startswith("api.v1"))
        or (top_a == "api" and top_b == "web")
    )


def _is_door(module: str) -> bool:
    return module.startswith(("api.v1", "web")) or re.match(r"api\.cli", module) is not None


def test_no_import_circles() -> None:
    assert _circles() == []


def test_no_imports_against_the_layers() -> None:
    assert sorted(f"{a} -> {b}" for a, bs in GRAPH.items() for b in bs if _forbidden(a, b)) == []


def test_doors_never_write_to_the_store() -> None:
    writes = []
    for module, path in MODULES.items():
        if not _is_door(module):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and WRITE.match(node.func.attr):
                receiver = ast.unparse(node.func.value)
                if "store" in receiver:
                    writes.append(f"{path.relative_to(ROOT)}:{node.lineno}: {receiver}.{node.func.attr}")
    assert writes == []


@pytest.mark.parametrize("text", ["from graph.port import x\nstore.create_user(u)\n"])
def test_the_write_check_can_fail(text: str) -> None:
    tree = ast.parse(text)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)]
    assert any(WRITE.match(c.func.attr) and "store" in ast.unparse(c.func.value) for c in calls)
