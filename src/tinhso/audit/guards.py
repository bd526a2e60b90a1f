"""The database guards of the audit tables (migrations 0002 and 0003), and the one way to lift them.

PostgreSQL refuses UPDATE and DELETE on ``audit_auditentry`` and ``audit_auditanchor`` for every
role, and TRUNCATE for every role but a superuser (so ``flush``, which truncates, works for a
superuser only). SQLite refuses UPDATE and DELETE for everyone; ``flush`` — which empties every
table with DELETE — lifts the DELETE triggers for its own transaction only
(``deletes_allowed_for_flush``). On SQLite whoever can run ``flush`` can also write the database
file; the guard protects against the application and its code, not against that person.
"""

import contextlib
from collections.abc import Iterator

from django.db import connections, transaction

GUARDED_TABLES = ("audit_auditentry", "audit_auditanchor")
SQLITE_DELETE_TRIGGERS = tuple(f"{table}_no_delete" for table in GUARDED_TABLES)


def installed_triggers(using: str = "default") -> set[str]:
    """Names of the guard triggers present on the audit tables (to check nothing dropped them)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (%s, %s)",
                list(GUARDED_TABLES),
            )
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
                "AND tgrelid::regclass::text IN (%s, %s)",
                list(GUARDED_TABLES),
            )
        else:
            return set()
        return {row[0] for row in cursor.fetchall()}


@contextlib.contextmanager
def deletes_allowed_for_flush(using: str = "default") -> Iterator[None]:
    """SQLite: drop the DELETE triggers, run the block, re-create them — one transaction.

    The triggers are re-created from their own stored SQL; if the block fails, the rollback
    restores them. Elsewhere (PostgreSQL) this does nothing.
    """
    connection = connections[using]
    if connection.vendor != "sqlite":
        yield
        return
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN (%s, %s)",
                list(SQLITE_DELETE_TRIGGERS),
            )
            saved = cursor.fetchall()
            for name, _sql in saved:
                cursor.execute(f'DROP TRIGGER "{name}"')
        yield
        with connection.cursor() as cursor:
            for _name, sql in saved:
                cursor.execute(sql)
