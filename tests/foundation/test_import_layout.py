"""The dependency rule (docs/decisions/0005): credentials_site → issuance → courses, audit below all,
no import cycle, and no import hidden inside a function to dodge one."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("credentials_site", "issuance", "courses", "audit")
# What each app may import of ours; anything it leaves out is against the direction.
MAY_IMPORT = {
    "credentials_site": {"credentials_site", "issuance", "courses", "audit"},
    "issuance": {"issuance", "courses", "audit"},
    "courses": {"courses", "audit"},
    "audit": {"audit"},
}
# Function-level imports Django asks for: an AppConfig.ready() wiring receivers and checks.
READY_HOOKS = {"ready"}


def product_modules(root: Path = ROOT) -> dict[str, Path]:
    modules = {}
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(root).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = path
    return modules


def _absolute(module: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def module_imports(module: str, path: Path, known: dict) -> list[tuple[str, int, bool]]:
    """(imported product module, line, inside a function) for each import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nested = {
        id(inner)
        for scope in ast.walk(tree)
        if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) and scope.name not in READY_HOOKS
        for inner in ast.walk(scope)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, path, node)
            # `from package import module` imports the module; `from module import name` the module.
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != module:
                found.append((target, node.lineno, id(node) in nested))
    return found


def import_graph(root: Path = ROOT) -> tuple[dict[str, set[str]], list[str]]:
    """Module → the product modules it imports, and every function-level import (as file:line)."""
    known = product_modules(root)
    graph, hidden = {}, []
    for module, path in known.items():
        graph[module] = set()
        for target, line, in_function in module_imports(module, path, known):
            graph[module].add(target)
            if in_function:
                hidden.append(f"{path.relative_to(root)}:{line} imports {target}")
    return graph, hidden


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node):
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
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def wrong_way_imports(graph: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{module} imports {target}"
        for module, targets in graph.items()
        for target in targets
        if target.split(".")[0] not in MAY_IMPORT[module.split(".")[0]]
    )


def test_it_finds_no_import_against_the_dependency_direction():
    graph, _ = import_graph()
    assert wrong_way_imports(graph) == []


def test_it_finds_no_import_cycle_between_modules():
    graph, _ = import_graph()
    assert import_cycles(graph) == []


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The same imports between rooms: an app's sub-packages and top-level modules (issuance.delivery, issuance.pipeline)."""
    def room(module):
        return ".".join(module.split(".")[:2])

    rooms: dict[str, set[str]] = {}
    for module, targets in graph.items():
        rooms.setdefault(room(module), set()).update(room(t) for t in targets if room(t) != room(module))
    return rooms


def test_it_finds_no_import_cycle_between_packages():
    graph, _ = import_graph()
    assert import_cycles(package_graph(graph)) == []


def test_it_finds_no_import_hidden_inside_a_function():
    _, hidden = import_graph()
    assert hidden == []


def test_it_catches_a_catalogue_module_importing_the_pipeline(tmp_path):
    for app in APPS:
        (tmp_path / app).mkdir()
        (tmp_path / app / "__init__.py").write_text("")
    (tmp_path / "issuance" / "pipeline.py").write_text("from courses.rules import ruleset_evaluate\n")
    (tmp_path / "courses" / "rules.py").write_text("def ruleset_evaluate():\n    from issuance import pipeline\n")
    graph, hidden = import_graph(tmp_path)
    assert wrong_way_imports(graph) == ["courses.rules imports issuance.pipeline"]
    assert import_cycles(graph) == [["courses.rules", "issuance.pipeline"]]
    assert hidden == ["courses/rules.py:2 imports issuance.pipeline"]
