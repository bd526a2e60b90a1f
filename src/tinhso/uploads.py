"""Validation of uploaded files: type detected from content, size capped in code, parsed in a
bounded way, active content refused, optionally scanned by ClamAV.

``FILE_UPLOAD_MAX_MEMORY_SIZE`` is not a cap, so the limit is enforced here while reading.

* **Type** from the first bytes (magic numbers), never from the name or the declared type.
* **Polyglots** (a file that is also HTML, a ZIP, a script …) are refused: markup in the first
  kilobyte, bytes after a PDF's last ``%%EOF`` or after an image's end marker.
* **PDF**: encrypted files, more than ``TINHSO_UPLOAD_MAX_PDF_PAGES`` pages, and any active
  content (JavaScript, launch or import actions, open or additional actions, embedded files,
  rich media, XFA forms) are refused. Dictionary keys are searched in the raw bytes (``#xx``
  escapes in names decoded) and, when the file uses compressed object streams, in the objects
  pypdf extracts from them; a file with object streams that pypdf cannot read is refused.
* **Images** (JPEG, PNG): more than ``TINHSO_UPLOAD_MAX_IMAGE_PIXELS`` pixels is refused before
  decoding (decompression bombs); an image carrying metadata (EXIF with GPS position, comments,
  text or private chunks) is re-encoded from its pixels, which drops them.
* **ClamAV**: when ``TINHSO_CLAMAV_SOCKET`` or ``TINHSO_CLAMAV_HOST`` is set, the content is
  streamed to clamd (INSTREAM); a virus, or a scanner that cannot be reached, refuses the upload.
"""

import hashlib
import io
import re
import socket
import struct
from dataclasses import dataclass
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

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
    limit = settings.TINHSO_UPLOAD_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise UploadRejected(_too_big(limit), field)
    size = 0
    parts: list[bytes] = []
    upload.seek(0)
    for chunk in upload.chunks():
        size += len(chunk)
        if size > limit:
            raise UploadRejected(_too_big(limit), field)
        parts.append(chunk)
    upload.seek(0)
    if size == 0:
        raise UploadRejected(_("Tệp rỗng."), field)
    data = b"".join(parts)
    kind = filetype.guess(data[:262])
    mime = kind.mime if kind else ""
    if mime not in ALLOWED_TYPES:
        raise UploadRejected(
            _(
                "Tệp “%(name)s” không phải PDF, JPEG hoặc PNG (kiểm tra theo nội dung tệp, không theo tên)."
            )
            % {"name": upload.name},
            field,
        )
    if _MARKUP.search(data[:1024]):
        raise UploadRejected(_polyglot(upload.name), field)
    if mime == "application/pdf":
        _check_pdf(data, upload.name, field)
    else:
        cleaned = _check_image(data, mime, upload.name, field)
        if cleaned is not None:
            data = cleaned
            upload = SimpleUploadedFile(upload.name or "anh", data, content_type=mime)
    scan_for_viruses(data, upload.name, field)
    stem = PurePath(upload.name or "tep").stem[:80] or "tep"
    name = get_valid_filename(f"{stem}.{ALLOWED_TYPES[mime]}")
    return CheckedUpload(
        file=upload,
        name=name,
        content_type=mime,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _too_big(limit: int) -> str:
    return _("Tệp vượt quá dung lượng cho phép (%(mb)s MB).") % {
        "mb": round(limit / 1024 / 1024, 1)
    }


def _polyglot(name: str | None) -> str:
    return _(
        "Tệp “%(name)s” chứa thêm nội dung không phải của tệp PDF hoặc ảnh (tệp đa định dạng), "
        "nên không được nhận."
    ) % {"name": name}


# --- PDF -------------------------------------------------------------------------------


def _pdf_names(data: bytes) -> set[str]:
    names = set()
    for match in _PDF_NAME.finditer(data):
        raw = match.group(1)
        if b"#" in raw:
            raw = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)
        names.add(raw.decode("latin-1"))
    return names


