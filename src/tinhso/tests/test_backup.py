"""``tinhso backup`` / ``tinhso restore`` (docs/operations.md): a restore drill on the suite's database.

The source installation is this test's database (committed rows: ``transaction=True``, so pg_dump
sees them) with its media, PKI and anchor directories under ``tmp_path``. The restore runs in a
``python -m tinhso`` subprocess onto a fresh ``TINHSO_VAR_DIR`` under ANOTHER ``SECRET_KEY``: a SQLite
file there, or on PostgreSQL a scratch database ``tinhso_restore_<random>`` this test creates and
drops (never another worker's test database).
"""

import json
import os
import secrets
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tinhso.audit.anchors import write_anchor
from tinhso.results import services as result_services
from tinhso.results.tests.conftest import to_result_ready
from tinhso.testing import make_cast
from tinhso.tests.conftest import make_bucket

PASSPHRASE = "mật khẩu sao lưu của tỉnh"

# Run in the restored installation: row counts, the old signed result, then a new dossier walked
# to a newly signed result (the restored keys must decrypt under the new SECRET_KEY).
CHECK_SCRIPT = """
import json, types
from django.apps import apps
from tinhso.accounts.models import User
from tinhso.procedures.models import ProcedureVersion
from tinhso.results import services
from tinhso.results.models import ResultDocument
from tinhso.results.tests.conftest import to_result_ready
from tinhso.results.verification import verify_pdf

counts = {m._meta.label: m._default_manager.count() for m in apps.get_models()}
old = ResultDocument.objects.get()
with old.file.open("rb") as handle:
    old_status = verify_pdf(handle.read()).status
user = lambda name: User.objects.get(username=name)
cast = types.SimpleNamespace(
    citizen=user("citizen1"),
    commune_clerk=user("phukhuong.clerk"),
    commune_specialist=user("phukhuong.specialist"),
    commune_leader=user("phukhuong.leader"),
    commune_procedure=ProcedureVersion.objects.get(procedure__code="1.000001"),
)
dossier = to_result_ready(cast)
new = services.issue_result(dossier_id=dossier.pk)
with new.file.open("rb") as handle:
    new_status = verify_pdf(handle.read()).status
print(json.dumps({"counts": counts, "old": old_status, "new": new_status, "filed": dossier.code}))
"""


@dataclass
class Target:
    var_dir: Path
    env: dict[str, str]

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tinhso", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )


def _fresh_env(var_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("TINHSO_") and name not in ("DATABASE_URL", "PGDATABASE")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tinhso.settings",
        TINHSO_VAR_DIR=str(var_dir),
        TINHSO_SECRET_KEY="another-secret-key-on-the-restored-server",
        TINHSO_SIGNER_DEFAULT="demo",
        TINHSO_TSA_URL="",
        TINHSO_BACKUP_PASSPHRASE=PASSPHRASE,
    )
    env.update(extra)
    return env


@pytest.fixture
def source(settings, tmp_path, monkeypatch):
    """This installation's files in tmp_path, and the backup passphrase set."""
    settings.TINHSO_PKI_DIR = tmp_path / "source" / "pki"
    settings.TINHSO_AUDIT_ANCHOR_DIR = str(tmp_path / "source" / "anchors")
    settings.TINHSO_AUDIT_ANCHOR_KEY = ""
    settings.TINHSO_AUDIT_ANCHOR_TRUSTED_KEYS = []
    settings.TINHSO_PKI_PASSPHRASE = ""
    settings.TINHSO_SIGNER_DEFAULT = "demo"
    settings.TINHSO_TSA_URL = ""
    settings.TINHSO_TRUST_ROOTS = []
    monkeypatch.setenv("TINHSO_BACKUP_PASSPHRASE", PASSPHRASE)
    return settings


