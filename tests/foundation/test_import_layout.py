"""The dependency rule (docs/decisions/0005) and the table of docs/architecture.md, checked at two levels:
between the apps (credentials_site → issuance → courses, audit below all) and between the rooms one level
below them (an app's sub-packages and top-level modules: issuance.sources may import issuance.models,
issuance.outgoing, courses.models and courses.rules, nothing else of ours). No import cycle, no import hidden inside a
function to dodge one, and no product module importing the tests, the benchmark or the stand-ins."""

import ast
import re
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
# What each room may import of ours besides itself: a room's name ("issuance.models") allows that room, an
# app's name ("audit") allows all of it. Every room is listed, so a new package states its place here and
# in docs/architecture.md, which has one line per package saying the same.
ROOM_MAY_IMPORT = {
    # audit: below everything, imports nothing of ours.
    "audit": set(),
    "audit.apps": set(),
    "audit.models": set(),
    "audit.chain": {"audit.models"},
    "audit.redaction": {"audit.models", "audit.chain"},
    "audit.services": {"audit.models", "audit.chain"},
    "audit.export": {"audit.models"},
    "audit.management": {"audit.models", "audit.chain", "audit.services"},
    # courses: the catalogue, knows nothing of the pipeline.
    "courses": set(),
    "courses.apps": {"courses.keys", "courses.catalogue_cache"},
    "courses.templating": set(),
    "courses.validators": set(),
    "courses.models": {"courses.templating", "courses.validators"},
    "courses.defaults": {"courses.models"},
    "courses.rules": {"courses.models"},
    "courses.catalogue_cache": {"courses.models"},
    "courses.published_rules": {"courses.models", "courses.catalogue_cache"},
    "courses.rule_descriptions": {"courses.models"},
    "courses.services": {"courses.models", "courses.rule_descriptions", "audit"},
    "courses.programmes": {"courses.models", "audit"},
    "courses.setup": {"courses.models", "courses.services", "audit"},
    "courses.keys": {"courses.models"},
    "courses.access": {"courses.models", "courses.defaults", "audit"},
    # issuance: the pipeline, from its building blocks up to its entry points.
    "issuance": set(),
    "issuance.apps": {"issuance", "courses.templating"},  # AppConfig.ready() wires receivers and checks
    "issuance.errors": set(),
    "issuance.idempotency_keys": set(),
    "issuance.outcome_write": set(),
    "issuance.inserts": set(),
    "issuance.credentials": set(),
    "issuance.linkedin": set(),
    "issuance.queue_brokers": set(),
    "issuance.periodic": set(),
    "issuance.shared_counts": set(),
    "issuance.sentences": set(),
    "issuance.bodies": {"issuance.errors", "issuance.sources"},
    "issuance.step_queue": {"issuance.queue_brokers", "issuance.models"},
    "issuance.outgoing": set(),
    "issuance.models": {"courses.models", "courses.templating", "courses.keys"},
    "issuance.completions": {"courses.rules"},
    "issuance.typed_in": {"issuance.models"},
    "issuance.effects": {"issuance.models", "issuance.outcome_write"},
    "issuance.transitions": {"issuance.models", "issuance.errors", "issuance.step_queue", "audit", "courses.catalogue_cache"},
    "issuance.sources": {"issuance.models", "issuance.outgoing", "courses.models"},
    "issuance.certificates": {"issuance.models", "issuance.completions", "issuance.credentials", "courses.models", "courses.catalogue_cache",
                              "courses.templating", "courses.defaults", "audit"},
    "issuance.openbadges": {"issuance.models", "issuance.inserts", "issuance.completions", "issuance.credentials", "issuance.sentences",
                            "courses.models", "courses.keys", "courses.templating"},
    "issuance.wallets": {"audit", "issuance.engagement", "courses.access", "courses.keys", "courses.models", "issuance.bodies", "issuance.certificates", "issuance.models", "issuance.openbadges"},
    "issuance.email": {"issuance.models", "issuance.credentials", "issuance.idempotency_keys", "issuance.linkedin",
                       "issuance.certificates", "courses.models", "courses.templating", "courses.defaults", "courses.catalogue_cache"},
    "issuance.outbound": {"audit", "courses.keys", "courses.models", "courses.templating", "issuance.credentials", "issuance.models", "issuance.outgoing", "issuance.periodic", "issuance.shared_counts", "issuance.step_queue"},
    "issuance.delivery": {"audit", "courses.models", "issuance.bodies", "issuance.email", "issuance.idempotency_keys", "issuance.models", "issuance.outbound", "issuance.outcome_write", "issuance.periodic", "issuance.sources", "issuance.step_queue", "issuance.wallets"},
    "issuance.lifecycle": {"audit", "courses.models", "courses.templating", "issuance.certificates", "issuance.delivery", "issuance.email", "issuance.models", "issuance.openbadges", "issuance.outbound", "issuance.periodic", "issuance.step_queue", "issuance.transitions"},
    "issuance.revocation": {"issuance.models", "issuance.transitions", "issuance.lifecycle", "issuance.openbadges",
                            "issuance.outbound", "audit"},
    "issuance.missing_facts": {"issuance.models", "issuance.completions", "issuance.errors", "issuance.sources",
                               "courses.models", "courses.rules"},
    "issuance.programmes": {"issuance.models", "issuance.completions", "issuance.revocation", "courses.models",
                            "courses.programmes", "audit"},
    "issuance.pipeline": {"issuance.certificates", "issuance.missing_facts", "issuance.completions", "issuance.delivery", "issuance.effects",
                          "issuance.email", "issuance.errors", "issuance.idempotency_keys", "issuance.lifecycle",
                          "issuance.models", "issuance.openbadges", "issuance.outbound", "issuance.programmes", "issuance.transitions",
                          "issuance.typed_in", "courses.models", "courses.keys", "courses.programmes", "courses.rules",
                          "courses.published_rules", "issuance.inserts"},
    "issuance.programme_backfill": {"issuance.pipeline", "issuance.programmes", "issuance.lifecycle", "issuance.models",
                                    "courses.models", "courses.programmes", "audit"},
    "issuance.imports": {"issuance.pipeline", "issuance.completions", "issuance.lifecycle", "issuance.models", "issuance.openbadges",
                         "issuance.outgoing", "issuance.periodic", "courses.models", "audit"},
    "issuance.worker": {"issuance.pipeline", "issuance.transitions", "issuance.models", "issuance.errors",
                        "issuance.step_queue", "issuance.outbound"},
    "issuance.intake": {"audit", "courses.models", "courses.rules", "courses.templating", "issuance.bodies", "issuance.completions", "issuance.delivery", "issuance.email", "issuance.errors", "issuance.idempotency_keys", "issuance.lifecycle", "issuance.models", "issuance.outbound", "issuance.periodic", "issuance.pipeline", "issuance.shared_counts", "issuance.sources", "issuance.step_queue", "issuance.typed_in", "issuance.worker"},
    "issuance.sweep": {"issuance.intake", "issuance.models", "issuance.step_queue", "issuance.transitions"},
    "issuance.tasks": {"issuance.periodic", "issuance.step_queue", "issuance.sweep", "issuance.worker"},
    "issuance.schedules": {"issuance.models", "issuance.sources"},
    "issuance.health": {"issuance.models", "issuance.transitions"},
    "issuance.reports": {"issuance.models", "issuance.transitions", "courses.models", "courses.rules"},
    "issuance.engagement": {"issuance.models", "courses.models"},
    "issuance.privacy": {"audit", "courses.models", "issuance.imports", "issuance.models", "issuance.outbound", "issuance.periodic", "issuance.public", "issuance.revocation", "issuance.step_queue", "issuance.transitions"},
    "issuance.verification": {"issuance.models", "issuance.credentials", "issuance.bodies", "issuance.certificates", "issuance.openbadges",
                              "issuance.outgoing", "issuance.lifecycle", "issuance.sentences", "issuance.shared_counts", "courses.models",
                              "courses.keys"},
    "issuance.public": {"issuance.models", "issuance.credentials", "issuance.engagement", "issuance.delivery", "issuance.email", "issuance.linkedin", "issuance.lifecycle",
                        "issuance.openbadges", "issuance.verification", "courses.models", "courses.access"},
    "issuance.learner_page": {"audit", "courses.access", "courses.models", "courses.templating", "issuance.credentials",
                              "issuance.delivery", "issuance.email", "issuance.lifecycle", "issuance.linkedin", "issuance.models",
                              "issuance.openbadges", "issuance.privacy", "issuance.programmes", "issuance.public",
                              "issuance.step_queue", "issuance.wallets"},
    "issuance.api": {"audit.models", "issuance.engagement", "courses.access", "courses.models", "issuance.bodies", "issuance.credentials", "issuance.intake", "issuance.lifecycle", "issuance.models", "issuance.outbound", "issuance.openbadges", "issuance.pipeline", "issuance.revocation", "issuance.sources", "issuance.transitions", "issuance.verification"},
    "issuance.urls": {"issuance.api"},
    "issuance.management": {"issuance.intake", "issuance.imports", "issuance.lifecycle", "issuance.models", "issuance.openbadges", "issuance.programme_backfill",
                            "issuance.outbound", "issuance.privacy", "issuance.sources", "issuance.sweep",
                            "courses.models", "courses.access", "courses.defaults", "courses.programmes", "courses.services"},
    # credentials_site: the site and the staff UI, above everything.
    "credentials_site": set(),
    "credentials_site.env": set(),
    "credentials_site.storage": set(),
    "credentials_site.two_factor": set(),
    "credentials_site.graceful_cluster": set(),
    "credentials_site.asgi": set(),
    "credentials_site.wsgi": set(),
    "credentials_site.formats": set(),
    "credentials_site.oidc_settings": {"credentials_site.env"},
    "credentials_site.work_settings": {"credentials_site.env"},
    "credentials_site.settings": {"credentials_site.env", "credentials_site.storage", "credentials_site.oidc_settings",
                                  "credentials_site.work_settings"},
    "credentials_site.oidc": {"courses.access", "credentials_site.two_factor_views"},
    "credentials_site.two_factor_views": {"credentials_site.two_factor"},
    "credentials_site.management": {"credentials_site.graceful_cluster", "credentials_site.two_factor", "issuance.health",
                                    "issuance.models"},
    "credentials_site.apps": {"credentials_site.admin", "credentials_site.checks"},
    "credentials_site.checks": {"credentials_site.env", "issuance.delivery"},
    "credentials_site.views": {"issuance.health"},
    "credentials_site.urls": {"credentials_site.views", "credentials_site.oidc", "issuance"},
    "credentials_site.admin": {"credentials_site.two_factor_views", "issuance", "courses", "audit"},
}
# Never imported by the product: what runs beside it.
OUTSIDE = ("tests", "bench", "stand_ins", "scripts")
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
    rooms: dict[str, set[str]] = {}
    for module, targets in graph.items():
        rooms.setdefault(room(module), set()).update(room(t) for t in targets if room(t) != room(module))
    return rooms


