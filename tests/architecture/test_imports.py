"""The project's import graph, read from the source with `ast`: no module imports itself back
through others (at module level or inside a function), and the apps stand in layers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("clinic", "patients", "scheduling")
# Lower layers never import higher ones: records builds on booking, reminders on both, and the
# wait list on all three (it offers freed times through the reminders' messages).
APP_LAYERS = ("patients", "scheduling", "records", "reminders", "waitlist")


def project_modules() -> dict[str, Path]:
    """Return every project module by dotted name (tests and benchmarks left out)."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def imported_names(node: ast.AST, module: str, is_package: bool) -> list[str]:
    """Return the dotted names an import statement may refer to (module or module.attribute)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not node.level:
        base = node.module or ""
        return [base] + [f"{base}.{alias.name}" for alias in node.names]
    base = module if is_package else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        base = base.rpartition(".")[0]
    base = f"{base}.{node.module}" if node.module else base
    return [base] + [f"{base}.{alias.name}" for alias in node.names]


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Return module -> the project modules it imports, wherever the import statement stands."""
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        is_package = path.name == "__init__.py"
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for target in imported_names(node, name, is_package):
                # `from a.b import c` names module a.b.c when there is one, else a.b.
                if target in modules and target != name:
                    graph[name].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """Return one cycle as [a, b, ..., a], or None when the graph has none."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return path[path.index(target) :] + [target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def app_of(module: str) -> str | None:
    parts = module.split(".")
    if (
        parts[0] == "scheduling"
        and len(parts) > 1
        and parts[1] in ("records", "reminders", "waitlist")
    ):
        return parts[1]
    return parts[0] if parts[0] in APP_LAYERS else None


def test_the_cycle_finder_names_a_cycle_when_there_is_one():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_graph_sees_imports_inside_functions():
    modules = project_modules()
    graph = import_graph(modules)
    # scheduling.reminders.apps imports its services only inside AppConfig.ready.
    assert "scheduling.reminders.services" in graph["scheduling.reminders.apps"]


def test_no_module_imports_itself_back_through_others():
    cycle = find_cycle(import_graph(project_modules()))
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_apps_import_only_the_layers_below_them():
    upward = []
    for module, targets in import_graph(project_modules()).items():
        source = app_of(module)
        # A migration is history: scheduling's 0003 loaded the point catalogue before the
        # catalogue moved to records.
        if source is None or ".migrations." in module:
            continue
        for target in targets:
            destination = app_of(target)
            if destination and APP_LAYERS.index(destination) > APP_LAYERS.index(source):
                upward.append(f"{module} -> {target}")
    assert upward == []


def test_imports_inside_functions_are_only_in_app_configs():
    """Apart from AppConfig.ready and what it connects (models are not importable before the app
    registry is ready), every import stands at the top of its module."""
    inside = []
    for name, path in project_modules().items():
        if path.name == "apps.py" or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for child in ast.walk(node):
                    if isinstance(child, ast.Import | ast.ImportFrom):
                        inside.append(f"{name}:{child.lineno}")
    assert inside == []


@pytest.mark.parametrize("old", ["records_views", "forms_records", "urls_records", "link_views"])
def test_no_module_is_named_after_another_app(old):
    assert not any(part.startswith(old) for part in project_modules())
