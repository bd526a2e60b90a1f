"""Hostile uploads: polyglots, oversized images, script-bearing PDFs, metadata, ClamAV."""

import io
import os
import socket
import struct
import tempfile
import threading
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from tinhso.testing import PDF_BYTES, PNG_BYTES
from tinhso.uploads import UploadRejected, check_upload

EICAR_NAME = "Eicar-Test-Signature"
VALID_PNG = (  # 1×1 transparent pixel, as Pillow writes it
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc````\x00\x00\x00\x05\x00\x01\xa5\xf6E@\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def _file(data: bytes, name: str = "tep.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def _pdf(**build) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    for _ in range(build.get("pages", 1) - 1):
        writer.add_blank_page(width=200, height=200)
    if "javascript" in build:
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject(build["javascript"]),
            }
        )
    if "attachment" in build:
        writer.add_attachment("payload.exe", build["attachment"])
    if build.get("password"):
        writer.encrypt(build["password"])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _jpeg(width: int = 64, height: int = 48, **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "JPEG", **save)
    return out.getvalue()


def _rejected(data: bytes, name: str = "tep.pdf") -> str:
    with pytest.raises(UploadRejected) as caught:
        check_upload(_file(data, name))
    return caught.value.message


def test_plain_pdf_and_png_pass_unchanged():
    for data in (PDF_BYTES, _pdf(pages=3), VALID_PNG):
        checked = check_upload(_file(data))
        assert checked.file.read() == data and checked.size == len(data)


def test_pdf_with_javascript_is_refused():
    assert "nội dung chủ động" in _rejected(_pdf(javascript="app.alert('x');"))


def test_pdf_with_open_action_hidden_by_name_escapes_is_refused():
    data = PDF_BYTES.replace(
        b"/Type/Catalog", b"/Type/Catalog/Op#65nAction<</S/J#61vaScript/JS(x)>>"
    )
    assert "nội dung chủ động" in _rejected(data)


def test_pdf_with_embedded_file_is_refused():
    assert "nội dung chủ động" in _rejected(_pdf(attachment=b"MZ\x90\x00"))


