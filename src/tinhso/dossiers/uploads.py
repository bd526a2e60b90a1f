"""Validation of uploaded files: type detected from content, size capped in code.

``FILE_UPLOAD_MAX_MEMORY_SIZE`` is not a cap, so the limit is enforced here while reading.
"""

import hashlib
from dataclasses import dataclass
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

ALLOWED_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


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
    digest = hashlib.sha256()
    size = 0
    head = b""
    upload.seek(0)
    for chunk in upload.chunks():
        if len(head) < 262:
            head += chunk[: 262 - len(head)]
        size += len(chunk)
        if size > limit:
            raise UploadRejected(_too_big(limit), field)
        digest.update(chunk)
    upload.seek(0)
    if size == 0:
        raise UploadRejected(_("Tệp rỗng."), field)
    kind = filetype.guess(head)
    mime = kind.mime if kind else ""
    if mime not in ALLOWED_TYPES:
        raise UploadRejected(
            _(
                "Tệp “%(name)s” không phải PDF, JPEG hoặc PNG (kiểm tra theo nội dung tệp, không theo tên)."
            )
            % {"name": upload.name},
            field,
        )
    stem = PurePath(upload.name or "tep").stem[:80] or "tep"
    name = get_valid_filename(f"{stem}.{ALLOWED_TYPES[mime]}")
    return CheckedUpload(
        file=upload, name=name, content_type=mime, size=size, sha256=digest.hexdigest()
    )


def _too_big(limit: int) -> str:
    return _("Tệp vượt quá dung lượng cho phép (%(mb)s MB).") % {
        "mb": round(limit / 1024 / 1024, 1)
    }
