"""SQLite: refuse DELETE of audit entries and anchors too (docs/audit.md, ADR 0006).

Migration 0002 made SQLite refuse UPDATE only, because the test framework empties tables with
DELETE. ``flush`` now lifts these triggers for its own transaction
(``audit/management/commands/flush.py``, the SQLite counterpart of the superuser's TRUNCATE on
PostgreSQL), so every other DELETE — a queryset ``delete()``, raw SQL — is refused. PostgreSQL
already refuses DELETE (0002): nothing to do there.

Django's SQLite schema editor rebuilds a table (create, copy, drop, rename) for many field
changes, which drops its triggers: a later migration that alters these tables must re-create
them (``test_database.test_append_only_triggers_are_installed`` fails until it does).
"""

from django.db import migrations

TABLES = ["audit_auditentry", "audit_auditanchor"]


def install(apps: object, schema_editor: object) -> None:
    connection = schema_editor.connection  # type: ignore[attr-defined]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'tinhso audit log is append-only: DELETE on {table} "
                "refused'); END;"
            )


def uninstall(apps: object, schema_editor: object) -> None:
    connection = schema_editor.connection  # type: ignore[attr-defined]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete;")


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]

    operations = [migrations.RunPython(install, uninstall)]
