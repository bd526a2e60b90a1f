"""Hostile uploads: polyglots, oversized images, script-bearing PDFs, metadata, ClamAV."""

import io
import random
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, StreamObject, TextStringObject

from tinhso import uploads
from tinhso.testing import PDF_BYTES, PNG_BYTES
from tinhso.tests.upload_fakes import EICAR_NAME, FakeClamd
from tinhso.uploads import (
    PdfUnreadable,
    UploadRejected,
    check_upload,
    contains_archive,
    pdf_page_count,
)

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
    data = _pdf().replace(b"startxref", b"%EICAR-STANDARD-ANTIVIRUS-TEST\nstartxref")
    message = _rejected(data)
    assert EICAR_NAME in message


def test_unreachable_scanner_refuses_uploads(settings):
    settings.TINHSO_CLAMAV_SOCKET = "/nonexistent/clamd.sock"
    assert "thử lại sau" in _rejected(_pdf())


# --- page counting with a PDF parser; polyglots hidden from an end-marker check -------------


def _pdf_in_object_streams(pages: int, declared: int | None = None, loop: bool = False) -> bytes:
    """A PDF 1.5 whose catalog, page tree and every page live in one Flate-compressed object
    stream, indexed by a compressed cross-reference stream; the pages share one content stream.
    ``/Type/Page`` never appears in the raw bytes. ``declared`` sets the root ``/Count``;
    ``loop`` makes the root its own first kid."""
    kids = b" ".join(b"%d 0 R" % (number + 4) for number in range(pages))
    kids = b"2 0 R " + kids if loop else kids
    objects = {
        1: b"<</Type/Catalog/Pages 2 0 R>>",
        2: b"<</Type/Pages/Count %d/Kids[%s]>>" % (pages if declared is None else declared, kids),
    }
    page = b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]/Contents 3 0 R>>"
    objects.update({number + 4: page for number in range(pages)})
    header, body = b"", b""
    for number, text in objects.items():
        header += b"%d %d " % (number, len(body))
        body += text + b"\n"
    packed = zlib.compress(header + body)
    stream, xref_number = pages + 4, pages + 5
    out = io.BytesIO()
    out.write(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    content_at = out.tell()
    out.write(b"3 0 obj\n<</Length 15>>\nstream\n0 0 m 9 9 l S\n\nendstream\nendobj\n")
    stream_at = out.tell()
    out.write(
        b"%d 0 obj\n<</Type/ObjStm/N %d/First %d/Filter/FlateDecode/Length %d>>\nstream\n"
        % (stream, len(objects), len(header), len(packed))
        + packed
        + b"\nendstream\nendobj\n"
    )
    xref_at = out.tell()
    rows = {number: (2, stream, index) for index, number in enumerate(objects)}
    rows |= {0: (0, 0, 65535), 3: (1, content_at, 0), stream: (1, stream_at, 0)}
    rows[xref_number] = (1, xref_at, 0)
    xref = zlib.compress(b"".join(struct.pack(">BIH", *rows[n]) for n in range(xref_number + 1)))
    out.write(
        b"%d 0 obj\n<</Type/XRef/Size %d/W[1 4 2]/Root 1 0 R/Filter/FlateDecode/Length %d>>\n"
        % (xref_number, xref_number + 1, len(xref))
        + b"stream\n"
        + xref
        + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at
    )
    return out.getvalue()


def _zip(comment: bytes = b"") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("evil.js", "alert(1)")
        archive.comment = comment
    return out.getvalue()


def _opens_as_zip(data: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("evil.js") == b"alert(1)"


def test_5000_page_pdf_in_compressed_object_streams_is_refused():
    data = _pdf_in_object_streams(5000)
    assert b"/Type/Page" not in data and len(data) < 100_000
    assert len(PdfReader(io.BytesIO(data)).pages) == 5000  # a real, readable PDF
    assert pdf_page_count(data) == 5000
    assert "quá 200 trang" in _rejected(data)


def test_page_tree_is_counted_even_when_the_declared_count_lies(settings):
    settings.TINHSO_UPLOAD_MAX_PDF_PAGES = 5
    data = _pdf_in_object_streams(300, declared=1)
    assert pdf_page_count(data) == 300
    assert pdf_page_count(data, stop_after=5) == 6  # the walk stops past the limit
    assert "quá 5 trang" in _rejected(data)
    assert check_upload(_file(_pdf_in_object_streams(5))).size


def test_page_count_reads_the_temporary_file_django_wrote():
    data = _pdf_in_object_streams(7)
    upload = TemporaryUploadedFile("tep.pdf", "application/pdf", len(data), None)
    upload.write(data)
    upload.flush()
    assert Path(upload.temporary_file_path()).read_bytes() == data
    assert pdf_page_count(upload) == 7
    assert pdf_page_count(upload.temporary_file_path()) == 7
    checked = check_upload(upload)
    assert checked.file.read() == data  # left at the start for whoever stores it
    upload.close()


def test_pdf_with_an_incremental_update_still_passes(settings):
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_blank_page(width=200, height=200)
    first = io.BytesIO()
    writer.write(first)
    updated = PdfWriter(io.BytesIO(first.getvalue()), incremental=True)
    updated.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    updated.write(out)
    data = out.getvalue()
    assert data.startswith(first.getvalue()) and data.count(b"%%EOF") == 2
    assert pdf_page_count(data) == 3
    settings.TINHSO_UPLOAD_MAX_PDF_PAGES = 3
    assert check_upload(_file(data)).size == len(data)
    settings.TINHSO_UPLOAD_MAX_PDF_PAGES = 2
    assert "quá 2 trang" in _rejected(data)


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\nnot a pdf at all\n%%EOF\n",  # no cross-reference, no catalog
        _pdf_in_object_streams(3, loop=True),  # the page tree contains itself
    ],
)
def test_pdf_a_parser_cannot_read_is_refused(data):
    with pytest.raises(PdfUnreadable):
        pdf_page_count(data)
    assert "Không đọc được tệp PDF" in _rejected(data)


