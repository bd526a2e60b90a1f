"""Backups that restore: what ``tinhso backup`` writes and ``tinhso restore`` reads (docs/operations.md).

A backup is a directory::

    manifest.json          format, creation time, database engine, KDF salt, SHA-256 of every part,
                           and an HMAC over all of it (keyed from the backup passphrase)
    database.sqlite3       SQLite through its online backup API, or
    database.pgdump        PostgreSQL ``pg_dump --format=custom`` of the configured database
    media.tar              the stored files (attachments, slips, signed results, receipts): MEDIA_ROOT,
                           or every object under the bucket's prefix with TINHSO_STORAGE=s3; names
                           are relative to the storage's root, so either kind restores into either
    pki.tar.enc            TINHSO_PKI_DIR (demo root CA, agencies' keys and certificates, the audit
                           anchor key), encrypted with the backup passphrase
    audit-anchor-key.enc   the audit anchor key, when TINHSO_AUDIT_ANCHOR_KEY puts it outside the PKI
    audit-anchors.tar      TINHSO_AUDIT_ANCHOR_DIR (the signed anchor files kept apart from the database)
    secrets.json.enc       the PKI passphrase in force (it unlocks the private keys), encrypted
    settings.json          a summary of the non-secret settings, for the operator

Secrets are encrypted with Fernet under a key derived by scrypt from ``TINHSO_BACKUP_PASSPHRASE``
and a random salt kept in the manifest. The private keys stay encrypted with the PKI passphrase
inside the encrypted tar; a restore under another ``SECRET_KEY`` (hence another derived PKI
passphrase) re-encrypts them with the passphrase in force on the restored installation, so signing
and audit verification work there without carrying the old ``SECRET_KEY`` along.
"""

import base64
import datetime
import hashlib
import hmac
import io
import json
import os
import sqlite3
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO, Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
from django.utils.translation import gettext as _
from storages.backends.s3 import S3Storage

from tinhso.audit import anchors
from tinhso.keys import passphrase

FORMAT = "tinhso-backup/1"
PASSPHRASE_VARIABLE = "TINHSO_BACKUP_PASSPHRASE"
MANIFEST = "manifest.json"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore that must not go on; the message is for the operator."""


# --- keys -----------------------------------------------------------------------------------


def backup_passphrase() -> bytes:
    value = os.environ.get(PASSPHRASE_VARIABLE, "")
    if not value:
        raise BackupError(
            _(
                "Chưa đặt biến môi trường TINHSO_BACKUP_PASSPHRASE: cần mật khẩu sao lưu để mã hoá "
                "(và giải mã) khoá bí mật trong bản sao lưu."
            )
        )
    return value.encode()


def _derive(secret: bytes, salt: bytes) -> tuple[Fernet, bytes]:
    """A Fernet key and a manifest MAC key from the backup passphrase."""
    material = Scrypt(salt=salt, length=64, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P).derive(secret)
    return Fernet(base64.urlsafe_b64encode(material[:32])), material[32:]


def _mac(key: bytes, manifest: dict[str, Any]) -> str:
    body = {name: value for name, value in manifest.items() if name != "mac"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(key, canonical, hashlib.sha256).hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- where things live ----------------------------------------------------------------------


def engine() -> str:
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(
            _("Cơ sở dữ liệu %(vendor)s chưa được hỗ trợ sao lưu.") % {"vendor": vendor}
        )
    return vendor


def media_dir() -> Path:
    return Path(settings.MEDIA_ROOT)


def pki_dir() -> Path:
    return Path(settings.TINHSO_PKI_DIR)


def anchor_key_outside_pki() -> Path | None:
    """The audit anchor key when TINHSO_AUDIT_ANCHOR_KEY puts it outside the PKI directory."""
    path = anchors.key_path()
    try:
        path.resolve().relative_to(pki_dir().resolve())
    except ValueError:
        return path
    return None


def _pg_environment() -> dict[str, str]:
    database = connection.settings_dict
    environment = dict(os.environ)
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
    ):
        if database.get(key):
            environment[variable] = str(database[key])
    return environment


def _run(command: list[str]) -> None:
    completed = subprocess.run(  # noqa: S603 -- a fixed program and our own arguments
        command, env=_pg_environment(), capture_output=True, text=True
    )
    if completed.returncode != 0:
        raise BackupError(
            _("%(program)s thất bại (mã %(code)s): %(error)s")
            % {
                "program": command[0],
                "code": completed.returncode,
                "error": completed.stderr.strip(),
            }
        )


def _tar(directory: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        if directory.is_dir():
            archive.add(directory, arcname=".")
    return buffer.getvalue()


def _tar_to(directory: Path, target: Path) -> None:
    with tarfile.open(target, mode="w") as archive:
        if directory.is_dir():
            archive.add(directory, arcname=".")


def _untar(source: Any, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=source, mode="r") as archive:
        archive.extractall(directory, filter="data")


def media_on_local_disk() -> bool:
    """True for MEDIA_ROOT on disk; False when the files live in an S3-compatible bucket."""
    return isinstance(default_storage, FileSystemStorage)


# --- stored files in an S3-compatible bucket --------------------------------------------------


def _bucket_storage() -> S3Storage | None:
    """The S3 storage in use, None for the disk; any other storage is refused (not backed up)."""
    if media_on_local_disk():
        return None
    if isinstance(default_storage, S3Storage):
        return default_storage
    raise BackupError(
        _(
            "Kho tệp %(backend)s chưa được hỗ trợ sao lưu: chỉ thư mục MEDIA_ROOT hoặc kho "
            "tương thích S3 (TINHSO_STORAGE=s3)."
        )
        % {"backend": settings.STORAGES["default"]["BACKEND"]}
    )


def _prefix(storage: S3Storage) -> str:
    location = str(storage.location).strip("/")
    return f"{location}/" if location else ""


def media_location() -> str:
    """Where the stored files are, for the operator: a directory or ``s3://bucket/prefix``."""
    storage = _bucket_storage()
    if storage is None:
        return str(media_dir())
    return f"s3://{storage.bucket_name}/{_prefix(storage)}"


