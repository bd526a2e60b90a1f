from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection


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
    the UPDATE trigger is dropped. Both are DDL inside the test's transaction, rolled back after.
    """

    def run(sql: str, params: list[Any] | None = None) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
                cursor.execute("ALTER TABLE audit_auditanchor DISABLE TRIGGER USER")
            else:
                cursor.execute("DROP TRIGGER IF EXISTS audit_auditentry_no_update")
                cursor.execute("DROP TRIGGER IF EXISTS audit_auditanchor_no_update")
            cursor.execute(sql, params or [])
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER USER")
                cursor.execute("ALTER TABLE audit_auditanchor ENABLE TRIGGER USER")

    return run