def _active_in_object_streams(data: bytes) -> set[str]:
    """Keys of the objects stored in compressed object streams, read with pypdf."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        return {"Encrypt"}
    found: set[str] = set()

    def walk(obj: object, depth: int) -> None:
        if depth > 20:
            return
        if isinstance(obj, DictionaryObject):
            for key, value in obj.items():
                found.add(str(key).lstrip("/"))
                if str(key) == "/S":
                    found.add(str(value).lstrip("/"))
                walk(value, depth + 1)
        elif isinstance(obj, ArrayObject):
            for item in obj:
                walk(item, depth + 1)

    for number in list(reader.xref_objStm)[:200_000]:
        walk(reader.get_object(number), 0)
    return found & (_PDF_ACTIVE | {"Encrypt"})


def _check_pdf(data: bytes, name: str | None, field: str) -> None:
    end = data.rfind(b"%%EOF")
    if end < 0 or data[end + 5 :].strip(b"\r\n\t \x00"):
        raise UploadRejected(_polyglot(name), field)
    names = _pdf_names(data)
    found = names & (_PDF_ACTIVE | {"Encrypt"})
    if "ObjStm" in names:
        try:
            found |= _active_in_object_streams(data)
        except Exception as exc:  # pypdf raises many kinds on hostile input
            raise UploadRejected(
                _("Không đọc được tệp PDF “%(name)s”; vui lòng xuất lại tệp PDF.") % {"name": name},
                field,
            ) from exc
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
    pages = len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", data))
    if pages > settings.TINHSO_UPLOAD_MAX_PDF_PAGES:
        raise UploadRejected(
            _("Tệp PDF “%(name)s” có quá %(max)d trang.")
            % {"name": name, "max": settings.TINHSO_UPLOAD_MAX_PDF_PAGES},
            field,
        )


# --- images ----------------------------------------------------------------------------


def _png_extras(data: bytes) -> tuple[bool, bool]:
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
            return extra, pos < len(data)
    raise ValueError("PNG chunks do not end with IEND")


def _jpeg_extras(data: bytes) -> tuple[bool, bool]:
    """(carries APP1+ or comment segments, has bytes after the end-of-image marker)."""
    pos, extra = 2, False
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xDA:  # start of scan: metadata segments come before it
            break
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        if 0xE1 <= marker <= 0xEF or marker == 0xFE:
            extra = True
        pos += 2 + length
    tail = data[data.rfind(b"\xff\xd9") + 2 :] if b"\xff\xd9" in data else b"x"
    return extra, bool(tail.strip(b"\x00"))


def _check_image(data: bytes, mime: str, name: str | None, field: str) -> bytes | None:
    """Check limits; returns re-encoded bytes when metadata had to be stripped, else None."""
    png = mime == "image/png"
    try:
        extra, trailing = _png_extras(data) if png else _jpeg_extras(data)
    except ValueError as exc:
        raise UploadRejected(
            _("Không đọc được ảnh “%(name)s”; tệp có thể bị hỏng.") % {"name": name}, field
        ) from exc
    if trailing:
        raise UploadRejected(_polyglot(name), field)
    try:
        with Image.open(io.BytesIO(data)) as image:
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


def clamd_scan(data: bytes) -> str | None:
    """Stream ``data`` to clamd (``zINSTREAM``); the signature name if infected, None if clean.

    Raises OSError when no scanner is configured or it cannot answer."""
    conn = _clamd_connection()
    if conn is None:
        raise OSError("no ClamAV daemon configured")
    with conn:
        conn.sendall(b"zINSTREAM\0")
        for start in range(0, len(data), 64 * 1024):
            chunk = data[start : start + 64 * 1024]
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


def scan_for_viruses(data: bytes, name: str | None, field: str) -> None:
    if not (settings.TINHSO_CLAMAV_SOCKET or settings.TINHSO_CLAMAV_HOST):
        return
    try:
        found = clamd_scan(data)
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