def _pdf_with_object_stream(catalog_extra: bytes, hidden: bytes) -> bytes:
    """A PDF whose catalog and object 5 live in a Flate-compressed object stream (PDF 1.5),
    with a cross-reference stream: what pypdf cannot write, built by hand."""
    objects = [b"<</Type/Catalog/Pages 2 0 R" + catalog_extra + b">>", hidden]
    offsets_in_stream, body = [], b""
    for obj in objects:
        offsets_in_stream.append(len(body))
        body += obj + b" "
    header = f"1 {offsets_in_stream[0]} 5 {offsets_in_stream[1]} ".encode()
    packed = zlib.compress(header + body)
    out = io.BytesIO()
    out.write(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    plain = {
        2: b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        3: b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>",
    }
    for number, text in plain.items():
        offsets[number] = out.tell()
        out.write(f"{number} 0 obj\n".encode() + text + b"\nendobj\n")
    offsets[4] = out.tell()
    out.write(
        f"4 0 obj\n<</Type/ObjStm/N 2/First {len(header)}/Filter/FlateDecode/Length {len(packed)}>>\nstream\n".encode()
        + packed
        + b"\nendstream\nendobj\n"
    )
    offsets[6] = out.tell()
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    rows.append(struct.pack(">BIH", 2, 4, 0))
    rows += [struct.pack(">BIH", 1, offsets[n], 0) for n in (2, 3, 4)]
    rows.append(struct.pack(">BIH", 2, 4, 1))
    rows.append(struct.pack(">BIH", 1, offsets[6], 0))
    xref = b"".join(rows)
    out.write(
        f"6 0 obj\n<</Type/XRef/Size 7/W[1 4 2]/Root 1 0 R/Length {len(xref)}>>\nstream\n".encode()
        + xref
        + f"\nendstream\nendobj\nstartxref\n{offsets[6]}\n%%EOF\n".encode()
    )
    return out.getvalue()


def test_pdf_with_javascript_inside_a_compressed_object_stream_is_refused():
    data = _pdf_with_object_stream(b"/OpenAction 5 0 R", b"<</S/JavaScript/JS(app.alert(1))>>")
    assert b"JavaScript" not in data and b"OpenAction" not in data
    assert len(PdfReader(io.BytesIO(data)).pages) == 1  # a real, readable PDF
    assert "nội dung chủ động" in _rejected(data)


def test_pdf_with_a_clean_object_stream_passes():
    data = _pdf_with_object_stream(b"", b"<</Producer(test)>>")
    assert check_upload(_file(data)).size == len(data)


def test_broken_image_is_refused():
    # A PNG whose chunk lengths do not add up (the IDAT declares 13 bytes and holds 14).
    assert "Không đọc được" in _rejected(
        PNG_BYTES[:33] + b"\x00\x00\x00\x0dIDAT" + b"x" * 14 + PNG_BYTES[-12:], "anh.png"
    )


def test_encrypted_pdf_is_refused():
    assert "mã hóa" in _rejected(_pdf(password="secret"))


def test_pdf_over_the_page_limit_is_refused(settings):
    settings.TINHSO_UPLOAD_MAX_PDF_PAGES = 5
    assert check_upload(_file(_pdf(pages=5)))
    assert "quá 5 trang" in _rejected(_pdf(pages=6))


def test_pdf_with_a_zip_appended_is_a_polyglot():
    zipped = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("evil.js", "alert(1)")
    assert "đa định dạng" in _rejected(_pdf() + zipped.getvalue())


def test_pdf_that_is_also_html_is_a_polyglot():
    data = PDF_BYTES.replace(b"%PDF-1.4\n", b"%PDF-1.4\n%<html><script>alert(1)</script>\n")
    assert "đa định dạng" in _rejected(data)


def test_image_with_data_after_its_end_is_a_polyglot():
    assert "đa định dạng" in _rejected(_jpeg() + b"PK\x03\x04 zip payload", "anh.jpg")
    assert "đa định dạng" in _rejected(VALID_PNG + b"<?php system($_GET[1]); ?>", "anh.png")


def test_oversized_image_is_refused_before_decoding(settings):
    settings.TINHSO_UPLOAD_MAX_IMAGE_PIXELS = 1_000_000
    assert check_upload(_file(_jpeg(1000, 1000), "anh.jpg"))
    assert "quá lớn" in _rejected(_jpeg(1001, 1000), "anh.jpg")


def test_decompression_bomb_png_is_refused(settings):
    settings.TINHSO_UPLOAD_MAX_IMAGE_PIXELS = 50_000_000
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG")  # 400 Mpx, a few dozen kB on disk
    assert len(out.getvalue()) < 200_000
    assert "quá lớn" in _rejected(out.getvalue(), "bomb.png")


def test_image_metadata_is_stripped_by_re_encoding():
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"  # Make
    exif[0x8825] = {2: (10.0, 14.0, 0.0)}  # GPSInfo: latitude
    data = _jpeg(exif=exif.tobytes())
    assert b"Camera maker" in data
    checked = check_upload(_file(data, "anh.jpg"))
    cleaned = checked.file.read()
    assert b"Camera maker" not in cleaned
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.size == (64, 48) and not image.getexif()
    assert checked.size == len(cleaned)


class FakeClamd:
    """A tiny clamd speaking INSTREAM on a Unix socket: answers FOUND for the EICAR string."""

    def __init__(self) -> None:
        self.path = os.path.join(tempfile.mkdtemp(), "clamd.sock")
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        self.server.listen()
        self.received: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _read(self, conn: socket.socket, size: int) -> bytes:
        data = b""
        while len(data) < size:
            part = conn.recv(size - len(data))
            if not part:
                raise ConnectionError
            data += part
        return data

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                assert self._read(conn, 10) == b"zINSTREAM\0"
                body = b""
                while True:
                    (length,) = struct.unpack(">I", self._read(conn, 4))
                    if length == 0:
                        break
                    body += self._read(conn, length)
                self.received.append(body)
                verdict = f"stream: {EICAR_NAME} FOUND" if b"EICAR" in body else "stream: OK"
                conn.sendall(verdict.encode() + b"\0")

    def close(self) -> None:
        self.server.close()
        Path(self.path).unlink(missing_ok=True)


@pytest.fixture
def clamd(settings):
    server = FakeClamd()
    settings.TINHSO_CLAMAV_SOCKET = server.path
    yield server
    server.close()


def test_clean_file_is_streamed_to_clamav_and_accepted(clamd):
    data = _pdf()
    assert check_upload(_file(data)).sha256
    assert clamd.received == [data]


def test_infected_file_is_refused_with_the_signature_name(clamd):
    data = _pdf().replace(b"%%EOF", b"%EICAR-STANDARD-ANTIVIRUS-TEST\n%%EOF")
    message = _rejected(data)
    assert EICAR_NAME in message


def test_unreachable_scanner_refuses_uploads(settings):
    settings.TINHSO_CLAMAV_SOCKET = "/nonexistent/clamd.sock"
    assert "thử lại sau" in _rejected(_pdf())
