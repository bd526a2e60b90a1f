from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tinhso.accounts.models import User
from tinhso.audit.models import AuditEntry
from tinhso.audit.services import log_event


@pytest.fixture(autouse=True)
def anchor_storage(settings: Any, tmp_path: Path) -> Path:
    """Anchors and the anchor key in a per-test directory, never in var/."""
    settings.TINHSO_AUDIT_ANCHOR_DIR = str(tmp_path / "anchors")
    settings.TINHSO_AUDIT_ANCHOR_KEY = str(tmp_path / "keys" / "audit-anchor.key")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return tmp_path / "anchors"


@pytest.fixture
def as_attacker() -> Callable[[str, list[Any] | None], None]:
    """Run raw SQL on the audit table as a database superuser would: triggers disabled first.

    On PostgreSQL ``ALTER TABLE … DISABLE TRIGGER`` needs the owner or a superuser; on SQLite
    the UPDATE and DELETE triggers are dropped. Both are DDL inside the test's transaction,
    rolled back after.
    """

    def run(sql: str, params: list[Any] | None = None) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
                cursor.execute("ALTER TABLE audit_auditanchor DISABLE TRIGGER USER")
            else:
                for table in ("audit_auditentry", "audit_auditanchor"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
            cursor.execute(sql, params or [])
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER USER")
                cursor.execute("ALTER TABLE audit_auditanchor ENABLE TRIGGER USER")

    return run


@pytest.fixture
def official() -> User:
    """An official whose creation leaves no audit entry of its own: made a citizen, then promoted
    with a queryset update (no signal). Creating an official directly logs a privilege change with no
    actor, whose stream may be the official's (1 chance in 16), which would shift the sequences."""
    user = User.objects.create_user("stp.clerk", password="pw")
    User.objects.filter(pk=user.pk).update(kind=User.Kind.OFFICIAL)
    user.refresh_from_db()
    return user


@pytest.fixture
def five(official: User) -> list[AuditEntry]:
    return [
        log_event(action="dossier.view", actor=official, target=f"dossier:H61.{i}")
        for i in range(5)
    ]
