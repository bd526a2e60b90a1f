"""The layers of docs/architecture.md hold in the code: who may import whom.

The table "Who may import whom" in docs/architecture.md gives each app (and each module at the root
of the ``tinhso`` package) a layer and the units it may import. This test reads that table and the
production code's own imports (an AST walk over ``src/tinhso``: tests, test helpers and migrations
left out; imports inside functions and under ``TYPE_CHECKING`` counted like any other) and fails
when the code imports something the table does not allow, when the table lets a layer import a
higher one, when an app is missing from the table, or when imports form a cycle.

An import of another app inside a function must say why on its line or the line above (a comment):
such imports are for the app registry or a heavy library, never a way round a cycle.
"""

import ast
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1]
ARCHITECTURE = PACKAGE.parents[1] / "docs" / "architecture.md"
TABLE_HEADING = "## Who may import whom"
EVERYTHING = "*"


@dataclass(frozen=True)
class Rule:
    layer: int
    unit: str
    modules: tuple[str, ...]
    allowed: frozenset[str]


@dataclass(frozen=True)
class Import:
    source: str  # file, relative to the package
    line: int
    target: str  # dotted module
    local: bool  # inside a function


def read_rules() -> dict[str, Rule]:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    assert TABLE_HEADING in text, f"{ARCHITECTURE} has no section {TABLE_HEADING!r}"
    section = text.split(TABLE_HEADING, 1)[1].split("\n## ", 1)[0]
    rules: dict[str, Rule] = {}
    for row in section.splitlines():
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0].isdigit():
            continue
        layer, unit, modules, allowed = cells
        name = unit.strip("`")
        names = frozenset(re.findall(r"`([\w.*]+)`", allowed))
        rules[name] = Rule(
            layer=int(layer),
            unit=name,
            modules=tuple(re.findall(r"`([\w.]+)`", modules)),
            allowed=names,
        )
    assert rules, "the table of layers is empty"
    return rules


def unit_of(module: str, rules: dict[str, Rule]) -> str | None:
    """The table's unit of a dotted module under ``tinhso``, None outside the package."""
    parts = module.split(".")
    if parts[0] != "tinhso":
        return None
    if len(parts) == 1:
        return "core"  # ``import tinhso`` (the Celery app)
    head = f"tinhso.{parts[1]}"
    for rule in rules.values():
        if head in rule.modules:
            return rule.unit
    if (PACKAGE / parts[1]).is_dir():
        return parts[1]
    return f"?{head}"  # a root module the table does not place


def production_files() -> list[Path]:
    files = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if {"tests", "migrations"} & set(rel.parts) or rel.name in ("testing.py", "conftest.py"):
            continue
        files.append(path)
    return files


def module_name(path: Path) -> list[str]:
    parts = ["tinhso", *path.relative_to(PACKAGE).with_suffix("").parts]
    return parts[:-1] if parts[-1] == "__init__" else parts


def imports_of(path: Path) -> list[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path) if path.name == "__init__.py" else module_name(path)[:-1]
    found: list[Import] = []

    def visit(node: ast.AST, local: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = local or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            targets: list[str] = []
            if isinstance(child, ast.Import):
                targets = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package[: len(package) - child.level + 1]
                    stem = ".".join(base + ([child.module] if child.module else []))
                    targets = [stem] if child.module else [f"{stem}.{a.name}" for a in child.names]
                elif child.module == "tinhso":
                    targets = [f"tinhso.{alias.name}" for alias in child.names]
                elif child.module:
                    targets = [child.module]
            if isinstance(child, ast.Import | ast.ImportFrom):
                rel = str(path.relative_to(PACKAGE))
                found.extend(Import(rel, child.lineno, t, local) for t in targets)
            visit(child, inner)

    visit(tree, False)
    return found


def source_unit(path: Path, rules: dict[str, Rule]) -> str:
    unit = unit_of(".".join(module_name(path)), rules)
    assert unit is not None
    return unit


@pytest.fixture(scope="module")
def rules() -> dict[str, Rule]:
    return read_rules()


@pytest.fixture(scope="module")
def edges(rules: dict[str, Rule]) -> dict[tuple[str, str], list[Import]]:
    found: dict[tuple[str, str], list[Import]] = defaultdict(list)
    for path in production_files():
        source = source_unit(path, rules)
        for imp in imports_of(path):
            target = unit_of(imp.target, rules)
            if target is not None and target != source:
                found[(source, target)].append(imp)
    return found


def test_every_app_and_root_module_has_a_layer(rules: dict[str, Rule]) -> None:
    apps = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    apps -= {"tests", "locale", "templates", "static"}
    placed_modules = {m for rule in rules.values() for m in rule.modules}
    unplaced = sorted(apps - set(rules) - {m.split(".", 1)[1] for m in placed_modules})
    roots = {
        f"tinhso.{p.stem}"
        for p in PACKAGE.glob("*.py")
        if p.stem not in ("__init__", "testing", "conftest")
    }
    unplaced += sorted(roots - placed_modules)
    assert not unplaced, f"add these to the table in docs/architecture.md: {unplaced}"


def test_the_table_points_down(rules: dict[str, Rule]) -> None:
    wrong = [
        f"{rule.unit} (layer {rule.layer}) may import {name} (layer {rules[name].layer})"
        for rule in rules.values()
        for name in rule.allowed
        if name != EVERYTHING and (name not in rules or rules[name].layer > rule.layer)
    ]
    assert not wrong, "\n".join(wrong)


def test_code_imports_only_what_the_table_allows(
    rules: dict[str, Rule], edges: dict[tuple[str, str], list[Import]]
) -> None:
    wrong = []
    for (source, target), sites in sorted(edges.items()):
        rule = rules.get(source)
        if rule is not None and (EVERYTHING in rule.allowed or target in rule.allowed):
            continue
        where = ", ".join(f"{s.source}:{s.line}" for s in sites[:5])
        wrong.append(f"{source} -> {target}: {where}")
    assert not wrong, "imports the table does not allow:\n" + "\n".join(wrong)


def test_lower_layers_import_nothing_of_the_dossier_layer_and_above(
    rules: dict[str, Rule], edges: dict[tuple[str, str], list[Import]]
) -> None:
    dossier_layer = rules["dossiers"].layer
    wrong = [
        f"{source} -> {target}"
        for (source, target) in edges
        if source in rules
        and target in rules
        and rules[source].layer < dossier_layer <= rules[target].layer
    ]
    assert not wrong, wrong


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_no_import_cycle_between_apps(edges: dict[tuple[str, str], list[Import]]) -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for source, target in edges:
        graph[source].add(target)
    assert _cycles(graph) == []


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_function_local_imports_of_other_units_say_why(rules: dict[str, Rule]) -> None:
    silent = []
    for path in production_files():
        lines = path.read_text(encoding="utf-8").splitlines()
        source = source_unit(path, rules)
        for imp in imports_of(path):
            target = unit_of(imp.target, rules)
            if not imp.local or target is None or target == source:
                continue
            here, above = lines[imp.line - 1], lines[imp.line - 2].strip()
            if "#" not in here and not above.startswith("#"):
                silent.append(f"{imp.source}:{imp.line} {imp.target}")
    assert not silent, "function-local imports without a reason:\n" + "\n".join(silent)
