"""Writes to what the operations centre follows go through the event path.

The operations centre keeps its figures by following the dossier events (``tinhso.ioc.receivers``,
ADR 0013); it sees no ``post_save``. A bulk write (``QuerySet.update()`` and its kin) to a model
whose rows a fact reads — the dossier, its attachments, its rating, its result documents —
changes the figures only if the same use case records a dossier event. This test reads the
production code (an AST walk, as ``test_import_graph`` does) and fails on any such bulk write
outside the places listed below, each with the event that covers it. A new bulk write either
records an event in its transaction and is added here with that reason, or goes through a
dossier use case instead.
"""

import ast
from pathlib import Path

import tinhso

ROOT = Path(tinhso.__file__).parent
WATCHED = {"Dossier", "Attachment", "Rating", "ResultDocument"}
# Related managers that reach the watched models from a dossier (``dossier.attachments…``).
WATCHED_RELATED = {"attachments", "result_documents"}
BULK_WRITES = {"update", "bulk_update", "bulk_create", "delete", "update_or_create"}

# (module, function, model or related manager, method) -> the event that covers the write.
ALLOWED = {
    ("dossiers/deadlines.py", "scan_deadlines", "Dossier", "update"): (
        "deadline_alert only (a field no fact reads); the same function records DEADLINE_ALERT"
    ),
    ("results/services.py", "_sign", "ResultDocument", "update"): (
        "the conditional UPDATE that keeps two workers from both signing; issue_result then "
        "records RESULT_SIGNED (announce_signed), and the signing task retries until it has"
    ),
}


def _root(node: ast.expr) -> str | None:
    """The watched model or related manager a call chain starts from, if any."""
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        if isinstance(node, ast.Attribute):
            if node.attr in WATCHED_RELATED:
                return node.attr
            if (
                node.attr in ("objects", "_default_manager")
                and isinstance(node.value, ast.Name)
                and node.value.id in WATCHED
            ):
                return node.value.id
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        else:
            node = node.value
    return None


class _Finder(ast.NodeVisitor):
    def __init__(self, module: str) -> None:
        self.module = module
        self.stack: list[str] = []
        self.found: set[tuple[str, str, str, str]] = set()

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.stack.append(node.name)
        self.generic_visit(node)
        self.stack.pop()

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in BULK_WRITES:
            root = _root(func.value)
            if root is not None:
                where = self.stack[0] if self.stack else "<module>"
                self.found.add((self.module, where, root, func.attr))
        self.generic_visit(node)


def bulk_writes() -> set[tuple[str, str, str, str]]:
    found: set[tuple[str, str, str, str]] = set()
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if {"tests", "migrations"} & set(rel.parts) or rel.name in ("testing.py", "conftest.py"):
            continue
        finder = _Finder(rel.as_posix())
        finder.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        found |= finder.found
    return found


def test_watched_models_are_bulk_written_only_where_an_event_covers_the_write():
    unexpected = sorted(bulk_writes() - set(ALLOWED))
    assert not unexpected, (
        "bulk writes to models the operations centre follows, outside the event path "
        "(record a dossier event in the same transaction and list the write in ALLOWED, "
        f"or go through a dossier use case): {unexpected}"
    )


def test_the_allowed_list_names_only_writes_that_still_exist():
    assert set(ALLOWED) <= bulk_writes()


def test_the_finder_sees_a_bulk_write_through_a_manager_and_a_related_manager():
    source = (
        "def f(d):\n"
        "    Dossier.objects.filter(pk=1).update(status='x')\n"
        "    d.attachments.filter(digitised=False).update(digitised=True)\n"
        "    Other.objects.filter(pk=1).update(x=1)\n"
    )
    finder = _Finder("m.py")
    finder.visit(ast.parse(source))
    assert finder.found == {
        ("m.py", "f", "Dossier", "update"),
        ("m.py", "f", "attachments", "update"),
    }