def test_object_streams_decoding_past_the_budget_are_refused(monkeypatch):
    data = _pdf_in_object_streams(100)
    stream = PdfReader(io.BytesIO(data)).get_object(104)  # the object stream
    assert len(stream.get_data()) > 2_000 and len(data) < 2_000
    monkeypatch.setattr(uploads, "PDF_MAX_DECODED_BYTES", 2_000)
    with pytest.raises(PdfUnreadable):
        pdf_page_count(data)
    assert "Không đọc được tệp PDF" in _rejected(data)


def test_pdf_with_a_zip_after_it_ending_in_eof_is_a_polyglot():
    data = _pdf() + _zip(comment=b"\n%%EOF\n")  # the ZIP comment ends the file with %%EOF
    assert data.rstrip().endswith(b"%%EOF") and _opens_as_zip(data)
    assert "đa định dạng" in _rejected(data)


def test_pdf_with_a_zip_inside_a_stream_is_a_polyglot():
    writer = PdfWriter()
    page = writer.add_blank_page(width=200, height=200)
    content = StreamObject()
    content.set_data(_zip())
    page[NameObject("/Contents")] = writer._add_object(content)
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    assert len(PdfReader(io.BytesIO(data)).pages) == 1 and _opens_as_zip(data)
    assert "đa định dạng" in _rejected(data)


def test_jpeg_with_a_zip_after_it_ending_in_an_end_marker_is_a_polyglot():
    data = _jpeg() + _zip(comment=b"\xff\xd9")
    assert data.endswith(b"\xff\xd9") and _opens_as_zip(data)
    assert "đa định dạng" in _rejected(data, "anh.jpg")
    assert "đa định dạng" in _rejected(_jpeg() + b"<?php system($_GET[1]); ?>\xff\xd9", "anh.jpg")


def test_jpeg_with_a_zip_inside_a_segment_is_a_polyglot():
    archive = _zip()
    plain = _jpeg()
    data = plain[:2] + b"\xff\xe0" + struct.pack(">H", len(archive) + 2) + archive + plain[2:]
    assert _opens_as_zip(data)
    with Image.open(io.BytesIO(data)) as image:
        image.load()  # still an image
    assert "đa định dạng" in _rejected(data, "anh.jpg")


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload))
    )


def test_png_with_a_zip_in_its_image_data_is_a_polyglot():
    archive = _zip()
    data = VALID_PNG[:-12] + _png_chunk(b"IDAT", archive) + VALID_PNG[-12:]
    assert _opens_as_zip(data)
    assert "đa định dạng" in _rejected(data, "anh.png")
    assert "đa định dạng" in _rejected(VALID_PNG + archive, "anh.png")


def test_genuine_images_and_their_padding_pass():
    progressive = _jpeg(300, 200, progressive=True, quality=70)
    for data, name in (
        (_jpeg(), "anh.jpg"),
        (progressive, "anh.jpg"),
        (_jpeg(300, 200, restart_marker_blocks=4), "anh.jpg"),
        (_jpeg() + b"\x00" * 64, "anh.jpg"),
        (VALID_PNG + b"\r\n", "anh.png"),
    ):
        assert check_upload(_file(data, name)).file.read() == data
    # a phone photo with metadata and a second image after the first (Ultra HDR gain map):
    # re-encoded, which keeps the first image only
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    photo = _jpeg(exif=exif.tobytes()) + _jpeg(16, 12)
    cleaned = check_upload(_file(photo, "anh.jpg")).file.read()
    assert cleaned.count(b"\xff\xd8") == 1 and b"Camera maker" not in cleaned


def test_random_bytes_with_a_stray_zip_signature_are_not_an_archive():
    noise = bytearray(random.Random(13).randbytes(2_000_000))
    noise[1000:1004] = b"PK\x03\x04"
    noise[5000:5004] = b"PK\x05\x06"
    assert not contains_archive(bytes(noise))
    assert contains_archive(bytes(noise) + _zip())