def room(module: str) -> str:
    return ".".join(module.split(".")[:2])


def wrong_room_imports(graph: dict[str, set[str]], table: dict[str, set[str]] = ROOM_MAY_IMPORT) -> list[str]:
    """Imports between rooms that the table does not allow (a room missing from the table allows nothing)."""
    def allowed(source, target):
        permitted = table.get(source, set())
        return target == source or target in permitted or target.split(".")[0] in permitted

    return sorted(
        f"{module} imports {target}"
        for module, targets in graph.items()
        for target in targets
        if not allowed(room(module), room(target))
    )


def unlisted_rooms(graph: dict[str, set[str]], table: dict[str, set[str]] = ROOM_MAY_IMPORT) -> tuple[list, list]:
    """Rooms the code has and the table lacks, and rooms the table names that the code no longer has."""
    rooms = {room(module) for module in graph}
    return sorted(rooms - set(table)), sorted(set(table) - rooms)


def outside_imports(root: Path = ROOT) -> list[str]:
    """Product modules importing the tests, the benchmark, the scripts or the protocol stand-ins."""
    found = []
    for module, path in product_modules(root).items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            found += [f"{module} imports {name}" for name in names if name.split(".")[0] in OUTSIDE]
    return sorted(found)


def test_it_lists_every_room_of_the_code_in_the_table():
    graph, _ = import_graph()
    assert unlisted_rooms(graph) == ([], [])


