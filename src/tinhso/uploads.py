"""Validation of uploaded files: type detected from content, size capped in code, parsed in a
bounded way, active content refused, optionally scanned by ClamAV.

``FILE_UPLOAD_MAX_MEMORY_SIZE`` is not a cap, so the limit is enforced in code: while the bytes
arrive (``tinhso.upload_handlers``, which also computes the SHA-256 on the way and writes the file
to a temporary file), and here again while reading. A file is never held whole in memory: it is
read in overlapping blocks (``SCAN_BLOCK``), parsed by pypdf or Pillow where it lies, and streamed
to ClamAV; only an image that has to be re-encoded is held, as pixels.

* **Type** from the first bytes (magic numbers), never from the name or the declared type.
* **Polyglots** (a file that is also HTML, a ZIP, a script …) are refused: markup in the first
  kilobyte; a ZIP, RAR or 7z archive anywhere in the bytes (a ZIP reader finds its directory
  from the end of the file, so an archive hidden inside a PDF stream or an image segment opens
  too); bytes after a PDF's last ``%%EOF``, after the first end-of-image marker of a JPEG kept
  as it is, or after a PNG's ``IEND`` (whitespace and NUL padding allowed).
* **PDF**: read with pypdf from the uploaded file itself; a file pypdf cannot read is refused.
  Encrypted files, more than ``TINHSO_UPLOAD_MAX_PDF_PAGES`` pages (counted in the page tree,
  so pages in compressed object streams count — see ``pdf_page_count``), and any active
  content (JavaScript, launch or import actions, open or additional actions, embedded files,
  rich media, XFA forms) are refused. Their names are searched twice. (1) In the raw bytes
  outside stream bodies (``#xx`` escapes decoded; a body runs from the ``stream`` keyword
  after a dictionary's ``>>`` to the next ``endstream``), in the same pass over the blocks:
  image, font and compressed data would otherwise hold ``/JS`` or ``/AA`` by chance about
  once every 11 MB. (2) In every indirect object the cross-reference tables list (those in
  compressed object streams included, and those pypdf finds by searching the file when a
  table lacks them or points wrongly) and the trailer, read with pypdf: keys and name values
  of dictionaries, nested dictionaries and arrays, stream data skipped — what a raw search
  misses when a string literal forges a stream start (``(>>stream)``). Parsing is bounded: the
  upload size cap, pypdf's per-stream limits, at most ``PDF_MAX_DECODED_BYTES`` of decoded
  object streams, 200,000 objects, and ``PDF_PARSE_SECONDS`` of walking; a file whose
  structure cannot be walked within them is refused.
* **Images** (JPEG, PNG): more than ``TINHSO_UPLOAD_MAX_IMAGE_PIXELS`` pixels is refused before
  decoding (decompression bombs); an image carrying metadata (EXIF with GPS position, comments,
  text or private chunks) is re-encoded from its pixels, which drops them.
* **ZIP containers** (XLSX workbooks of open data, sector files and bank statements):
  ``check_zip`` reads the central directory before openpyxl opens the file and refuses too
  many entries, too many bytes once uncompressed, or an entry expanding too many times.
* **ClamAV**: when ``TINHSO_CLAMAV_SOCKET`` or ``TINHSO_CLAMAV_HOST`` is set, the content is
  streamed to clamd (INSTREAM); a virus, or a scanner that cannot be reached, refuses the upload.
"""

import hashlib
import io
import os
import re
import socket
import struct
import time
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any, overload

import filetype
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from tinhso.upload_handlers import OversizedUpload, streamed_sha256

ALLOWED_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
_MARKUP = re.compile(rb"<(?:html|script|svg|body|iframe|\?php|!doctype)", re.IGNORECASE)
_PDF_NAME = re.compile(rb"/([A-Za-z0-9#]{2,40})")
_PDF_ACTIVE = {
    "JavaScript",
    "JS",
    "Launch",
    "EmbeddedFile",
    "EmbeddedFiles",
    "OpenAction",
    "AA",
    "RichMedia",
    "XFA",
    "ImportData",
    "SubmitForm",
    "GoToE",
}
_PNG_PLAIN_CHUNKS = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"pHYs", b"bKGD", b"sBIT"}  # fmt: skip
_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_PADDING = b"\x00\t\n\r\x0c "  # what real files carry after their end marker
# Archive signatures: ZIP local file header, central directory header, end of central
# directory (checked for plausible fields below, so that four random bytes in compressed data
# do not refuse a genuine file); RAR 4/5 and 7z (six or more fixed bytes, checked as they are).
_ARCHIVE = re.compile(rb"PK\x03\x04|PK\x01\x02|PK\x05\x06|Rar!\x1a\x07[\x00\x01]|7z\xbc\xaf'\x1c")
_ZIP_METHODS = {0, 1, 6, 8, 9, 12, 14, 19, 93, 95, 96, 97, 98, 99}
PDF_MAX_DECODED_BYTES = 64 * 1024 * 1024
PDF_PARSE_SECONDS = 10.0
_PDF_MAX_TREE_NODES = 100_000


