"""The layers of promptctl point one way (issue 11): every import in ``promptctl/`` is checked.

Imports at module level, inside functions and under ``TYPE_CHECKING`` all count. A unit is a
top-level package or module of ``promptctl``; the declared graph below says which units each may
import, directly or through the units it may import (so ``cli`` reaches everything below it). The
test fails on an edge the graph does not allow and on any cycle between units.
"""

from __future__ import annotations

import ast
import functools
import textwrap
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "promptctl"

LEAF = {"types", "errors", "_yaml", "_yaml_loader", "rows", "config", "limits", "redaction", "help", "__version__",
        "cache_file"}
"""Shared values and helpers every unit may use (``config`` is the project settings value, ``help`` the help topics'
text, ``redaction`` the credential redaction of every error text, ``cache_file`` a file of remembered results in
the user cache)."""

MAY_IMPORT: dict[str, set[str]] = {
    "promptctl": {"cli", "session", "evaluation", "registry", "lint", "tokens", "providers", "adapters",
                  "templating", "store", "executors", "testing", "interop", "diff", "pytest_plugin", "run",
                  "run_chain"},  # the public API (lazy names) sits on top
    "__main__": {"cli"},
    "cli": {"session", "evaluation", "registry", "lint", "tokens", "diff", "interop", "store", "adapters",
            "templating"},
    "pytest_plugin": {"evaluation"},
    "interop": {"evaluation", "registry"},
    "diff": {"registry", "tokens", "adapters"},
    "lint": {"registry", "tokens", "executors", "adapters"},
    "evaluation": {"session", "diff"},  # diff: the prompt diff of the HTML report
    "session": {"executors", "providers", "adapters", "tokens", "store", "registry"},
    "run": {"session"},  # old import paths kept as re-exports
    "run_chain": {"session"},
    "executors": {"adapters", "templating", "providers.base", "providers.sdk", "tokens"},
    "tokens": {"adapters"},
    "registry": {"templating", "adapters.profiles"},  # profiles: the parameter names, for a front matter typo hint
    "adapters": {"templating"},
    "providers": set(),
    "store": set(),
    "templating": set(),
    "testing": set(),
}
"""Direct permissions; what a unit reaches through them is allowed too (``providers.base``: that module only)."""

KNOWN: set[tuple[str, str]] = set()
"""Upward edges still to turn around (issue 11, item 2): none. Add one only with its reason, and remove it when
its edge is gone (the test insists)."""


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "promptctl"


def imports(package: Path) -> Iterator[tuple[str, str, int]]:
    """``(importing module, imported module, line)`` for every promptctl import in ``package``."""
    yield from _imports(package) if package == PACKAGE else _parse_imports(package)


@functools.cache
def _imports(package: Path) -> tuple[tuple[str, str, int], ...]:
    """The package's imports, parsed once per test session (the real package does not change during it)."""
    return tuple(_parse_imports(package))


def _parse_imports(package: Path) -> Iterator[tuple[str, str, int]]:
    root = package.parent
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        module = ".".join(parts[:-1] if is_package else parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield module, alias.name, node.lineno
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = module.split(".") if is_package else module.split(".")[:-1]
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join([*anchor, *([node.module] if node.module else [])])
                for alias in node.names:
                    candidate = f"{base}.{alias.name}"
                    sub = root / candidate.replace(".", "/")
                    yield module, candidate if sub.with_suffix(".py").exists() or sub.is_dir() else base, node.lineno


def _reach(graph: Mapping[str, set[str]], unit: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph.get(unit, ()))
    while todo:
        nxt = todo.pop()
        if nxt not in seen:
            seen.add(nxt)
            todo += graph.get(nxt.split(".")[0], ()) if "." not in nxt else ()
    return seen


def violations(package: Path, graph: Mapping[str, set[str]], known: set[tuple[str, str]] = frozenset()
               ) -> tuple[list[str], set[tuple[str, str]]]:
    """Edges against ``graph`` (with where they are) and the ``known`` edges actually seen."""
    bad: list[str] = []
    seen_known: set[tuple[str, str]] = set()
    name = package.name
    for module, target, line in imports(package):
        if not (target == name or target.startswith(f"{name}.")):
            continue
        source, dest = _unit(module), _unit(target)
        if source == dest or dest in LEAF or (target == name and source != name):
            continue
        allowed = _reach(graph, source)
        sub = ".".join(target.split(".")[1:3])
        if dest in allowed or sub in allowed:
            continue
        if (source, dest) in known:
            seen_known.add((source, dest))
            continue
        bad.append(f"{module} (line {line}) imports {target}: {source} may not import {dest}")
    return bad, seen_known


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Cycles between units in ``graph`` (as unit lists)."""
    found: list[list[str]] = []

    def walk(unit: str, path: list[str]) -> None:
        for nxt in sorted(n.split(".")[0] for n in graph.get(unit, ())):
            if nxt in path:
                found.append([*path[path.index(nxt):], nxt])
            elif len(path) < len(graph):
                walk(nxt, [*path, nxt])

    for start in sorted(graph):
        walk(start, [start])
    return found


def test_every_import_points_down_the_declared_layers() -> None:
    bad, seen_known = violations(PACKAGE, MAY_IMPORT, KNOWN)
    assert not bad, "imports against the layer directions:\n" + "\n".join(bad)
    assert seen_known == KNOWN, f"these known edges are gone; remove them from KNOWN: {sorted(KNOWN - seen_known)}"


def test_the_declared_graph_has_no_cycle() -> None:
    assert cycles(MAY_IMPORT) == []


def _tree(tmp_path: Path, files: Mapping[str, str]) -> Path:
    package = tmp_path / "promptctl"
    for name, text in files.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return package


def test_a_planted_upward_import_fails(tmp_path: Path) -> None:
    clean = {
        "__init__.py": "",
        "types.py": "X = 1\n",
        "session/__init__.py": "from promptctl.executors import run\n",
        "executors/__init__.py": "from promptctl.adapters import adapt\nfrom promptctl.types import X\n\n"
                                 "def run(): ...\n",
        "adapters/__init__.py": "def adapt(): ...\n",
    }
    graph = {"session": {"executors"}, "executors": {"adapters"}, "adapters": set()}
    assert violations(_tree(tmp_path / "clean", clean), graph) == ([], set())
    for where, planted in (
        ("module level", "from promptctl.session import Session\n"),
        ("inside a function", "def f():\n    from promptctl import session\n"),
        ("under TYPE_CHECKING", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import promptctl.session\n"),
        ("relative", "from ..session import core\n"),
    ):
        files = {**clean, "adapters/__init__.py": clean["adapters/__init__.py"] + planted}
        bad, _ = violations(_tree(tmp_path / where.replace(" ", "_"), files), graph)
        assert len(bad) == 1 and "adapters may not import session" in bad[0], (where, bad)


def test_a_cycle_between_units_is_found() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"], ["b", "c", "a", "b"],
                                                          ["c", "a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


LEAF_MODULES = ("promptctl.types", "promptctl.errors", "promptctl._yaml", "promptctl._yaml_loader", "promptctl.rows",
                "promptctl.limits", "promptctl.redaction")


@pytest.mark.parametrize("module", LEAF_MODULES)
def test_the_leaf_imports_nothing_above_it(module: str) -> None:
    path = PACKAGE.parent / (module.replace(".", "/") + ".py")
    targets = {t for m, t, _ in imports(PACKAGE) if m == module and t.startswith("promptctl")}
    assert path.exists() and targets <= set(LEAF_MODULES), targets