def test_it_finds_no_import_between_rooms_that_the_table_does_not_allow():
    graph, _ = import_graph()
    assert wrong_room_imports(graph) == []


def documented_table(path: Path = ROOT / "docs" / "architecture.md") -> dict[str, set[str]]:
    """The "may import" column of docs/architecture.md, one row per package: | `room` | owns | `a`, `b` |."""
    rows = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`") and cells[0].endswith("`"):
            rows[cells[0].strip("`")] = set(re.findall(r"`([\w.]+)`", cells[2]))
    return rows


def test_it_finds_the_same_table_in_docs_architecture():
    assert documented_table() == ROOM_MAY_IMPORT


def test_it_finds_no_product_module_importing_tests_bench_or_stand_ins():
    assert outside_imports() == []


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


def test_it_catches_a_room_importing_what_its_line_of_the_table_leaves_out(tmp_path):
    for package in ("issuance", "issuance/email", "issuance/wallets", "issuance/delivery", "issuance/models"):
        (tmp_path / package).mkdir(parents=True, exist_ok=True)
        (tmp_path / package / "__init__.py").write_text("")
    for app in ("credentials_site", "courses", "audit"):
        (tmp_path / app).mkdir()
        (tmp_path / app / "__init__.py").write_text("")
    (tmp_path / "issuance" / "models" / "issuances.py").write_text("")
    (tmp_path / "issuance" / "wallets" / "offers.py").write_text("from issuance.models import issuances\n")
    (tmp_path / "issuance" / "delivery" / "sending.py").write_text("from issuance.wallets.offers import x\n")
    # Both go one way between the apps; the email composer may not write a wallet offer, and the state
    # machine may not call the outbox.
    (tmp_path / "issuance" / "email" / "messages.py").write_text("from issuance.wallets.offers import wallet_link_create\n")
    (tmp_path / "issuance" / "transitions.py").write_text("from issuance.delivery import sending\n")
    (tmp_path / "courses" / "rules.py").write_text("import tests.factories\n")
    graph, _ = import_graph(tmp_path)
    assert wrong_way_imports(graph) == []
    assert wrong_room_imports(graph) == [
        "issuance.email.messages imports issuance.wallets.offers",
        "issuance.transitions imports issuance.delivery.sending",
    ]
    assert outside_imports(tmp_path) == ["courses.rules imports tests.factories"]
