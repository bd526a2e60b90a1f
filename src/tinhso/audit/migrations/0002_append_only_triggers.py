"""Database-enforced append-only audit tables (docs/audit.md, docs/adr/0006-audit-chain.md).

PostgreSQL: row triggers reject every UPDATE and DELETE of audit entries and anchors, whoever runs
them (the table owner included); a statement trigger rejects TRUNCATE except for a superuser —
who can disable triggers anyway, and whom the test framework's flush runs as. The privileges of
the application role are revoked as documented in docs/audit.md.

SQLite: a trigger rejects UPDATE. DELETE is left to the model layer and to ``tinhso audit
verify``: SQLite has no roles, the test framework empties tables with DELETE, and anyone who can
write the file can drop a trigger.
"""

from django.db import migrations

TABLES = ["audit_auditentry", "audit_auditanchor"]

PG_FUNCTIONS = """
CREATE OR REPLACE FUNCTION tinhso_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'tinhso audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE OR REPLACE FUNCTION tinhso_audit_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user AND rolsuper) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'tinhso audit log is append-only: TRUNCATE on % refused', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
"""


def pg_sql() -> str:
    statements = [PG_FUNCTIONS]
    for table in TABLES:
        statements.append(
            f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION tinhso_audit_refuse_change();"
        )
        statements.append(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION tinhso_audit_refuse_truncate();"
        )
    return "\n".join(statements)


def pg_reverse_sql() -> str:
    statements = []
    for table in TABLES:
        statements.append(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table};")
        statements.append(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};")
    statements.append("DROP FUNCTION IF EXISTS tinhso_audit_refuse_change();")
    statements.append("DROP FUNCTION IF EXISTS tinhso_audit_refuse_truncate();")
    return "\n".join(statements)


def install(apps: object, schema_editor: object) -> None:
    connection = schema_editor.connection  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(pg_sql())
        elif connection.vendor == "sqlite":
            for table in TABLES:
                cursor.execute(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
                    "BEGIN SELECT RAISE(ABORT, 'tinhso audit log is append-only: UPDATE refused'); "
                    "END;"
                )


def uninstall(apps: object, schema_editor: object) -> None:
    connection = schema_editor.connection  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(pg_reverse_sql())
        elif connection.vendor == "sqlite":
            for table in TABLES:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update;")


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