class UploadRejected(Exception):
    def __init__(self, message: str, field: str = "file") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class CheckedUpload:
    file: UploadedFile
    name: str
    content_type: str
    size: int
    sha256: str


def check_upload(upload: UploadedFile, field: str = "file") -> CheckedUpload:
    """Check ``upload`` by its content and return what to store.

    The file is read in blocks of ``SCAN_BLOCK`` bytes, never whole: its first kilobyte for the
    type and markup, one pass for the size, the archive signatures, a PDF's names outside its
    stream bodies and (unless the upload handler already computed it while the file arrived)
    the SHA-256, then pypdf (every object, then the page tree) or Pillow on the file itself
    and ClamAV fed from it. ``CheckedUpload.file`` is the upload
    itself, left at its start, or the re-encoded image when metadata had to be removed."""
    limit = settings.TINHSO_UPLOAD_MAX_BYTES
    if isinstance(upload, OversizedUpload) or (upload.size is not None and upload.size > limit):
        raise UploadRejected(_too_big(limit), field)
    upload.seek(0)
    head = upload.read(1024)
    if not head:
        raise UploadRejected(_("Tệp rỗng."), field)
    kind = filetype.guess(head[:262])
    mime = kind.mime if kind else ""
    if mime not in ALLOWED_TYPES:
        raise UploadRejected(
            _(
                "Tệp “%(name)s” không phải PDF, JPEG hoặc PNG (kiểm tra theo nội dung tệp, không theo tên)."
            )
            % {"name": upload.name},
            field,
        )
    if _MARKUP.search(head):
        raise UploadRejected(_polyglot(upload.name), field)
    sha256 = streamed_sha256(upload)
    scan = _scan(upload, limit, hashing=sha256 is None, pdf=mime == "application/pdf")
    upload.seek(0)
    if scan.size > limit:
        raise UploadRejected(_too_big(limit), field)
    if scan.archive:
        raise UploadRejected(_polyglot(upload.name), field)
    sha256 = sha256 or scan.sha256
    size = scan.size
    if mime == "application/pdf":
        _check_pdf(upload, scan, field)
    else:
        cleaned = _check_image(upload, size, mime, upload.name, field)
        if cleaned is not None:
            upload = SimpleUploadedFile(upload.name or "anh", cleaned, content_type=mime)
            size, sha256 = len(cleaned), hashlib.sha256(cleaned).hexdigest()
    scan_for_viruses(upload, upload.name, field)
    upload.seek(0)
    stem = PurePath(upload.name or "tep").stem[:80] or "tep"
    name = get_valid_filename(f"{stem}.{ALLOWED_TYPES[mime]}")
    return CheckedUpload(file=upload, name=name, content_type=mime, size=size, sha256=sha256)


def _too_big(limit: int) -> str:
    return _("Tệp vượt quá dung lượng cho phép (%(mb)s MB).") % {
        "mb": round(limit / 1024 / 1024, 1)
    }


def _polyglot(name: str | None) -> str:
    return _(
        "Tệp “%(name)s” chứa thêm nội dung không phải của tệp PDF hoặc ảnh (tệp đa định dạng), "
        "nên không được nhận."
    ) % {"name": name}


# --- reading a file in blocks ------------------------------------------------------------

SCAN_BLOCK = 1024 * 1024
# Bytes each block shares with the one before, so that what straddles two blocks is seen
# whole: a ZIP header with the fields checked (32 bytes), a PDF name (41 bytes), the start of
# a PDF stream (42 bytes), an object header (51 bytes), ``%%EOF``.
_OVERLAP = 64


@dataclass(frozen=True)
class _Scan:
    size: int  # stops counting once past the cap
    sha256: str  # empty when not asked for
    archive: bool
    pdf_names: frozenset[str]


def _scan(file: UploadedFile | IO[bytes], limit: int, *, hashing: bool, pdf: bool) -> _Scan:
    """One pass over ``file`` in blocks overlapping by ``_OVERLAP`` bytes: its size, whether
    it holds an archive, a PDF's names outside its stream bodies (``pdf``) and its SHA-256
    (``hashing``); stops early once past ``limit`` bytes or at an archive."""
    digest = hashlib.sha256() if hashing else None
    size, archive = 0, False
    names = _PdfNameScan() if pdf else None
    tail = b""
    file.seek(0)
    while block := file.read(SCAN_BLOCK):
        size += len(block)
        if size > limit:
            break
        if digest is not None:
            digest.update(block)
        window = tail + block
        if contains_archive(window):
            archive = True
            break
        if names is not None:
            names.feed(block)
        tail = window[-_OVERLAP:]
    else:
        if names is not None:
            names.feed(b"", final=True)
    return _Scan(
        size=size,
        sha256=digest.hexdigest() if digest is not None else "",
        archive=archive,
        pdf_names=frozenset(names.names if names is not None else ()),
    )


