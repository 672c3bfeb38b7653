"""The kernel's import graph, read from the source with ``ast``: no cycle, and nothing from the
plugins or the frontends.

Every import counts: module-level, inside functions (deferred, but still run) and under
``if TYPE_CHECKING:`` (a cycle there is one the reader and mypy still walk). The one
exception is ``vats.core.protocols``: it only names the kernel's types for annotations, so its
type-checking imports are not edges (everything else may import it; it imports nothing at
run time).

Run it by hand: ``python tests/core/test_import_graph.py`` prints the cycles, if any.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "core"
TYPE_NAMES_ONLY = {"vats.core.protocols"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(CORE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["vats", *parts])


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(path: Path, modules: set[str]) -> list[tuple[str, bool]]:
    """(imported name, under TYPE_CHECKING?) for every import in the file."""
    found: list[tuple[str, bool]] = []
    type_only: set[int] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            type_only.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import (vats uses absolute ones)"
            assert node.module is not None
            # ``from vats.core.directory import employees`` imports the submodule.
            names = [
                f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in modules else node.module
                for alias in node.names
            ]
        else:
            continue
        found.extend((name, id(node) in type_only) for name in names)
    return found


def core_graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Edges between kernel modules, and every vats.* name each module imports from outside."""
    files = {module_name(path): path for path in CORE.rglob("*.py")}
    modules = set(files)
    edges: dict[str, set[str]] = {m: set() for m in files}
    outside: dict[str, set[str]] = {m: set() for m in files}
    for module, path in files.items():
        for name, type_only in imports_of(path, modules):
            if name in modules:
                if not (type_only and module in TYPE_NAMES_ONLY):
                    edges[module].add(name)
            elif name.startswith("vats.") and not name.startswith("vats.core"):
                outside[module].add(name)
    return edges, outside


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), plus self-imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in edges[v]:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def describe(component: list[str], edges: dict[str, set[str]]) -> str:
    members = set(component)
    return "\n".join(f"  {m} -> {', '.join(sorted(edges[m] & members))}" for m in component)


def test_the_kernel_imports_form_no_cycle() -> None:
    edges, _ = core_graph()
    assert len(edges) > 50, "the graph missed the kernel's modules"
    found = cycles(edges)
    assert not found, "import cycles in core/:\n" + "\n\n".join(describe(c, edges) for c in found)


def test_the_kernel_imports_nothing_from_plugins_or_frontends() -> None:
    _, outside = core_graph()
    offending = {m: sorted(names) for m, names in outside.items() if names}
    assert not offending, f"core/ imports vats.plugins or vats.bots: {offending}"


def test_the_check_sees_a_cycle_only_type_checking_imports_make() -> None:
    """The cycle this test was written for ran through an ``if TYPE_CHECKING:`` import."""
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(edges) == [["a", "b", "c"]]
    assert ("vats.core.calls.models", True) in imports_of(CORE / "hookspecs.py", {"vats.core.calls.models"})


if __name__ == "__main__":
    graph, _ = core_graph()
    for component in cycles(graph):
        print(describe(component, graph), end="\n\n")
    print(f"{len(graph)} modules, {sum(map(len, graph.values()))} imports, {len(cycles(graph))} cycle(s)")
