"""The floors of docs/architecture.md, checked on the source: imports only go down, no
module imports itself back through a circle (function-level imports included), and
modules stay small enough to hold in one's head."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ("core", "spiders", "transforms", "quality", "warehouse", "pipeline", "dags", "devsite")
STAGES = ("spiders", "transforms", "quality", "warehouse")
# What each package may import of the project (besides itself and third-party libraries).
ALLOWED = {
    "core": set(),
    **{stage: {"core"} for stage in STAGES},
    "devsite": {"core"},
    "pipeline": {"core", *STAGES, "devsite"},
    "dags": {"pipeline"},
}
MAX_LINES = 400
# Data and generated schema history, not logic to hold in one's head.
LINE_LIMIT_EXEMPT = ("warehouse/migrations/",)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    modules = {}
    for package in PROJECT:
        for path in sorted((ROOT / package).rglob("*.py")):
            modules[_module_name(path)] = path
    return modules


MODULES = _sources()


def _resolve(name: str) -> str | None:
    """The project module ``name`` refers to (a module, or the module a name is defined in)."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(module: str, path: Path) -> set[str]:
    """Every project module ``module`` imports, at any depth of the file (functions included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import submodule` imports the submodule; `from mod import name`, the module.
            names = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            target = _resolve(name)
            if target is not None and target != module:
                found.add(target)
    return found


GRAPH = {module: _imports(module, path) for module, path in MODULES.items()}


def test_the_floors_only_import_downwards():
    wrong = []
    for module, targets in GRAPH.items():
        floor = module.split(".")[0]
        for target in targets:
            other = target.split(".")[0]
            if other != floor and other not in ALLOWED[floor]:
                wrong.append(f"{module} imports {target}")
    assert not wrong, "imports that go up or sideways:\n" + "\n".join(sorted(wrong))


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_no_import_circles_even_through_function_level_imports():
    assert _cycles(GRAPH) == []


def test_the_circle_finder_finds_circles():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_every_stage_package_knows_only_the_ground_floor():
    for stage in STAGES:
        imported = {
            target.split(".")[0]
            for module, targets in GRAPH.items()
            if module.startswith(stage)
            for target in targets
        }
        assert imported <= {stage, "core"}, (stage, imported)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_stay_small(module):
    path = MODULES[module]
    relative = path.relative_to(ROOT).as_posix()
    if relative.startswith(LINE_LIMIT_EXEMPT):
        pytest.skip("schema history")
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{relative} has {lines} lines (max {MAX_LINES}): split it along a real seam"


def test_dag_files_hold_no_logic_beyond_wiring():
    """DAG files call ``pipeline`` and wire tasks: no stage, warehouse or GX import at all."""
    for path in sorted((ROOT / "dags").glob("*.py")):
        for target in GRAPH[_module_name(path)]:
            assert target.startswith("pipeline."), f"{path.name} imports {target}"


def test_one_line_is_defined_once():
    definitions = defaultdict(list)
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name.lstrip("_") == "one_line":
                definitions[node.name].append(module)
    assert sum(len(found) for found in definitions.values()) == 1, dict(definitions)