def _objects(storage: S3Storage) -> Iterator[Any]:
    """Every object under the storage's prefix, as boto3 object summaries (key, size, date).

    One flat listing, a thousand keys a request: Storage.listdir would cost a request for each
    folder (one per dossier)."""
    prefix = _prefix(storage)
    for summary in storage.bucket.objects.filter(Prefix=prefix):
        if summary.key != prefix and not summary.key.endswith("/"):  # skip "folder" markers
            yield summary


def _tar_bucket(storage: S3Storage, target: Path) -> None:
    """Stream every object into a tar, named as on disk under MEDIA_ROOT (``./dossiers/…``)."""
    prefix = _prefix(storage)
    with tarfile.open(target, mode="w") as archive:
        for summary in _objects(storage):
            info = tarfile.TarInfo("./" + summary.key[len(prefix) :])
            info.size = summary.size
            info.mtime = int(summary.last_modified.timestamp())
            info.mode = 0o644
            body = storage.bucket.Object(summary.key).get()["Body"]
            try:
                archive.addfile(info, body)  # copies in chunks from the HTTP response
            finally:
                body.close()


def _member_name(member: tarfile.TarInfo) -> str:
    path = PurePosixPath(member.name)
    parts = [part for part in path.parts if part != "."]
    if not member.isfile() or path.is_absolute() or ".." in parts or not parts:
        raise BackupError(
            _("Tệp %(name)s trong media.tar không hợp lệ để khôi phục vào kho S3.")
            % {"name": member.name}
        )
    return "/".join(parts)


def _untar_to_bucket(source: IO[bytes], storage: S3Storage) -> None:
    """Put every file of media.tar back under its name, streaming each from the tar."""
    with tarfile.open(fileobj=source, mode="r") as archive:
        for member in archive:
            if member.isdir():
                continue
            name = _member_name(member)
            handle = archive.extractfile(member)
            assert handle is not None  # a regular file (checked above)
            storage.delete(name)  # --force onto a bucket in use: the backup's copy wins
            saved = storage.save(name, File(handle, name))
            if saved != name:
                raise BackupError(
                    _("Không ghi được %(name)s vào kho S3 (đã lưu thành %(saved)s).")
                    % {"name": name, "saved": saved}
                )


def _bucket_in_use(storage: S3Storage) -> bool:
    return next(iter(_objects(storage)), None) is not None


def settings_summary() -> dict[str, Any]:
    database = connection.settings_dict
    return {
        "database_engine": database["ENGINE"],
        "database_name": str(database["NAME"]),
        "database_host": database.get("HOST", ""),
        "debug": settings.DEBUG,
        "allowed_hosts": list(settings.ALLOWED_HOSTS),
        "time_zone": settings.TIME_ZONE,
        "language_code": settings.LANGUAGE_CODE,
        "site_url": getattr(settings, "TINHSO_SITE_URL", ""),
        "media_root": str(media_dir()),
        "media_location": media_location(),
        "pki_dir": str(pki_dir()),
        "audit_anchor_dir": str(anchors.anchor_dir()),
        "audit_anchor_key": str(anchors.key_path()),
        "audit_anchor_trusted_keys": list(
            getattr(settings, "TINHSO_AUDIT_ANCHOR_TRUSTED_KEYS", [])
        ),
        "storage_backend": settings.STORAGES["default"]["BACKEND"],
        "signer_default": getattr(settings, "TINHSO_SIGNER_DEFAULT", ""),
        "pki_passphrase_source": (
            "TINHSO_PKI_PASSPHRASE" if settings.TINHSO_PKI_PASSPHRASE else "SECRET_KEY"
        ),
    }


