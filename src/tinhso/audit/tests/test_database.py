"""What the database itself enforces, and the chain under concurrent writers."""

from collections import Counter
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from tinhso.accounts.models import User
from tinhso.audit.guards import installed_triggers
from tinhso.audit.models import AuditAnchor, AuditEntry
from tinhso.audit.services import log_event, stream_for
from tinhso.audit.verify import verify_chain
from tinhso.testing import run_in_threads

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL triggers and roles"
)


def refused(sql: str, params: list[Any] | None = None) -> str:
    with pytest.raises(DatabaseError) as info, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params or [])
    return str(info.value)


@pytest.mark.django_db
def test_database_refuses_update_of_an_audit_row() -> None:
    entry = log_event(action="auth.login", actor=None, target="user:x")
    message = refused("UPDATE audit_auditentry SET target = 'y' WHERE id = %s", [entry.pk])
    assert "append-only" in message
    assert AuditEntry.objects.get(pk=entry.pk).target == "user:x"


@pytest.mark.django_db
def test_database_refuses_delete_of_an_audit_row_on_every_database() -> None:
    """SQLite too (migration 0003): raw SQL and a queryset delete, entries and anchors."""
    from tinhso.audit.anchors import write_anchor

    entry = log_event(action="auth.login", actor=None, target="user:x")
    anchor = write_anchor()
    message = refused("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    assert "tinhso audit log is append-only: DELETE on audit_auditentry refused" in message
    assert "DELETE on audit_auditanchor refused" in refused("DELETE FROM audit_auditanchor")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    assert AuditAnchor.objects.filter(pk=anchor.pk).exists()


@pytest.mark.django_db
def test_append_only_triggers_are_installed() -> None:
    """Fails if a later migration rebuilt an audit table (SQLite drops its triggers then)."""
    expected = {
        "sqlite": {
            f"{table}_{what}"
            for table in ("audit_auditentry", "audit_auditanchor")
            for what in ("no_update", "no_delete")
        },
        "postgresql": {
            f"{table}_{what}"
            for table in ("audit_auditentry", "audit_auditanchor")
            for what in ("no_change", "no_truncate")
        },
    }[connection.vendor]
    assert installed_triggers() == expected


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_audit_tables_and_leaves_the_guard_in_place() -> None:
    """What transactional tests do after each test: on PostgreSQL a superuser's TRUNCATE, on
    SQLite a DELETE with the triggers lifted for the flush's transaction only."""
    from tinhso.audit.anchors import write_anchor

    log_event(action="auth.login", actor=None, target="user:x")
    write_anchor()
    before = installed_triggers()
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEntry.objects.exists() and not AuditAnchor.objects.exists()
    assert installed_triggers() == before
    entry = log_event(action="auth.login", actor=None, target="user:y")
    assert "append-only" in refused("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])


@pytest.mark.django_db(transaction=True)
def test_the_sqlite_delete_guard_migration_is_reversible() -> None:
    try:
        call_command("migrate", "audit", "0002", verbosity=0)
        unguarded = installed_triggers()
        entry = log_event(action="auth.login", actor=None)
        if connection.vendor == "sqlite":
            AuditEntry.objects.filter(pk=entry.pk).delete()  # 0002 alone lets DELETE through
            assert not AuditEntry.objects.filter(pk=entry.pk).exists()
    finally:
        call_command("migrate", "audit", verbosity=0)
    assert not any(name.endswith("_no_delete") for name in unguarded)
    assert installed_triggers() >= unguarded


@pytest.mark.django_db
def test_model_layer_refuses_to_save_or_delete_an_existing_row() -> None:
    entry = log_event(action="auth.login", actor=None)
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()


@postgres_only
@pytest.mark.django_db
def test_postgres_refuses_delete_even_for_a_superuser() -> None:
    entry = log_event(action="auth.login", actor=None)
    assert "DELETE on audit_auditentry refused" in refused(
        "DELETE FROM audit_auditentry WHERE id = %s", [entry.pk]
    )
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@postgres_only
@pytest.mark.django_db
def test_postgres_refuses_update_delete_truncate_by_the_table_owner() -> None:
    """A non-superuser that owns the table (and so holds every privilege on it) is refused."""
    entry = log_event(action="auth.login", actor=None)
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE tinhso_audit_test_owner NOLOGIN NOSUPERUSER")
        cursor.execute("ALTER TABLE audit_auditentry OWNER TO tinhso_audit_test_owner")
        cursor.execute("SET ROLE tinhso_audit_test_owner")
    try:
        assert "UPDATE" in refused("UPDATE audit_auditentry SET action = 'x'")
        assert "DELETE" in refused("DELETE FROM audit_auditentry")
        assert "TRUNCATE on audit_auditentry refused" in refused("TRUNCATE audit_auditentry")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@postgres_only
@pytest.mark.django_db
def test_postgres_refuses_changes_to_anchors() -> None:
    from tinhso.audit.anchors import write_anchor

    anchor = write_anchor()
    assert "append-only" in refused("UPDATE audit_auditanchor SET signature = 'x'")
    assert "append-only" in refused("DELETE FROM audit_auditanchor WHERE id = %s", [anchor.pk])


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_a_stream() -> None:
    """Twelve threads, three officials (so streams are contended), 15 events each, some of them
    inside an outer transaction that also writes something else."""
    officials = [
        User.objects.create_user(f"official{i}", kind=User.Kind.OFFICIAL) for i in range(3)
    ]

    def write(i: int) -> int:
        actor = officials[i % 3]
        for n in range(15):
            if n % 3 == 0:
                with transaction.atomic():
                    User.objects.filter(pk=actor.pk).update(last_name=f"{i}-{n}")
                    log_event(action="dossier.view", actor=actor, target=f"dossier:{i}-{n}")
            else:
                log_event(action="dossier.view", actor=actor, target=f"dossier:{i}-{n}")
        return i

    outcomes = run_in_threads(12, write)
    assert sorted(outcomes) == list(range(12)), outcomes
    entries = list(AuditEntry.objects.filter(action="dossier.view").values_list("stream", "seq"))
    assert len(entries) == 12 * 15
    per_stream = Counter(stream for stream, _ in entries)
    for stream in per_stream:
        seqs = sorted(
            seq for s, seq in AuditEntry.objects.filter(stream=stream).values_list("stream", "seq")
        )
        assert seqs == list(range(1, len(seqs) + 1)), stream
    assert {stream_for(o.pk, "") for o in officials} <= set(per_stream)
    report = verify_chain()
    assert report.ok, [str(p) for p in report.problems]
    assert report.entries == AuditEntry.objects.count()


@pytest.mark.django_db(transaction=True)
def test_an_event_rolled_back_with_its_transaction_leaves_the_chain_intact() -> None:
    actor = User.objects.create_user("official", kind=User.Kind.OFFICIAL)
    log_event(action="dossier.view", actor=actor, target="dossier:a")
    with pytest.raises(RuntimeError), transaction.atomic():
        log_event(action="dossier.view", actor=actor, target="dossier:rolled-back")
        raise RuntimeError("the transition failed")
    log_event(action="dossier.view", actor=actor, target="dossier:b")
    assert not AuditEntry.objects.filter(target="dossier:rolled-back").exists()
    assert verify_chain().ok