def _last_bytes(file: UploadedFile | IO[bytes], size: int, count: int) -> bytes:
    """The last ``count`` bytes of ``file`` once trailing padding (whitespace, NUL) is
    removed, read backwards in blocks."""
    end = size
    while end > 0:
        start = max(0, end - SCAN_BLOCK)
        file.seek(start)
        kept = file.read(end - start).rstrip(_PADDING)
        if kept:
            end = start + len(kept)
            file.seek(max(0, end - count))
            return file.read(end - max(0, end - count))
        end = start
    return b""


class _FileView:
    """Random access to the bytes of a file through one buffered block: ``view[i]``,
    ``view[a:b]`` and ``find``, what the PNG and JPEG walks need, without holding the file."""

    def __init__(self, file: UploadedFile | IO[bytes], size: int) -> None:
        self.file, self.size = file, size
        self.start, self.buffer = 0, b""

    def __len__(self) -> int:
        return self.size

    def _cover(self, start: int, end: int) -> None:
        end = min(end, self.size)
        if not (self.start <= start and end <= self.start + len(self.buffer)):
            self.file.seek(start)
            self.start, self.buffer = start, self.file.read(max(SCAN_BLOCK, end - start))

    @overload
    def __getitem__(self, key: int) -> int: ...
    @overload
    def __getitem__(self, key: slice) -> bytes: ...
    def __getitem__(self, key: int | slice) -> int | bytes:
        if isinstance(key, slice):
            start, stop, _step = key.indices(self.size)
            if stop <= start:
                return b""
            self._cover(start, stop)
            return self.buffer[start - self.start : stop - self.start]
        if not 0 <= key < self.size:
            raise IndexError(key)
        self._cover(key, key + 1)
        try:
            return self.buffer[key - self.start]
        except IndexError:  # the file is shorter than its size: as a damaged image
            raise ValueError("file shorter than its size") from None

    def find(self, needle: bytes, start: int) -> int:
        pos = start
        while pos < self.size:
            self._cover(pos, pos + max(SCAN_BLOCK // 2, len(needle)))
            if len(self.buffer) <= pos - self.start:  # the file is shorter than its size
                return -1
            found = self.buffer.find(needle, pos - self.start)
            if found >= 0:
                return self.start + found
            pos = self.start + len(self.buffer) - len(needle) + 1
        return -1

    def only_padding_after(self, pos: int) -> bool:
        while pos < self.size:
            self._cover(pos, pos + SCAN_BLOCK // 2)
            if len(self.buffer) <= pos - self.start:
                break
            if self.buffer[pos - self.start :].strip(_PADDING):
                return False
            pos = self.start + len(self.buffer)
        return True


def contains_archive(data: bytes) -> bool:
    """Whether ``data`` holds a ZIP, RAR or 7z archive anywhere (not only appended)."""
    for match in _ARCHIVE.finditer(data):
        at, sig = match.start(), match.group()
        if not sig.startswith(b"PK"):
            return True
        if sig == b"PK\x05\x06":  # end of central directory: disk numbers, entry counts
            if at + 22 > len(data):
                continue
            disk, cd_disk, here, total = struct.unpack("<4H", data[at + 4 : at + 12])
            if disk == cd_disk and disk in (0, 0xFFFF) and here == total:
                return True
            continue
        # local file header (version at +4, method at +8, name length at +26) or central
        # directory header (version needed at +6, method at +10, name length at +28)
        base = 4 if sig == b"PK\x03\x04" else 6
        if at + base + 26 > len(data):
            continue
        version, _flags, method = struct.unpack("<3H", data[at + base : at + base + 6])
        (name_length,) = struct.unpack("<H", data[at + base + 22 : at + base + 24])
        if version <= 63 and method in _ZIP_METHODS and 0 < name_length <= 1024:
            return True
    return False


# --- ZIP containers (XLSX) ------------------------------------------------------------

# Parts smaller than this are not held to the ratio: a few kilobytes of repeated markup can
# compress beyond it in a real file and harm nothing.
ZIP_RATIO_MIN_BYTES = 1024 * 1024


def check_zip(data: bytes) -> None:
    """Refuse a ZIP container (an XLSX workbook) that would expand too much, before anything
    opens it (ASVS 12.1.2): more than ``TINHSO_UPLOAD_ZIP_MAX_ENTRIES`` entries, more than
    ``TINHSO_UPLOAD_ZIP_MAX_BYTES`` uncompressed in all, or an entry of at least
    ``ZIP_RATIO_MIN_BYTES`` expanding more than ``TINHSO_UPLOAD_ZIP_MAX_RATIO`` times.

    Only the central directory is read (``ZipFile.infolist``), nothing is decompressed. The
    sizes it declares bound what is ever read: Python's ``zipfile``, which openpyxl reads with,
    stops every entry at its declared ``file_size``. Entries that share their compressed bytes
    (an "overlapping" bomb) each count in full. Raises ``UploadRejected``.

    A file whose directory cannot be read passes: openpyxl reads it with the same ``zipfile``,
    fails at once, and the caller refuses it as a damaged workbook in its own words."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return
    max_entries = settings.TINHSO_UPLOAD_ZIP_MAX_ENTRIES
    if len(entries) > max_entries:
        raise UploadRejected(
            _("Tệp nén có quá nhiều thành phần (%(count)s; tối đa %(limit)s).")
            % {"count": len(entries), "limit": max_entries}
        )
    max_bytes = settings.TINHSO_UPLOAD_ZIP_MAX_BYTES
    total = sum(entry.file_size for entry in entries)
    if total > max_bytes:
        raise UploadRejected(
            _("Tệp nén khi giải nén quá lớn (%(size)s MB; tối đa %(limit)s MB).")
            % {"size": round(total / 1024 / 1024, 1), "limit": round(max_bytes / 1024 / 1024, 1)}
        )
    max_ratio = settings.TINHSO_UPLOAD_ZIP_MAX_RATIO
    for entry in entries:
        if entry.file_size < ZIP_RATIO_MIN_BYTES:
            continue
        ratio = entry.file_size / max(entry.compress_size, 1)
        if ratio > max_ratio:
            raise UploadRejected(
                _(
                    "Tệp nén có thành phần nở ra %(ratio)s lần khi giải nén (tối đa %(limit)s "
                    "lần): có thể là “bom giải nén”, không được nhận."
                )
                % {"ratio": int(ratio), "limit": max_ratio}
            )


# --- PDF -------------------------------------------------------------------------------


class PdfUnreadable(ValueError):
    """pypdf could not read the PDF, or reading it went past the parsing bounds."""


def _pdf_reader(file: Any) -> Any:
    from pypdf import PdfReader  # imported when a PDF arrives: a large package

    if isinstance(file, (bytes, bytearray)):
        file = io.BytesIO(file)
    elif isinstance(file, UploadedFile):
        file = file.file  # the finished upload: a temporary file on disk, or bytes in memory
    try:
        file.seek(0)
        return PdfReader(file, strict=False)
    except Exception as exc:  # pypdf raises many kinds on hostile input
        raise PdfUnreadable(str(exc)) from exc


def _decode_object_streams(reader: Any, deadline: float) -> None:
    """Decode every compressed object stream once (pypdf keeps the result), refusing more than
    ``PDF_MAX_DECODED_BYTES`` in all: pypdf bounds each stream, not their sum."""
    decoded = 0
    for number in sorted({stream for stream, _index in reader.xref_objStm.values()}):
        decoded += len(reader.get_object(number).get_data())
        if decoded > PDF_MAX_DECODED_BYTES or time.monotonic() > deadline:
            raise PdfUnreadable("object streams too large")


def _count_pages(
    reader: Any, stop_after: int | None, deadline: float, *, streams_decoded: bool = False
) -> int:
    """Page leaves in the page tree, walked without building page objects; stops once more
    than ``stop_after`` are found. Also at least the root's declared ``/Count``.
    ``streams_decoded``: ``_decode_object_streams`` already ran on ``reader``."""
    from pypdf.generic import ArrayObject, DictionaryObject

    try:
        if reader.is_encrypted:
            raise PdfUnreadable("encrypted")
        if not streams_decoded:
            _decode_object_streams(reader, deadline)
        root = reader.trailer["/Root"].get_object()
        tree = root["/Pages"].get_object()
        declared = int(tree.get("/Count", 0))
        if stop_after is not None and declared > stop_after:
            return declared
        pages, nodes, seen = 0, 0, set()
        stack: list[Any] = [root["/Pages"]]
        while stack:
            nodes += 1
            if nodes > _PDF_MAX_TREE_NODES or time.monotonic() > deadline:
                raise PdfUnreadable("page tree too large")
            reference = stack.pop()
            key = getattr(reference, "idnum", None)
            if key is not None:
                if key in seen:
                    raise PdfUnreadable("page tree has a cycle")
                seen.add(key)
            node = reference.get_object()
            if not isinstance(node, DictionaryObject):
                raise PdfUnreadable("page tree node is not a dictionary")
            kids = node.get("/Kids")
            if kids is None and node.get("/Type") != "/Pages":
                pages += 1
                if stop_after is not None and pages > stop_after:
                    return pages
                continue
            kids = kids.get_object() if kids is not None else ArrayObject()
            if not isinstance(kids, ArrayObject):
                raise PdfUnreadable("/Kids is not an array")
            stack.extend(reversed(kids))
        return max(pages, declared)
    except PdfUnreadable:
        raise
    except Exception as exc:  # pypdf raises many kinds on hostile input
        raise PdfUnreadable(str(exc)) from exc


def pdf_page_count(
    file: UploadedFile | IO[bytes] | bytes | str | os.PathLike[str],
    *,
    stop_after: int | None = None,
) -> int:
    """Number of pages of a PDF, read with pypdf from the page tree.

    ``file`` is an upload as Django holds it (a temporary file on disk or bytes in memory), an
    open binary file, bytes or a path; the file is read where it is, as pypdf needs it (the
    cross-reference table from the end, then the objects it points to), not copied into memory;
    the caller caps its size. Pages inside compressed object
    streams, incremental updates and nested page trees all count; the tree is walked without
    building page objects, and the walk stops once more than ``stop_after`` pages are found
    (the number returned is then ``stop_after + 1`` or the declared count, whichever is
    known). A root ``/Count`` larger than the pages found counts as the number of pages.
    Raises ``PdfUnreadable`` when pypdf cannot read the file (encrypted files included), the
    tree has a cycle, the object streams decode to more than ``PDF_MAX_DECODED_BYTES``, or the
    walk passes ``PDF_PARSE_SECONDS`` or 100,000 tree nodes.
    """
    deadline = time.monotonic() + PDF_PARSE_SECONDS
    if isinstance(file, (str, os.PathLike)):
        with open(file, "rb") as opened:
            return _count_pages(_pdf_reader(opened), stop_after, deadline)
    try:
        return _count_pages(_pdf_reader(file), stop_after, deadline)
    finally:
        if hasattr(file, "seek"):
            file.seek(0)


def _pdf_names(data: bytes, *, complete: bool = True) -> set[str]:
    """The names (``/Name``, ``#xx`` escapes decoded) in ``data``. With ``complete`` false,
    ``data`` is a block of a longer file, and a name reaching its end is left for the next
    block, which starts ``_OVERLAP`` bytes earlier (a name cut short could read as another)."""
    names = set()
    for match in _PDF_NAME.finditer(data):
        if not complete and match.end() == len(data):
            continue
        raw = match.group(1)
        if b"#" in raw:
            raw = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)
        names.add(raw.decode("latin-1"))
    return names


# A stream body starts after ``stream`` and its end of line, the keyword following the end of
# the stream's dictionary (whitespace between them bounded, so that the match fits in
# ``_OVERLAP``), and ends at the next ``endstream``.
_STREAM_START = re.compile(rb">>[\x00\t\n\x0c\r ]{0,32}stream\r?\n")
_STREAM_END = b"endstream"


class _PdfNameScan:
    """The names of a PDF outside its stream bodies, fed block by block (``_pdf_names``).

    Stream data (images, fonts, compressed content) is not searched: a few random bytes in
    it read as ``/JS`` or ``/AA`` about once every 11 MB. What a raw scan takes for a stream
    start can be forged (``(>>stream)`` in a string literal hides the dictionary text after
    it), so ``_active_in_structure`` also reads every object with pypdf. The state carries
    from one block to the next: inside a stream body, the last bytes that could begin
    ``endstream``; outside, the last ``_OVERLAP`` bytes, searched again with the next block."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.carry = b""
        self.in_stream = False

    def feed(self, block: bytes, *, final: bool = False) -> None:
        data, pos = self.carry + block, 0
        while True:
            if self.in_stream:
                end = data.find(_STREAM_END, pos)
                if end < 0:
                    self.carry = data[max(pos, len(data) - len(_STREAM_END) + 1) :]
                    return
                pos, self.in_stream = end + len(_STREAM_END), False
            start = _STREAM_START.search(data, pos)
            if start is None:
                self.names |= _pdf_names(data[pos:], complete=final)
                self.carry = data[max(pos, len(data) - _OVERLAP) :]
                return
            self.names |= _pdf_names(data[pos : start.start()])
            pos, self.in_stream = start.end(), True


class _StreamDataSkipped:
    """The reader's file as pypdf's object parser sees it during ``_active_in_structure``:
    reading more than ``SCAN_BLOCK`` bytes at once (only a stream's data is read so) moves
    past them and returns nothing, so the dictionaries of every object are read while a
    900 MB image is neither held in memory nor refused by pypdf's limit on a stream's
    declared length. Reading the rest of the file (what pypdf does to repair a damaged
    one) is refused."""

    def __init__(self, file: IO[bytes]) -> None:
        self.file = file

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            raise PdfUnreadable("reading the whole file")
        if size > SCAN_BLOCK:
            self.file.seek(size, os.SEEK_CUR)
            return b""
        return self.file.read(size)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self.file.seek(offset, whence)

    def tell(self) -> int:
        return self.file.tell()


_OBJECT_HEADER = re.compile(rb"\s(\d{1,10})\s{1,16}(\d{1,5})\s{1,16}obj")


def _object_headers(
    file: IO[bytes], wanted: set[tuple[int, int]], deadline: float
) -> dict[tuple[int, int], int]:
    """The offset of the first ``N G obj`` header of each wanted object in ``file``, where
    pypdf looks for an object its tables lack (it searches the whole file held in memory;
    this reads it in overlapping blocks)."""
    found: dict[tuple[int, int], int] = {}
    position, tail = 0, b""
    file.seek(0)
    while block := file.read(SCAN_BLOCK):
        window, base = tail + block, position - len(tail)
        for match in _OBJECT_HEADER.finditer(window):
            key = (int(match[1]), int(match[2]))
            if key in wanted and key not in found:
                found[key] = base + match.start() + 1
        if time.monotonic() > deadline:
            raise PdfUnreadable("structure too large to walk in time")
        position += len(block)
        tail = window[-_OVERLAP:]
    return found


_PDF_MAX_OBJECTS = 200_000
_PDF_MAX_DEPTH = 100  # nested dictionaries and arrays within one object


def _active_in_structure(reader: Any, deadline: float) -> set[str]:
    """The active-content names among the keys and name values of every indirect object the
    cross-reference table(s) list, read with pypdf, and of the trailer: dictionaries (a
    stream's included), nested dictionaries and arrays, ``#xx`` escapes decoded by pypdf.

    Objects in compressed object streams are read from the decoded streams (at most
    ``PDF_MAX_DECODED_BYTES`` in all); the others are read where the table says they are,
    their stream data skipped (``_StreamDataSkipped``). An encrypted file returns
    ``{"Encrypt"}``. Raises ``PdfUnreadable`` past ``deadline``, ``_PDF_MAX_OBJECTS`` objects
    or ``_PDF_MAX_DEPTH`` levels of nesting. An object referred to but not listed, or not
    where the table says, is read where pypdf finds it, searching the file for its header
    (``_object_headers``)."""
    from pypdf import apply_configuration, get_configuration
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        IndirectObject,
        NameObject,
        read_object,
    )

    if reader.is_encrypted:
        return {"Encrypt"}
    _decode_object_streams(reader, deadline)
    wanted = _PDF_ACTIVE | {"Encrypt"}
    found: set[str] = set()
    referenced: set[tuple[int, int]] = set()
    misplaced: set[tuple[int, int]] = set()
    nodes = 0

    def walk(obj: object) -> None:
        nonlocal nodes
        stack: list[tuple[object, int]] = [(obj, 0)]
        while stack:
            item, depth = stack.pop()
            nodes += 1
            if depth > _PDF_MAX_DEPTH:
                raise PdfUnreadable("objects nested too deeply")
            if nodes % 4096 == 0 and time.monotonic() > deadline:
                raise PdfUnreadable("structure too large to walk in time")
            if isinstance(item, DictionaryObject):
                for key, value in item.items():
                    if str(key)[1:] in wanted:
                        found.add(str(key)[1:])
                    stack.append((value, depth + 1))
            elif isinstance(item, ArrayObject):
                stack.extend((value, depth + 1) for value in item)
            elif isinstance(item, NameObject) and str(item)[1:] in wanted:
                found.add(str(item)[1:])
            elif isinstance(item, IndirectObject):
                referenced.add((item.idnum, item.generation))

    walk(reader.trailer)
    numbers = list(reader.xref_objStm)
    table = [
        (number, generation, offset)
        for generation, entries in reader.xref.items()
        for number, offset in entries.items()
        if not reader.xref_free_entry.get(generation, {}).get(number, False)
    ]
    if len(numbers) + len(table) > _PDF_MAX_OBJECTS:
        raise PdfUnreadable("too many objects")
    for number in numbers:
        walk(reader.get_object(number))
    file: Any = _StreamDataSkipped(reader.stream)  # pypdf reads through read, seek and tell
    size = file.seek(0, os.SEEK_END)
    longest = max(size, get_configuration().maximum_declared_stream_length)
    with apply_configuration(maximum_declared_stream_length=longest):
        for number, generation, offset in table:
            if time.monotonic() > deadline:
                raise PdfUnreadable("structure too large to walk in time")
            file.seek(offset)
            if reader.read_object_header(file)[0] != number:
                misplaced.add((number, generation))
                continue
            walk(read_object(file, reader))
        # Objects listed at a wrong offset (pypdf drops those where no object header is when
        # it opens the file), or referred to but missing from the tables, are found by pypdf,
        # as by viewers, by searching the file for their header: walk what that finds.
        listed = {number for number, _generation, _offset in table} | set(numbers)
        listed -= {number for number, _generation in misplaced}
        referenced |= misplaced
        searched: set[tuple[int, int]] = set()
        while missing := {ref for ref in referenced if ref[0] not in listed} - searched:
            searched |= missing
            if len(searched) + len(listed) > _PDF_MAX_OBJECTS:
                raise PdfUnreadable("too many objects missing from the tables")
            for offset in _object_headers(reader.stream, missing, deadline).values():
                file.seek(offset)
                reader.read_object_header(file)
                walk(read_object(file, reader))
    return found


def _check_pdf(upload: UploadedFile, scan: _Scan, field: str) -> None:
    name = upload.name
    # nothing but padding after the last %%EOF
    if _last_bytes(upload, scan.size, 5) != b"%%EOF":
        raise UploadRejected(_polyglot(name), field)
    names = scan.pdf_names
    found = names & (_PDF_ACTIVE | {"Encrypt"})
    pages = 0
    if not found:
        limit = settings.TINHSO_UPLOAD_MAX_PDF_PAGES
        deadline = time.monotonic() + PDF_PARSE_SECONDS
        try:
            reader = _pdf_reader(upload)
            found |= _active_in_structure(reader, deadline)
            if not found:
                pages = _count_pages(reader, limit, deadline, streams_decoded=True)
        except Exception as exc:  # PdfUnreadable, or anything pypdf raised on hostile input
            raise UploadRejected(
                _(
                    "Không đọc được tệp PDF “%(name)s” (tệp hỏng hoặc cấu trúc quá phức tạp); "
                    "vui lòng xuất lại tệp PDF."
                )
                % {"name": name},
                field,
            ) from exc
        finally:
            upload.seek(0)
    if "Encrypt" in found:
        raise UploadRejected(
            _("Tệp PDF “%(name)s” được mã hóa hoặc đặt mật khẩu; vui lòng gửi bản không mã hóa.")
            % {"name": name},
            field,
        )
    if found:
        raise UploadRejected(
            _(
                "Tệp PDF “%(name)s” chứa nội dung chủ động (mã lệnh, hành động tự chạy hoặc tệp "
                "đính kèm bên trong), nên không được nhận. Vui lòng in lại ra PDF thường."
            )
            % {"name": name},
            field,
        )
    if pages > settings.TINHSO_UPLOAD_MAX_PDF_PAGES:
        raise UploadRejected(
            _("Tệp PDF “%(name)s” có quá %(max)d trang.")
            % {"name": name, "max": settings.TINHSO_UPLOAD_MAX_PDF_PAGES},
            field,
        )


# --- images ----------------------------------------------------------------------------


def _png_extras(data: "_FileView") -> tuple[bool, bool]:
    """(carries chunks beyond plain pixels, has bytes after IEND); ValueError if the chunks
    do not add up to a PNG ending with IEND."""
    pos, extra = 8, False
    while pos + 12 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if not kind.isalpha():
            break
        if kind not in _PNG_PLAIN_CHUNKS:
            extra = True
        pos += 12 + length
        if kind == b"IEND":
            return extra, not data.only_padding_after(pos)
    raise ValueError("PNG chunks do not end with IEND")


def _jpeg_extras(data: "_FileView") -> tuple[bool, bool]:
    """(carries APP1+ or comment segments, has bytes after the first end-of-image marker);
    ValueError if there is no end-of-image marker.

    Segments are skipped by their lengths and scans by their markers, so an ``FF D9`` inside a
    segment or appended at the very end of the file (say, as a ZIP comment) is not taken for
    the end of the image: what a decoder shows ends at the first real end-of-image marker."""
    pos, extra = 2, False
    while pos + 2 <= len(data):
        if data[pos] != 0xFF:  # stray bytes between segments: decoders skip to the next marker
            pos = data.find(b"\xff", pos)
            if pos < 0:
                break
            continue
        marker = data[pos + 1]
        if marker == 0xD9:
            return extra, not data.only_padding_after(pos + 2)
        if marker in (0xFF, 0x00) or 0xD0 <= marker <= 0xD7 or marker == 0x01:
            pos += 1 if marker == 0xFF else 2  # fill byte, stuffed zero, markers without length
            continue
        if pos + 4 > len(data):
            break
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        if length < 2:
            raise ValueError("JPEG segment with an impossible length")
        if 0xE1 <= marker <= 0xEF or marker == 0xFE:
            extra = True
        pos += 2 + length
        if marker == 0xDA:  # entropy-coded data until the next marker (FF not followed by 00/RST)
            while (pos := data.find(b"\xff", pos)) >= 0 and pos + 1 < len(data):
                following = data[pos + 1]
                if following != 0x00 and not 0xD0 <= following <= 0xD7 and following != 0xFF:
                    break
                pos += 1 if following == 0xFF else 2
            else:
                break
    raise ValueError("JPEG without an end-of-image marker")


def _check_image(
    upload: UploadedFile, size: int, mime: str, name: str | None, field: str
) -> bytes | None:
    """Check limits; returns re-encoded bytes when metadata had to be stripped, else None.
    The segments are walked and Pillow reads the file where it is; only a re-encoded image
    (at most ``TINHSO_UPLOAD_MAX_IMAGE_PIXELS``) is held in memory."""
    png = mime == "image/png"
    data = _FileView(upload, size)
    try:
        extra, trailing = _png_extras(data) if png else _jpeg_extras(data)
    except ValueError as exc:
        raise UploadRejected(
            _("Không đọc được ảnh “%(name)s”; tệp có thể bị hỏng.") % {"name": name}, field
        ) from exc
    if trailing and (png or not extra):
        # A JPEG carrying metadata is re-encoded below, which drops what follows its first
        # image: phones append gain maps (Ultra HDR), depth maps and motion-photo videos there.
        raise UploadRejected(_polyglot(name), field)
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            width, height = image.size
            if width * height > settings.TINHSO_UPLOAD_MAX_IMAGE_PIXELS:
                raise UploadRejected(
                    _("Ảnh “%(name)s” quá lớn (%(w)d × %(h)d điểm ảnh).")
                    % {"name": name, "w": width, "h": height},
                    field,
                )
            if not extra:
                return None  # nothing but pixels: kept byte for byte
            image.load()
            clean = ImageOps.exif_transpose(image)
            out = io.BytesIO()
            if png:
                clean.save(out, "PNG", optimize=True)
            else:
                clean.convert("RGB" if clean.mode not in ("L", "RGB", "CMYK") else clean.mode).save(
                    out, "JPEG", quality=90
                )
            return out.getvalue()
    except Image.DecompressionBombError as exc:
        raise UploadRejected(_("Ảnh “%(name)s” quá lớn.") % {"name": name}, field) from exc
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise UploadRejected(
            _("Không đọc được ảnh “%(name)s”; tệp có thể bị hỏng.") % {"name": name}, field
        ) from exc


# --- ClamAV ----------------------------------------------------------------------------


def _clamd_connection() -> socket.socket | None:
    timeout = settings.TINHSO_CLAMAV_TIMEOUT
    if settings.TINHSO_CLAMAV_SOCKET:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.settimeout(timeout)
        conn.connect(settings.TINHSO_CLAMAV_SOCKET)
        return conn
    if settings.TINHSO_CLAMAV_HOST:
        host, _sep, port = settings.TINHSO_CLAMAV_HOST.rpartition(":")
        return socket.create_connection((host or "localhost", int(port or 3310)), timeout)
    return None


CLAMD_CHUNK = 64 * 1024


def clamd_scan(content: bytes | UploadedFile | IO[bytes]) -> str | None:
    """Stream ``content`` (bytes, or a file read from its start in ``CLAMD_CHUNK`` blocks) to
    clamd (``zINSTREAM``); the signature name if infected, None if clean.

    clamd refuses a stream longer than its ``StreamMaxLength`` (25 MB by default): raise it
    to at least ``TINHSO_UPLOAD_MAX_BYTES``. Raises OSError when no scanner is configured or
    it cannot answer."""
    conn = _clamd_connection()
    if conn is None:
        raise OSError("no ClamAV daemon configured")
    file = io.BytesIO(content) if isinstance(content, bytes) else content
    file.seek(0)
    with conn:
        conn.sendall(b"zINSTREAM\0")
        while chunk := file.read(CLAMD_CHUNK):
            conn.sendall(struct.pack(">I", len(chunk)) + chunk)
        conn.sendall(struct.pack(">I", 0))
        reply = b""
        while not reply.endswith(b"\0"):
            part = conn.recv(4096)
            if not part:
                break
            reply += part
    answer = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
    if answer.endswith("OK"):
        return None
    if answer.endswith("FOUND"):
        return answer.removeprefix("stream:").removesuffix("FOUND").strip()
    raise OSError(f"clamd: {answer}")


def scan_for_viruses(content: bytes | UploadedFile, name: str | None, field: str) -> None:
    if not (settings.TINHSO_CLAMAV_SOCKET or settings.TINHSO_CLAMAV_HOST):
        return
    try:
        found = clamd_scan(content)
    except OSError as exc:
        raise UploadRejected(
            _("Chưa kiểm tra được virus cho tệp “%(name)s”; vui lòng thử lại sau.")
            % {"name": name},
            field,
        ) from exc
    if found:
        raise UploadRejected(
            _("Tệp “%(name)s” bị phát hiện chứa mã độc (%(virus)s).")
            % {"name": name, "virus": found},
            field,
        )
