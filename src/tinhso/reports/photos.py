"""Photos of reports: checked by content with the project's upload checks, size-capped, and
stored without their EXIF metadata.

``tinhso.uploads.check_upload`` detects the type from the bytes, refuses polyglots and
decompression bombs, and re-encodes an image that carries metadata, which drops its EXIF GPS
position. When the citizen chooses "use the photo's place", the position is read from the
original bytes first and becomes the report's place; the stored file still carries none (the
place is on the report, published or not with it, never hidden in a file).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from tinhso.reports.errors import InvalidInput
from tinhso.reports.models import Report, ReportPhoto
from tinhso.uploads import CheckedUpload, UploadRejected, check_upload

IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})
GPS_IFD = 0x8825


@dataclass(frozen=True)
class CheckedPhoto:
    upload: CheckedUpload
    position: tuple[float, float] | None  # (lat, lon) from EXIF, when asked for and present


def _photo_error(message: str) -> InvalidInput:
    return InvalidInput(message, "photos")


def check_all(uploads: Sequence[UploadedFile], *, want_position: bool) -> list[CheckedPhoto]:
    """Every photo checked before anything is written; the first bad one refuses the report."""
    if len(uploads) > settings.TINHSO_REPORTS_MAX_PHOTOS:
        raise _photo_error(
            _("Chỉ gửi được tối đa %(count)d ảnh.") % {"count": settings.TINHSO_REPORTS_MAX_PHOTOS}
        )
    return [check_one(upload, want_position=want_position) for upload in uploads]


def check_one(upload: UploadedFile, *, want_position: bool) -> CheckedPhoto:
    cap = settings.TINHSO_REPORTS_PHOTO_MAX_BYTES
    if upload.size is not None and upload.size > cap:
        raise _photo_error(
            _("Ảnh “%(name)s” vượt quá %(mb)s MB.")
            % {"name": upload.name, "mb": round(cap / 1024 / 1024, 1)}
        )
    try:
        checked = check_upload(upload, field="photos")
    except UploadRejected as exc:
        raise _photo_error(exc.message) from exc
    if checked.content_type not in IMAGE_TYPES:
        raise _photo_error(
            _("Tệp “%(name)s” không phải ảnh JPEG hoặc PNG.") % {"name": upload.name}
        )
    if checked.size > cap:
        raise _photo_error(
            _("Ảnh “%(name)s” vượt quá %(mb)s MB.")
            % {"name": upload.name, "mb": round(cap / 1024 / 1024, 1)}
        )
    position = gps_position(upload) if want_position else None
    return CheckedPhoto(upload=checked, position=position)


def _degrees(value: Any) -> float:
    d, m, s = (float(Fraction(part)) if not isinstance(part, float) else part for part in value)
    return d + m / 60 + s / 3600


def gps_position(upload: UploadedFile) -> tuple[float, float] | None:
    """(lat, lon) of the photo's EXIF GPS tags, or None when it has none or they are unreadable.
    Read from the original upload (the checked copy may have been re-encoded without them)."""
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            gps = image.getexif().get_ifd(GPS_IFD)
        lat = _degrees(gps[2]) * (-1 if gps.get(1) == "S" else 1)
        lon = _degrees(gps[4]) * (-1 if gps.get(3) == "W" else 1)
    except (KeyError, TypeError, ValueError, ZeroDivisionError, UnidentifiedImageError, OSError):
        return None
    finally:
        upload.seek(0)
    return lat, lon


def save(report: Report, photo: CheckedPhoto) -> ReportPhoto:
    """Store one checked photo (under ``reports/``, never public) and return its row."""
    checked = photo.upload
    row = ReportPhoto(
        report=report, content_type=checked.content_type, size=checked.size, sha256=checked.sha256
    )
    checked.file.seek(0)
    row.file.save(checked.name, checked.file, save=False)
    row.save()
    return row
