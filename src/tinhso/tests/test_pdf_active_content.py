"""Active content in uploaded PDFs: names are searched in the raw bytes outside stream bodies
(image and font data hold ``/JS`` or ``/AA`` by chance about once every 11 MB) and in every
object pypdf reads through the cross-reference tables (what a forged stream start hides from
the raw search)."""

import io
import random
import re

import pytest
from django.core.files.uploadedfile import TemporaryUploadedFile
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject

from tinhso import uploads
from tinhso.tests.upload_fakes import record_reads
from tinhso.uploads import SCAN_BLOCK, UploadRejected, check_upload

ACTIVE = "nội dung chủ động"
UNREADABLE = "Không đọc được tệp PDF"
NAMES_IN_DATA = b"/JS /AA /OpenAction /JavaScript /Launch "


def handmade(parts: list[tuple[int, bytes] | bytes]) -> bytes:
    """A PDF written by hand: ``(number, text)`` objects in the order given, raw bytes
    (comments) between them, and a classic cross-reference table for objects 1 … n."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for part in parts:
        if isinstance(part, bytes):
            out += part
            continue
        number, text = part
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, text)
    size = max(offsets) + 1
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    out += b"".join(b"%010d 00000 n \n" % offsets[number] for number in range(1, size))
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (size, xref_at)
    return bytes(out)


def stream(data: bytes, entries: bytes = b"") -> bytes:
    return b"<<%s/Length %d>>\nstream\n%s\nendstream" % (entries, len(data), data)


CATALOG = (1, b"<</Type/Catalog/Pages 2 0 R>>")
PAGES = (2, b"<</Type/Pages/Kids[3 0 R]/Count 1>>")
PAGE = (3, b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]/Contents 4 0 R>>")


def one_page(content: bytes, after: bytes = b"") -> bytes:
    """A one-page PDF whose content stream (object 4) holds ``content``; ``after`` is written
    between that stream and the next object."""
    return handmade([CATALOG, PAGES, PAGE, (4, stream(content)), after])


@pytest.fixture(autouse=True)
def large_uploads(settings):
    settings.TINHSO_UPLOAD_MAX_BYTES = 100 * 1024 * 1024  # scans of 10 and 80 MB


def on_disk(data: bytes) -> TemporaryUploadedFile:
    upload = TemporaryUploadedFile("scan.pdf", "application/pdf", len(data), None)
    upload.write(data)
    upload.seek(0)
    return upload


def refusal(data: bytes) -> str:
    with pytest.raises(UploadRejected) as caught:
        check_upload(on_disk(data))
    return caught.value.message


def raw_names(data: bytes, block: int = SCAN_BLOCK) -> set[str]:
    """What the raw search finds, fed ``block`` bytes at a time as ``check_upload`` does."""
    scan = uploads._PdfNameScan()
    for start in range(0, len(data), block):
        scan.feed(data[start : start + block])
    scan.feed(b"", final=True)
    return scan.names


# --- names in stream data are data -------------------------------------------------------------


def test_active_names_in_an_uncompressed_content_stream_do_not_refuse_the_pdf():
    data = one_page(b"0 0 m 9 9 l S\n% " + NAMES_IN_DATA + b"\n(" + NAMES_IN_DATA + b") Tj\n")
    assert data.count(b"/OpenAction ") == 2
    assert check_upload(on_disk(data)).size == len(data)
    # the same written by pypdf, uncompressed
    writer = PdfWriter()
    page = writer.add_blank_page(width=200, height=200)
    content = DecodedStreamObject()
    content.set_data(b"BT (" + NAMES_IN_DATA + b") Tj ET\n")
    page[NameObject("/Contents")] = writer._add_object(content)
    out = io.BytesIO()
    writer.write(out)
    assert NAMES_IN_DATA in out.getvalue()
    assert check_upload(on_disk(out.getvalue())).size == len(out.getvalue())


def random_scan_pdf(seed: int, size: int = 10 * 1024 * 1024, inject_at: int | None = None) -> bytes:
    """A one-page PDF showing a ``size``-byte greyscale image of random pixels, as a scanner's
    compressed output looks to a byte search; ``/JS `` is written into the pixels at
    ``inject_at``."""
    pixels = bytearray(random.Random(seed).randbytes(size))
    if inject_at is not None:
        pixels[inject_at : inject_at + 4] = b"/JS "
    width = 4096
    image = stream(
        bytes(pixels),
        b"/Type/XObject/Subtype/Image/Width %d/Height %d/ColorSpace/DeviceGray"
        b"/BitsPerComponent 8" % (width, size // width),
    )
    drawing = b"q 200 0 0 200 0 0 cm /Im0 Do Q"
    return handmade(
        [
            CATALOG,
            PAGES,
            (
                3,
                b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]/Contents 4 0 R"
                b"/Resources<</XObject<</Im0 5 0 R>>>>>>",
            ),
            (4, stream(drawing)),
            (5, image),
        ]
    )


def test_a_10_mb_scan_whose_pixels_hold_js_is_accepted_from_disk_and_read_in_blocks():
    data = random_scan_pdf(seed=14, inject_at=7_654_321)
    assert "JS" in uploads._pdf_names(data)  # what searching the whole file found
    assert len(PdfReader(io.BytesIO(data)).pages) == 1
    upload = on_disk(data)
    reads = record_reads(upload)
    checked = check_upload(upload)
    assert checked.size == len(data)
    # the 10 MB image is skipped by the structural walk, never read whole
    assert reads and all(0 < size <= SCAN_BLOCK for size in reads), sorted(set(reads))


def test_random_scans_were_refused_by_chance_and_now_pass():
    """The bug as measured: PDFs with 10 MB of random stream data, no names injected."""
    seeds = range(5)
    scans = [random_scan_pdf(seed) for seed in seeds]
    by_chance = [
        seed
        for seed, data in zip(seeds, scans, strict=True)
        if uploads._pdf_names(data) & uploads._PDF_ACTIVE
    ]
    assert by_chance  # the whole-file search would have refused these
    for data in scans:
        assert check_upload(on_disk(data)).size == len(data)


def test_a_stream_longer_than_pypdfs_declared_length_limit_is_walked_without_reading_it():
    data = random_scan_pdf(seed=3, size=80 * 1024 * 1024)
    assert check_upload(on_disk(data)).size == len(data)


# --- real keys are refused, however they are hidden --------------------------------------------

ACTION = (5, b"<</S/JavaScript/JS(app.alert(1))>>")
FORGED_STREAM_START = b"/Lang(>>stream\n)"


@pytest.mark.parametrize(
    ("catalog", "page"),
    [
        (b"/OpenAction 5 0 R", b""),
        (b"/Op#65nAction 5 0 R", b""),
        (b"", b"/AA<</O 5 0 R>>"),
        (b"", b"/#41A<</O 5 0 R>>"),
    ],
)
def test_a_real_action_key_is_refused(catalog, page):
    data = handmade(
        [
            (1, b"<</Type/Catalog/Pages 2 0 R" + catalog + b">>"),
            PAGES,
            (3, b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]/Contents 4 0 R" + page + b">>"),
            (4, stream(b"0 0 m 9 9 l S")),
            ACTION,
        ]
    )
    assert raw_names(data) & {"OpenAction", "AA"}  # found by the raw search
    assert ACTIVE in refusal(data)


@pytest.mark.parametrize(
    ("catalog", "page"),
    [
        (FORGED_STREAM_START + b"/OpenAction 5 0 R", b""),
        (FORGED_STREAM_START + b"/Op#65nAction 5 0 R", b""),
        (b"", FORGED_STREAM_START + b"/AA<</O 5 0 R>>"),
        (b"", FORGED_STREAM_START + b"/#41A<</O 5 0 R>>"),
    ],
)
def test_a_key_hidden_behind_a_forged_stream_start_in_a_string_is_refused(catalog, page):
    # the string literal "(>>stream\n)" makes a raw search take what follows, up to the
    # content stream's "endstream", for stream data; the structural walk reads the keys
    data = handmade(
        [
            (1, b"<</Type/Catalog/Pages 2 0 R" + catalog + b">>"),
            (3, b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]/Contents 4 0 R" + page + b">>"),
            ACTION,
            PAGES,
            (4, stream(b"0 0 m 9 9 l S")),
        ]
    )
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    assert "/OpenAction" in reader.trailer["/Root"] or "/AA" in reader.pages[0]
    assert not raw_names(data) & uploads._PDF_ACTIVE  # the raw search is fooled
    assert ACTIVE in refusal(data)


# A JavaScript action inside a compressed object stream: see test_security_uploads.py,
# test_pdf_with_javascript_inside_a_compressed_object_stream_is_refused.


# --- bounds ------------------------------------------------------------------------------------


def pointing_wrongly(data: bytes, number: int, offset: int) -> bytes:
    """``data`` with the cross-reference table pointing object ``number`` at ``offset``."""
    entry = data.index(b"xref\n") + len(b"xref\n0 5\n") + 20 * number
    assert data[entry + 10 : entry + 20] == b" 00000 n \n"
    return data[:entry] + b"%010d" % offset + data[entry + 10 :]


@pytest.mark.parametrize("points_at", ["nothing", "another object"])
def test_an_object_the_table_points_wrongly_at_is_walked_where_pypdf_finds_it(points_at):
    # pypdf finds such an object by searching the file for its header, as viewers repair
    # such a file: the walk reads it there too
    catalog = b"<</Type/Catalog/Pages 2 0 R" + FORGED_STREAM_START + b"/OpenAction[3 0 R/Fit]>>"
    data = handmade([(1, catalog), PAGES, PAGE, (4, stream(b"S"))])
    offset = 0 if points_at == "nothing" else data.index(b"2 0 obj")
    data = pointing_wrongly(data, 1, offset)
    reader = PdfReader(io.BytesIO(data))
    assert reader.xref[0].get(1, 0) == offset and "/OpenAction" in reader.trailer["/Root"]
    assert not raw_names(data) & uploads._PDF_ACTIVE
    assert ACTIVE in refusal(data)
    clean = one_page(b"0 0 m 9 9 l S")
    offset = 0 if points_at == "nothing" else clean.index(b"2 0 obj")
    clean = pointing_wrongly(clean, 1, offset)
    assert check_upload(on_disk(clean)).size == len(clean)


def test_a_structure_not_walked_in_time_is_refused(monkeypatch):
    monkeypatch.setattr(uploads, "PDF_PARSE_SECONDS", 0.0)
    assert UNREADABLE in refusal(one_page(b"0 0 m 9 9 l S"))


def test_objects_nested_past_the_depth_limit_are_refused(monkeypatch):
    monkeypatch.setattr(uploads, "_PDF_MAX_DEPTH", 5)
    nested = b"[" * 6 + b"1" + b"]" * 6
    data = handmade([CATALOG, PAGES, PAGE, (4, stream(b"0 0 m 9 9 l S", b"/Deep" + nested))])
    assert UNREADABLE in refusal(data)
    shallow = handmade([CATALOG, PAGES, PAGE, (4, stream(b"0 0 m 9 9 l S", b"/Deep[[1]]"))])
    assert check_upload(on_disk(shallow)).size == len(shallow)


# --- the raw search across blocks --------------------------------------------------------------


def placed(marker: bytes, at: int) -> bytes:
    """A PDF with a 2 MiB content stream, then ``marker`` in a comment outside any stream,
    starting at byte ``at``."""
    filler = at - 200
    for _attempt in range(3):  # the stream's /Length has as many digits as it has: settle it
        data = one_page(b"0" * filler, after=b"% " + marker + b"\n")
        found = data.index(b"% " + marker) + 2
        if found == at:
            return data
        filler += at - found
    raise AssertionError("marker not placed")


@pytest.mark.parametrize("offset", [-30, -12, -11, -4, -1, 0, 1])
def test_a_name_outside_streams_straddling_two_blocks_is_found(offset):
    data = placed(b"/JavaScript", 2 * SCAN_BLOCK + offset)
    assert data.index(b"/JavaScript") == 2 * SCAN_BLOCK + offset
    assert ACTIVE in refusal(data)


def test_a_name_cut_by_a_block_end_is_not_read_as_a_shorter_one():
    # "/JSONData" cut after "/JS" would read as the JavaScript key
    data = placed(b"/JSONData", 2 * SCAN_BLOCK - 3)
    assert check_upload(on_disk(data)).size == len(data)


SAMPLE = handmade(
    [
        (1, b"<</Type/Catalog/Pages 2 0 R/Names<</X 7 0 R>>>>"),
        PAGES,
        b"% /Comment\n",
        PAGE,
        (4, stream(b"/JS /AA endstrea /OpenAction")),
        (5, b"<</Length 9>>   \r\nstream\r\n/Launch!\r\nendstream"),
        (6, b"<</Kind/Plain>>" + b" " * 40 + b"stream\n/XFA endstream"),  # too far from ">>"
        (7, b"[/Embedded/Files] % stream\n/RichMedia"),
    ]
)


@pytest.mark.parametrize("block", [1, 2, 3, 5, 8, 9, 10, 41, 64, 100, 4096])
def test_the_raw_search_finds_the_same_names_whatever_the_block_size(block):
    bodies = re.compile(rb">>[\x00\t\n\x0c\r ]{0,32}stream\r?\n.*?endstream", re.DOTALL)
    expected = uploads._pdf_names(bodies.sub(b">> ", SAMPLE))
    assert {"Comment", "Kind", "Plain", "XFA", "Embedded", "Files", "RichMedia"} <= expected
    assert not {"JS", "AA", "OpenAction", "Launch"} & expected
    assert raw_names(SAMPLE, block) == expected