# --- backup ---------------------------------------------------------------------------------


def create_backup(output: Path) -> dict[str, Any]:
    """Write a backup of this installation into ``output`` (new or empty); return the manifest."""
    secret = backup_passphrase()
    vendor = engine()
    if output.exists() and any(output.iterdir()):
        raise BackupError(
            _("Thư mục %(path)s đã có dữ liệu; hãy chọn thư mục mới.") % {"path": output}
        )
    bucket = _bucket_storage()
    output.mkdir(parents=True, exist_ok=True)
    salt = os.urandom(16)
    fernet, mac_key = _derive(secret, salt)

    if vendor == "sqlite":
        database_part = "database.sqlite3"
        connection.ensure_connection()
        destination = sqlite3.connect(output / database_part)
        try:
            connection.connection.backup(destination)
            # The copy inherits WAL mode; a backup is one self-contained file.
            destination.execute("PRAGMA journal_mode=DELETE")
        finally:
            destination.close()
    else:
        database_part = "database.pgdump"
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                f"--file={output / database_part}",
                f"--dbname={connection.settings_dict['NAME']}",
            ]
        )
    if bucket is None:
        _tar_to(media_dir(), output / "media.tar")
    else:
        _tar_bucket(bucket, output / "media.tar")
    _tar_to(Path(anchors.anchor_dir()), output / "audit-anchors.tar")
    (output / "pki.tar.enc").write_bytes(fernet.encrypt(_tar(pki_dir())))
    outside = anchor_key_outside_pki()
    if outside is not None and outside.exists():
        (output / "audit-anchor-key.enc").write_bytes(fernet.encrypt(outside.read_bytes()))
    secrets = {"pki_passphrase": passphrase().decode()}
    (output / "secrets.json.enc").write_bytes(fernet.encrypt(json.dumps(secrets).encode()))
    (output / "settings.json").write_text(
        json.dumps(settings_summary(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    for name in output.iterdir():
        name.chmod(0o600)

    parts = {
        path.name: {"sha256": _sha256(path), "size": path.stat().st_size}
        for path in sorted(output.iterdir())
    }
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
        "engine": vendor,
        "database_part": database_part,
        "kdf": {
            "name": "scrypt",
            "salt": base64.b64encode(salt).decode(),
            "n": SCRYPT_N,
            "r": SCRYPT_R,
            "p": SCRYPT_P,
        },
        "parts": parts,
    }
    manifest["mac"] = _mac(mac_key, manifest)
    (output / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    (output / MANIFEST).chmod(0o600)
    return manifest


# --- restore --------------------------------------------------------------------------------


def verify_backup(source: Path) -> tuple[dict[str, Any], Fernet]:
    """Check the manifest's MAC and every part's SHA-256 before anything is touched."""
    secret = backup_passphrase()
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(
            _("Không đọc được %(path)s: %(error)s") % {"path": source / MANIFEST, "error": exc}
        ) from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(
            _("Không nhận ra định dạng bản sao lưu: %(format)s")
            % {"format": manifest.get("format")}
        )
    kdf = manifest["kdf"]
    if (kdf.get("n"), kdf.get("r"), kdf.get("p")) != (SCRYPT_N, SCRYPT_R, SCRYPT_P):
        raise BackupError(_("Tham số dẫn xuất khoá trong manifest.json không hợp lệ."))
    fernet, mac_key = _derive(secret, base64.b64decode(kdf["salt"]))
    if not hmac.compare_digest(_mac(mac_key, manifest), str(manifest.get("mac", ""))):
        raise BackupError(_("Mật khẩu sao lưu không đúng, hoặc tệp manifest.json đã bị sửa đổi."))
    present = {path.name for path in source.iterdir()} - {MANIFEST}
    expected = set(manifest["parts"])
    if present != expected:
        raise BackupError(
            _(
                "Các tệp trong bản sao lưu không khớp manifest.json (thiếu: %(missing)s; thừa: %(extra)s)."
            )
            % {
                "missing": ", ".join(sorted(expected - present)) or "—",
                "extra": ", ".join(sorted(present - expected)) or "—",
            }
        )
    for name, part in manifest["parts"].items():
        if _sha256(source / name) != part["sha256"]:
            raise BackupError(
                _(
                    "Tệp %(name)s không khớp mã SHA-256 trong manifest.json: bản sao lưu đã bị hỏng hoặc bị sửa đổi."
                )
                % {"name": name}
            )
    return manifest, fernet


def _decrypt(fernet: Fernet, path: Path) -> bytes:
    try:
        return fernet.decrypt(path.read_bytes())
    except InvalidToken as exc:
        raise BackupError(_("Không giải mã được %(name)s.") % {"name": path.name}) from exc


def _directory_in_use(directory: Path) -> bool:
    return directory.is_dir() and any(directory.iterdir())


def occupied() -> list[str]:
    """What on this installation already holds data (a restore would overwrite it)."""
    found = []
    if connection.introspection.table_names():
        found.append(_("cơ sở dữ liệu %(name)s") % {"name": connection.settings_dict["NAME"]})
    bucket = _bucket_storage()
    if bucket is None:
        directories = [media_dir(), pki_dir(), Path(anchors.anchor_dir())]
    else:
        if _bucket_in_use(bucket):
            found.append(media_location())
        directories = [pki_dir(), Path(anchors.anchor_dir())]
    for directory in directories:
        if _directory_in_use(directory):
            found.append(str(directory))
    return found


def _restore_database(manifest: dict[str, Any], source: Path) -> None:
    part = source / manifest["database_part"]
    if manifest["engine"] == "sqlite":
        target = Path(connection.settings_dict["NAME"])
        connection.close()
        target.parent.mkdir(parents=True, exist_ok=True)
        origin = sqlite3.connect(f"file:{part}?mode=ro&immutable=1", uri=True)
        destination = sqlite3.connect(target)
        try:
            origin.backup(destination)
        finally:
            origin.close()
            destination.close()
        return
    connection.close()
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--exit-on-error",
            f"--dbname={connection.settings_dict['NAME']}",
            str(part),
        ]
    )


def _rekey(path: Path, old: bytes, new: bytes) -> None:
    """Re-encrypt one PKCS#8 private key from the backed-up PKI passphrase to the one in force."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=old)
    except (ValueError, TypeError) as exc:
        raise BackupError(
            _("Không mở được khoá %(path)s bằng mật khẩu PKI trong bản sao lưu.") % {"path": path}
        ) from exc
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(new),
    )
    temporary = path.with_name(path.name + ".restoring")
    temporary.write_bytes(data)
    temporary.chmod(0o600)
    os.replace(temporary, path)


def restore_backup(source: Path, *, force: bool = False) -> dict[str, Any]:
    """Restore ``source`` onto this installation; the caller runs the migrations afterwards."""
    manifest, fernet = verify_backup(source)
    bucket = _bucket_storage()
    if manifest["engine"] != engine():
        raise BackupError(
            _("Bản sao lưu là của %(theirs)s nhưng cài đặt này dùng %(ours)s.")
            % {"theirs": manifest["engine"], "ours": engine()}
        )
    if not force and (found := occupied()):
        raise BackupError(
            _(
                "Cài đặt đích đã có dữ liệu (%(found)s); chỉ khôi phục vào cài đặt trống, hoặc dùng --force."
            )
            % {"found": "; ".join(found)}
        )
    secrets = json.loads(_decrypt(fernet, source / "secrets.json.enc"))
    pki_archive = _decrypt(fernet, source / "pki.tar.enc")
    outside_key = (
        _decrypt(fernet, source / "audit-anchor-key.enc")
        if "audit-anchor-key.enc" in manifest["parts"]
        else None
    )

    _restore_database(manifest, source)
    with (source / "media.tar").open("rb") as handle:
        if bucket is None:
            _untar(handle, media_dir())
        else:
            _untar_to_bucket(handle, bucket)
    with (source / "audit-anchors.tar").open("rb") as handle:
        _untar(handle, Path(anchors.anchor_dir()))
    _untar(io.BytesIO(pki_archive), pki_dir())
    pki_dir().chmod(0o700)
    keys = sorted(pki_dir().rglob("*.key"))
    target_key = anchors.key_path()
    if outside_key is not None:
        target_key.parent.mkdir(parents=True, exist_ok=True)
        target_key.write_bytes(outside_key)
        target_key.chmod(0o600)
        keys.append(target_key)
    elif anchor_key_outside_pki() is not None and (pki_dir() / "audit-anchor.key").exists():
        # The source kept the anchor key in the PKI directory; this installation keeps it elsewhere.
        target_key.parent.mkdir(parents=True, exist_ok=True)
        target_key.write_bytes((pki_dir() / "audit-anchor.key").read_bytes())
        target_key.chmod(0o600)
        keys.append(target_key)
    old, new = secrets["pki_passphrase"].encode(), passphrase()
    if old != new:
        for path in dict.fromkeys(path.resolve() for path in keys):
            _rekey(path, old, new)
    return manifest