@pytest.fixture
def target(tmp_path) -> Iterator[Target]:
    """A fresh installation: an empty TINHSO_VAR_DIR and, on PostgreSQL, a scratch database."""
    var_dir = tmp_path / "restored"
    if connection.vendor != "postgresql":
        yield Target(var_dir, _fresh_env(var_dir))
        return
    database = connection.settings_dict
    name = f"tinhso_restore_{secrets.token_hex(6)}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    credentials = quote(database["USER"] or "postgres")
    if database.get("PASSWORD"):
        credentials += ":" + quote(database["PASSWORD"])
    url = f"postgres://{credentials}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{name}"
    try:
        yield Target(var_dir, _fresh_env(var_dir, DATABASE_URL=url))
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.mark.django_db(transaction=True)
def test_restore_under_another_secret_key_brings_back_rows_audit_and_signatures(
    source, target, tmp_path
):
    cast = make_cast()
    dossier = to_result_ready(cast)
    result = result_services.issue_result(dossier_id=dossier.pk)
    write_anchor()
    before = _row_counts()
    backup = tmp_path / "backup"

    call_command("backup", output=str(backup), stdout=open(os.devnull, "w"))  # noqa: SIM115

    manifest = json.loads((backup / "manifest.json").read_text())
    assert set(manifest["parts"]) >= {
        manifest["database_part"],
        "media.tar",
        "pki.tar.enc",
        "audit-anchors.tar",
        "secrets.json.enc",
        "settings.json",
    }
    assert b"BEGIN" not in (backup / "pki.tar.enc").read_bytes()  # the keys travel encrypted

    restored = target.run("restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert (target.var_dir / "pki" / "root-ca.pem").exists()

    verified = target.run("audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "OK: audit log intact" in verified.stdout

    checked = target.run("shell", "-c", CHECK_SCRIPT)
    assert checked.returncode == 0, checked.stderr
    outcome = json.loads(checked.stdout.strip().splitlines()[-1])
    # Every row is back, nothing more but the record of the `audit verify` run above.
    assert outcome["counts"] == {**before, "audit.ChainCheck": before["audit.ChainCheck"] + 1}
    assert outcome["old"] == "valid", result.number
    assert outcome["new"] == "valid"  # the restored keys sign under the new SECRET_KEY
    assert outcome["filed"] != dossier.code

    again = target.run("audit", "verify")
    assert again.returncode == 0, again.stdout + again.stderr

    refused = target.run("restore", str(backup))
    assert refused.returncode != 0
    assert "Cài đặt đích đã có dữ liệu" in refused.stderr
    forced = target.run("restore", "--force", str(backup))
    assert forced.returncode == 0, forced.stderr


@pytest.mark.django_db(transaction=True)
def test_a_tampered_part_or_a_wrong_passphrase_is_refused_before_anything_is_written(
    source, tmp_path
):
    make_cast()
    backup = tmp_path / "backup"
    call_command("backup", output=str(backup), stdout=open(os.devnull, "w"))  # noqa: SIM115
    fresh = Target(tmp_path / "fresh", _fresh_env(tmp_path / "fresh"))

    wrong = Target(fresh.var_dir, {**fresh.env, "TINHSO_BACKUP_PASSPHRASE": "đoán bừa"})
    refused = wrong.run("restore", str(backup))
    assert refused.returncode != 0
    assert "Mật khẩu sao lưu không đúng" in refused.stderr

    media = backup / "media.tar"
    content = bytearray(media.read_bytes())
    content[600] ^= 0x01
    media.write_bytes(bytes(content))
    refused = fresh.run("restore", str(backup))
    assert refused.returncode != 0
    assert "media.tar không khớp mã SHA-256" in refused.stderr
    assert not (fresh.var_dir / "pki").exists()
    assert not (fresh.var_dir / "media").exists()
    sqlite_file = fresh.var_dir / "tinhso.sqlite3"
    assert not sqlite_file.exists() or sqlite_file.stat().st_size == 0


@pytest.mark.django_db(transaction=True)
def test_without_the_backup_passphrase_both_commands_refuse_with_a_clear_message(
    source, tmp_path, monkeypatch
):
    monkeypatch.delenv("TINHSO_BACKUP_PASSPHRASE")
    with pytest.raises(CommandError, match="Chưa đặt biến môi trường TINHSO_BACKUP_PASSPHRASE"):
        call_command("backup", output=str(tmp_path / "backup"))
    assert not (tmp_path / "backup").exists()
    with pytest.raises(CommandError, match="Chưa đặt biến môi trường TINHSO_BACKUP_PASSPHRASE"):
        call_command("restore", str(tmp_path / "backup"))


# --- TINHSO_STORAGE=s3: the bucket's objects travel in media.tar (tests/conftest.py: moto) ---

# Run in the restored installation: every stored file reads back through the storage in force,
# and the signed result still verifies.
S3_CHECK_SCRIPT = """
import hashlib, json
from django.core.files.storage import storages
from tinhso.dossiers.models import Attachment
from tinhso.results.models import ResultDocument
from tinhso.results.verification import verify_pdf

def digest(field):
    with field.open("rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()

result = ResultDocument.objects.get()
with result.file.open("rb") as handle:
    status = verify_pdf(handle.read()).status
print(json.dumps({
    "storage": type(storages["default"]).__name__,
    "attachments": sorted([a.file.name, digest(a.file) == a.sha256] for a in Attachment.objects.all()),
    "result": [result.file.name, digest(result.file) == result.sha256, status],
}))
"""


@pytest.mark.django_db(transaction=True)
def test_with_s3_storage_backup_and_restore_carry_every_object_of_the_bucket(
    source, target, tmp_path, s3_storage, s3_endpoint
):
    cast = make_cast()
    dossier = to_result_ready(cast)
    result = result_services.issue_result(dossier_id=dossier.pk)
    objects = {
        key[len(s3_storage.prefix) + 1 :]: s3_storage.read(key) for key in s3_storage.object_keys()
    }
    assert result.file.name in objects and len(objects) >= 3  # attachment, result, store copy
    backup = tmp_path / "backup"

    call_command("backup", output=str(backup), stdout=open(os.devnull, "w"))  # noqa: SIM115

    with tarfile.open(backup / "media.tar") as archive:
        packed = {
            member.name.removeprefix("./"): archive.extractfile(member).read()
            for member in archive.getmembers()
        }
    assert packed == objects
    settings_json = json.loads((backup / "settings.json").read_text())
    assert settings_json["media_location"] == f"s3://{s3_storage.name}/{s3_storage.prefix}/"

    # Restore into another, empty bucket under another prefix.
    empty = make_bucket(s3_endpoint, prefix="khoi-phuc")
    restored_env = {**target.env, **empty.environment()}
    restoring = Target(target.var_dir, restored_env)
    restored = restoring.run("restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert {
        key.removeprefix("khoi-phuc/"): empty.read(key) for key in empty.object_keys()
    } == objects
    assert not (target.var_dir / "media").exists()  # nothing went to a MEDIA_ROOT on disk

    checked = restoring.run("shell", "-c", S3_CHECK_SCRIPT)
    assert checked.returncode == 0, checked.stderr
    outcome = json.loads(checked.stdout.strip().splitlines()[-1])
    assert outcome["storage"] == "PrivateS3Storage"
    assert outcome["attachments"] == [[dossier.attachments.get().file.name, True]]
    assert outcome["result"] == [result.file.name, True, "valid"]

    # A second restore finds the bucket in use, and says so.
    refused = restoring.run("restore", str(backup))
    assert refused.returncode != 0
    assert f"s3://{empty.name}/khoi-phuc/" in refused.stderr


@pytest.mark.django_db
def test_a_storage_that_cannot_be_backed_up_is_refused_before_anything_is_written(
    source, settings, tmp_path
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    with pytest.raises(CommandError, match="InMemoryStorage chưa được hỗ trợ sao lưu"):
        call_command("backup", output=str(tmp_path / "backup"))
    assert not (tmp_path / "backup").exists()


def test_media_tar_moves_files_between_the_disk_and_a_bucket_both_ways(tmp_path, s3_storage):
    """Names in media.tar are relative to the storage's root, so a backup taken on disk restores
    into a bucket (the way to move an installation onto S3), and one taken from a bucket onto disk."""
    from django.core.files.storage import default_storage

    from tinhso.management import backup_archive

    disk = tmp_path / "media"
    (disk / "dossiers" / "7").mkdir(parents=True)
    (disk / "dossiers" / "7" / "to-khai.pdf").write_bytes(b"%PDF-1.4 to khai")
    (disk / "slips" / "7").mkdir(parents=True)
    (disk / "slips" / "7" / "receipt-2.pdf").write_bytes(b"%PDF-1.4 phieu")
    backup_archive._tar_to(disk, tmp_path / "from-disk.tar")

    with (tmp_path / "from-disk.tar").open("rb") as handle:
        backup_archive._untar_to_bucket(handle, default_storage)
    assert {key: s3_storage.read(key) for key in s3_storage.object_keys()} == {
        "tinhso/dossiers/7/to-khai.pdf": b"%PDF-1.4 to khai",
        "tinhso/slips/7/receipt-2.pdf": b"%PDF-1.4 phieu",
    }

    backup_archive._tar_bucket(default_storage, tmp_path / "from-bucket.tar")
    with (tmp_path / "from-bucket.tar").open("rb") as handle:
        backup_archive._untar(handle, tmp_path / "restored")
    restored = tmp_path / "restored"
    assert sorted(str(path.relative_to(restored)) for path in restored.rglob("*.pdf")) == [
        "dossiers/7/to-khai.pdf",
        "slips/7/receipt-2.pdf",
    ]
    assert (restored / "slips" / "7" / "receipt-2.pdf").read_bytes() == b"%PDF-1.4 phieu"
