"""Uploads that stream: files go to a temporary file through the settings' upload handler,
capped and hashed as their bytes arrive, and are checked, scanned and stored from the file in
blocks, never held whole in memory (issue 14)."""

import hashlib
import io
import os
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from pypdf import PdfWriter
from pypdf.generic import NameObject, StreamObject

from tinhso import uploads
from tinhso.accounts.testing import token_request
from tinhso.dossiers.models import Attachment
from tinhso.testing import FORM_DATA, make_cast
from tinhso.tests.upload_fakes import FakeClamd, record_reads
from tinhso.upload_handlers import (
    CappedUploadHandler,
    HashedInMemoryUploadedFile,
    HashedTemporaryUploadedFile,
    OversizedUpload,
)
from tinhso.uploads import SCAN_BLOCK, UploadRejected, check_upload


def big_pdf(size: int, marker: bytes = b"", at: int | None = None) -> bytes:
    """A valid one-page PDF of about ``size`` bytes whose content stream is plain drawing
    operators; ``marker`` is put in the stream so that it starts at byte ``at`` of the file."""
    drawing = b"0 0 m 10 10 l S\n"
    before = max(0, size - 600)
    data = b""
    for _attempt in range(3):  # the stream's /Length has as many digits as it has: settle it
        content = drawing * (before // len(drawing)) + b"\n" * (before % len(drawing))
        if marker:
            content += b"\n" + marker + b"\n" + drawing
        writer = PdfWriter()
        page = writer.add_blank_page(width=200, height=200)
        stream = StreamObject()
        stream.set_data(content)
        page[NameObject("/Contents")] = writer._add_object(stream)
        out = io.BytesIO()
        writer.write(out)
        data = out.getvalue()
        if not marker or at is None:
            return data
        found = data.index(b"\n" + marker) + 1
        if found == at:
            return data
        before += at - found
    raise AssertionError("marker not placed")


def on_disk(data: bytes, name: str = "tep.pdf") -> TemporaryUploadedFile:
    upload = TemporaryUploadedFile(name, "application/octet-stream", len(data), None)
    upload.write(data)
    upload.seek(0)
    return upload


def temp_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- the upload handler ------------------------------------------------------------------------


@pytest.fixture
def upload_dir(settings, tmp_path):
    folder = tmp_path / "uploads"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    return folder


def test_handler_drops_the_file_on_disk_as_soon_as_it_passes_the_cap(settings, upload_dir):
    settings.TINHSO_UPLOAD_MAX_BYTES = 100 * 1024
    handler = CappedUploadHandler()
    handler.handle_raw_input(None, {}, 10 * 1024 * 1024, b"x")  # not seekable, as WSGI
    handler.new_file("file", "lon.pdf", "application/pdf", None)
    chunk = b"%" * (64 * 1024)
    handler.receive_data_chunk(chunk, 0)
    assert len(temp_files(upload_dir)) == 1  # the first 64 KiB are on disk
    handler.receive_data_chunk(chunk, len(chunk))  # 128 KiB: past the cap
    assert temp_files(upload_dir) == []
    for n in range(2, 20):  # the rest of the file is read and thrown away
        handler.receive_data_chunk(chunk, n * len(chunk))
    refused = handler.file_complete(20 * len(chunk))
    assert isinstance(refused, OversizedUpload) and refused.size == 20 * len(chunk)
    assert refused.read() == b"" and temp_files(upload_dir) == []
    with pytest.raises(UploadRejected) as caught:
        check_upload(refused)
    assert "vượt quá dung lượng" in caught.value.message


def test_handler_removes_the_temporary_file_of_an_interrupted_upload(upload_dir):
    handler = CappedUploadHandler()
    handler.handle_raw_input(None, {}, 10 * 1024 * 1024, b"x")  # not seekable, as WSGI
    handler.new_file("file", "lon.pdf", "application/pdf", None)
    handler.receive_data_chunk(b"%PDF-1.4\n" * 1000, 0)
    assert len(temp_files(upload_dir)) == 1
    handler.upload_interrupted()  # the client went away mid-file
    assert temp_files(upload_dir) == []


# --- through the API ---------------------------------------------------------------------------


@pytest.fixture
def citizen(client, db):
    make_cast()
    response = client.post(
        "/api/v1/auth/token", token_request("citizen1"), content_type="application/json"
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {response.json()['token']}"}
    body = {"procedure": "2.000001", "data": FORM_DATA}
    created = client.post("/api/v1/dossiers", body, content_type="application/json", **auth)
    assert created.status_code == 201, created.content
    return auth, created.json()["code"]


def attach(client, citizen, data: bytes, name: str = "to-khai.pdf"):
    auth, code = citizen
    return client.post(
        f"/api/v1/dossiers/{code}/attachments",
        {"document": "TK", "file": SimpleUploadedFile(name, data)},
        **auth,
    )


def media_files(settings) -> list[str]:
    return [name for _root, _dirs, names in os.walk(settings.MEDIA_ROOT) for name in names]


def test_file_over_the_cap_is_refused_in_json_and_leaves_no_temporary_or_stored_file(
    client, citizen, settings, upload_dir
):
    settings.TINHSO_UPLOAD_MAX_BYTES = 512 * 1024
    response = attach(client, citizen, big_pdf(600 * 1024))
    assert response.status_code == 400
    assert response.json()["field"] == "file"
    assert "vượt quá dung lượng cho phép (0.5 MB)" in response.json()["detail"]
    assert temp_files(upload_dir) == []
    assert Attachment.objects.count() == 0 and media_files(settings) == []


def test_a_form_shows_the_cap_beside_its_field_and_keeps_nothing(client, db, settings, upload_dir):
    from django.urls import reverse

    from tinhso.stores.models import StoredDocument

    settings.TINHSO_UPLOAD_MAX_BYTES = 512 * 1024
    client.force_login(make_cast().citizen)
    response = client.post(
        reverse("stores:upload"),
        {"title": "Căn cước", "file": SimpleUploadedFile("lon.pdf", big_pdf(600 * 1024))},
    )
    assert response.status_code == 400
    assert "vượt quá dung lượng cho phép" in response.content.decode()
    assert temp_files(upload_dir) == []
    assert not StoredDocument.objects.exists() and media_files(settings) == []


def test_large_upload_is_handled_from_disk_and_stored_whole(
    client, citizen, settings, upload_dir, monkeypatch
):
    seen = []

    def spy(upload, *args):
        seen.append((type(upload), upload.temporary_file_path(), upload.sha256))
        return check_upload(upload, *args)

    monkeypatch.setattr("tinhso.dossiers.api.check_upload", spy)
    data = big_pdf(3 * 1024 * 1024)
    response = attach(client, citizen, data)
    assert response.status_code == 201, response.content
    kind, path, streamed = seen[0]
    assert kind is HashedTemporaryUploadedFile and Path(path).parent == upload_dir
    digest = hashlib.sha256(data).hexdigest()
    assert streamed == digest and response.json()["sha256"] == digest
    attachment = Attachment.objects.get()
    assert attachment.size == len(data) and attachment.sha256 == digest
    with attachment.file.open("rb") as stored:
        assert stored.read() == data
    assert temp_files(upload_dir) == []  # moved into storage or removed with the request


def test_small_request_stays_in_memory_with_its_hash(client, citizen, monkeypatch):
    seen = []

    def spy(upload, *args):
        seen.append(upload)
        return check_upload(upload, *args)

    monkeypatch.setattr("tinhso.dossiers.api.check_upload", spy)
    data = big_pdf(20 * 1024)
    assert attach(client, citizen, data).status_code == 201
    assert isinstance(seen[0], HashedInMemoryUploadedFile)
    assert seen[0].sha256 == hashlib.sha256(data).hexdigest()


# --- check_upload reads the file in blocks -------------------------------------------------------


class CountingSha256:
    """Stands for ``hashlib`` in ``tinhso.uploads``: counts the SHA-256 objects made there."""

    def __init__(self) -> None:
        self.made = 0

    def sha256(self, *args: bytes) -> "hashlib._Hash":
        self.made += 1
        return hashlib.sha256(*args)


def test_sha256_is_not_computed_again_when_the_handler_computed_it(monkeypatch):
    data = big_pdf(2 * SCAN_BLOCK)
    upload = on_disk(data)
    upload.__class__ = HashedTemporaryUploadedFile
    upload.sha256 = hashlib.sha256(data).hexdigest()
    counting = CountingSha256()
    monkeypatch.setattr(uploads, "hashlib", counting)
    assert check_upload(upload).sha256 == hashlib.sha256(data).hexdigest()
    assert counting.made == 0
    # a file from elsewhere (a test, a management command) is hashed while it is scanned
    assert check_upload(on_disk(data)).sha256 == hashlib.sha256(data).hexdigest()
    assert counting.made == 1


def test_the_file_is_read_in_bounded_blocks_never_whole():
    data = big_pdf(6 * SCAN_BLOCK)
    upload = on_disk(data)
    reads = record_reads(upload)
    checked = check_upload(upload)
    assert reads and all(0 < size <= SCAN_BLOCK for size in reads), sorted(set(reads))
    assert checked.size == len(data) and checked.file.read() == data


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("evil.js", "alert(1)")
    return out.getvalue()


@pytest.mark.parametrize("offset", [-30, -20, -8, -4, -1, 0])
def test_what_straddles_two_blocks_is_still_found(offset):
    at = SCAN_BLOCK + offset
    hidden_zip = big_pdf(2 * SCAN_BLOCK, marker=_zip(), at=at)
    assert hidden_zip.index(b"PK\x03\x04") == at
    with pytest.raises(UploadRejected, match="đa định dạng"):
        check_upload(on_disk(hidden_zip))
    # names are searched outside stream bodies only: a name straddling two blocks, and one
    # cut by a block's end, are in test_pdf_active_content.py


def test_pdf_end_marker_is_found_behind_padding_longer_than_a_block():
    data = big_pdf(SCAN_BLOCK // 2)
    padded = data + b"\x00" * SCAN_BLOCK + b" " * 10 + b"\n"
    assert check_upload(on_disk(padded)).size == len(padded)
    with pytest.raises(UploadRejected, match="đa định dạng"):
        check_upload(on_disk(data + b"\n" * SCAN_BLOCK + b"<?php ?>"))


def test_large_jpeg_from_disk_with_junk_after_its_end_is_a_polyglot():
    from PIL import Image

    out = io.BytesIO()
    Image.effect_noise((1200, 1200), 80).convert("RGB").save(out, "JPEG", quality=95)
    photo = out.getvalue()
    assert len(photo) > SCAN_BLOCK  # walked across several blocks
    checked = check_upload(on_disk(photo, "anh.jpg"))
    assert checked.file.read() == photo and checked.size == len(photo)
    with pytest.raises(UploadRejected, match="đa định dạng"):
        check_upload(on_disk(photo + b"<script>", "anh.jpg"))


# --- ClamAV ------------------------------------------------------------------------------------


def test_clamav_is_fed_the_upload_in_chunks_from_the_temporary_file(
    client, citizen, settings, upload_dir
):
    clamd = FakeClamd()
    settings.TINHSO_CLAMAV_SOCKET = clamd.path
    try:
        data = big_pdf(1024 * 1024)
        assert attach(client, citizen, data).status_code == 201
    finally:
        clamd.close()
    assert len(clamd.chunks) == -(-len(data) // uploads.CLAMD_CHUNK)
    assert all(len(chunk) <= uploads.CLAMD_CHUNK for chunk in clamd.chunks)
    assert b"".join(clamd.chunks) == data
