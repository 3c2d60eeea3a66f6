"""The package's layers (docs/architecture.md): imports point one way and never in a circle.

hooks → rules, tools → core → nothing of ours; hooks and tools reach Pelican's internals through
pelican_api, which imports nothing of ours. Read from the source with ast, every import
counted, also those inside functions (a lazy import is still a dependency).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from kuaixun.testing.builds import ROOT

PACKAGE = ROOT / "plugins" / "kuaixun"

# What each layer may import from the package. bench and testing sit on top of everything.
ALLOWED = {
    "pelican_api": set(),
    "core": {"core"},
    "rules": {"core", "rules"},
    "tools": {"pelican_api", "core", "rules", "tools"},
    "hooks": {"pelican_api", "core", "rules", "tools", "hooks"},
    "testing": {"pelican_api", "core", "rules", "tools", "hooks", "testing"},
    "bench": {"pelican_api", "core", "rules", "tools", "hooks", "testing", "bench"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The package's modules that `path` imports (a `from x import y` of a submodule counts)."""
    found: set[str] = set()
    is_package = path.name == "__init__.py"
    here = module_name(path)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = here.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name in modules and name != here}


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    files = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(path) for path in files}
    graph = {module_name(path): imports_of(path, modules) for path in files}
    assert len(graph) > 40 and sum(map(len, graph.values())) > 60, "the graph was not read"
    return graph


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph[start])
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(graph[node])
    return seen


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that reach each other through their imports (the graph is small)."""
    reach = {node: reachable(graph, node) for node in graph}
    groups = {
        tuple(sorted({node} | {other for other in reach[node] if node in reach[other]}))
        for node in graph
        if node in reach[node]
    }
    return sorted(list(group) for group in groups)


def ancestors(module: str) -> set[str]:
    parts = module.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts))}


def test_no_import_cycle_in_the_package(graph):
    # A package's __init__ importing its own submodules is how Python packages work, not a
    # cycle between concerns; every other circle is.
    pruned = {m: {t for t in targets if t not in ancestors(m)} for m, targets in graph.items()}
    assert cycles(pruned) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def layer(module: str) -> str:
    return module.split(".")[1] if module.count(".") else ""


def test_imports_point_down_the_layers(graph):
    wrong = [
        f"{module} → {target}"
        for module, targets in graph.items()
        if layer(module) in ALLOWED
        for target in targets
        if layer(target) and layer(target) not in ALLOWED[layer(module)]
    ]
    assert {layer(m) for m in graph} >= set(ALLOWED), "a layer folder is missing"
    assert wrong == []


def test_the_content_rules_do_not_load_pelican(graph):
    """make check lints Markdown: it needs no Pelican signals or generators."""
    rules = [path for path in PACKAGE.joinpath("rules").rglob("*.py")]
    assert rules
    pelican_runtime = re.compile(
        r"^\s*(from|import) pelican(\s|\.(signals|generators|contents)\b)", re.M
    )
    assert [str(p) for p in rules if pelican_runtime.search(p.read_text(encoding="utf-8"))] == []


def test_nothing_edits_sys_path():
    sources = [ROOT / "tasks.py", ROOT / "pelicanconf.py", ROOT / "publishconf.py"]
    sources += list(PACKAGE.rglob("*.py")) + list((ROOT / "tests").rglob("*.py"))
    edits = re.compile(r"sys\.path\.(insert|append)|PYTHONPATH|^pythonpath", re.M)
    offenders = [str(p.relative_to(ROOT)) for p in sources if edits.search(p.read_text("utf-8"))]
    offenders += ["pyproject.toml"] * bool(edits.search((ROOT / "pyproject.toml").read_text()))
    assert len(sources) > 60
    assert sorted(offenders) == ["tests/test_architecture.py", "tests/test_deploy_upload.py"]
