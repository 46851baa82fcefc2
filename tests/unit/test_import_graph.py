"""The package's layout: one package per stage of the pipeline, no import cycle, and no module
importing from a stage later in the pipeline than its own (issue 13).

Stages in pipeline order: data -> signals -> stories -> charts -> calls -> issue -> site -> send.
Below them all, the foundation every stage may use (settings, errors, file writing, paths, post
files, safe text, child processes, the workspace and its skeleton); above them, the CLI and
pipeline.py, which call the stages in order.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

from tests.helpers import REPO

STAGES = ("data", "signals", "stories", "charts", "calls", "issue", "site", "send")  # pipeline order
FOUNDATION = frozenset(
    {
        "generator",
        "generator._forkserver_lifeline",
        "generator.config",
        "generator.days",
        "generator.errors",
        "generator.fsio",
        "generator.lifeline",
        "generator.paths",
        "generator.posts",
        "generator.safetext",
        "generator.skeleton",
        "generator.workspace",
    }
)
TOP = frozenset({"generator.__main__", "generator.cli", "generator.pipeline"})


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph(root: Path, package: str = "generator") -> dict[str, set[str]]:
    """Module -> the package's modules it imports, from every import statement (top level, in
    functions, under TYPE_CHECKING). ``from pkg import sub`` imports the submodule.
    """
    paths = {module_name(root, p): p for p in sorted((root / package).rglob("*.py"))}
    known = set(paths)
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        own_package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = own_package.split(".")[: len(own_package.split(".")) - node.level + 1]
                    module = ".".join([*base, node.module] if node.module else base)
                else:
                    module = node.module or ""
                targets = [
                    f"{module}.{a.name}" if f"{module}.{a.name}" in known else module for a in node.names
                ]
            else:
                continue
            for target in targets:
                while target and target not in known:  # a symbol names the module it comes from
                    target = target.rpartition(".")[0]
                if target and target != name:
                    found.add(target)
        graph[name] = found
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every set of modules that import each other, directly or around a loop (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def level(module: str) -> int | None:
    """0 for the foundation, 1..7 for the stages in pipeline order, 8 for the CLI and pipeline."""
    if module in FOUNDATION:
        return 0
    if module in TOP:
        return len(STAGES) + 1
    parts = module.split(".")
    if len(parts) >= 2 and parts[1] in STAGES:
        return STAGES.index(parts[1]) + 1
    return None


def backwards(graph: dict[str, set[str]]) -> list[str]:
    """Each import from a stage later than the importer's own (the foundation imports no stage)."""
    found = []
    for module, targets in sorted(graph.items()):
        for target in sorted(targets):
            mine, theirs = level(module), level(target)
            if mine is not None and theirs is not None and theirs > mine:
                found.append(f"{module} imports {target}")
    return found


def unplaced(modules: Iterable[str]) -> list[str]:
    return sorted(m for m in modules if level(m) is None)


GRAPH = import_graph(REPO)


def test_every_module_is_in_a_stage_the_foundation_or_the_top():
    assert unplaced(GRAPH) == []


def test_the_package_has_no_import_cycle():
    assert cycles(GRAPH) == []


def test_no_module_imports_from_a_later_stage_of_the_pipeline():
    assert backwards(GRAPH) == []


def test_the_checks_find_a_cycle_and_a_backwards_import_in_a_package(tmp_path: Path):
    """The checks above can fail: on a small package with both faults, they name them."""
    files = {
        "generator/__init__.py": "",
        "generator/config.py": "",
        "generator/data/__init__.py": "",
        "generator/data/store.py": "def load():\n    from generator.site.pages import page  # backwards\n",
        "generator/site/__init__.py": "",
        "generator/site/pages.py": "from generator.data.store import load\nfrom . import model\n",
        "generator/site/model.py": "from generator.site import pages\n",
        "generator/extra.py": "import generator.config\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    graph = import_graph(tmp_path)
    assert graph["generator.extra"] == {"generator.config"}
    assert cycles(graph) == [["generator.data.store", "generator.site.model", "generator.site.pages"]]
    assert backwards(graph) == ["generator.data.store imports generator.site.pages"]
    assert unplaced(graph) == ["generator.extra"]
