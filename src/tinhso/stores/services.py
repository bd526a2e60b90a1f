"""Use cases of the personal document store (kho giấy tờ, R-ERES-6/7).

``store_document`` is what the issuing engines call (signed e-results, fee receipts);
``store_upload`` is the citizen adding their own papers; ``delete_upload`` removes one of those
again. Every write is atomic and a file written to storage for a row that was not saved is deleted
again. Reuse of a stored document in a dossier is ``tinhso.dossiers.services.NewFile(stored=...)``.
"""

import datetime
import hashlib
from pathlib import PurePath

import filetype
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from tinhso.accounts.models import User
from tinhso.agencies.models import Agency
from tinhso.stores.models import StoredDocument
from tinhso.text import fold
from tinhso.uploads import ALLOWED_TYPES, CheckedUpload

TITLE_MAX = 300
NUMBER_MAX = 60
SLUG_MAX = 60


class StoreError(Exception):
    """A request the store's rules do not allow; ``field`` names the offending input if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _slug(title: str) -> str:
    return slugify(fold(title))[:SLUG_MAX].strip("-") or "giay-to"


def _extension(document: StoredDocument) -> str:
    return ALLOWED_TYPES.get(document.content_type) or (
        PurePath(document.file.name or "").suffix.lstrip(".") or "bin"
    )


def download_name(document: StoredDocument) -> str:
    """A plain ASCII file name for downloads and reused attachments: "giay-khai-sinh.pdf"."""
    return f"{_slug(document.title)}.{_extension(document)}"


def _clean_title(title: str) -> str:
    cleaned = " ".join(title.split())[:TITLE_MAX]
    if not cleaned:
        raise StoreError(_("Hãy nhập tên giấy tờ."), "title")
    return cleaned


def _save(document: StoredDocument, content: File) -> StoredDocument:
    """Write the file, then the row, atomically; the file is deleted again if the row is not saved."""
    name = f"{document.sha256[:16]}-{_slug(document.title)}.{_extension(document)}"
    written: list[str] = []
    try:
        with transaction.atomic():
            document.file.save(name, content, save=False)
            written.append(document.file.name)
            document.save()
    except BaseException:
        for path in written:
            default_storage.delete(path)
        raise
    return document


def store_document(
    *,
    owner: User,
    kind: str,
    title: str,
    content: bytes,
    content_type: str,
    document_number: str = "",
    dossier: models.Model | None = None,
    issuer: Agency | None = None,
    issued_at: datetime.datetime | None = None,
) -> StoredDocument:
    """Put an issued document (an e-result, a receipt) into ``owner``'s store.

    ``content`` must be a PDF, JPEG or PNG (checked by content, like uploads) and match
    ``content_type``; ``issued_at`` must be timezone-aware. ``dossier`` is the dossier the
    document was issued for (typed as a plain model: the store knows dossiers only by its
    foreign key).
    """
    if kind not in StoredDocument.Kind.values:
        raise StoreError(_("Loại giấy tờ không hợp lệ."), "kind")
    if not content:
        raise StoreError(_("Tệp rỗng."), "content")
    detected = filetype.guess(content[:262])
    if content_type not in ALLOWED_TYPES or detected is None or detected.mime != content_type:
        raise StoreError(_("Kho chỉ nhận tệp PDF, JPEG hoặc PNG."), "content")
    if issued_at is not None and issued_at.tzinfo is None:
        raise StoreError(_("Thời điểm cấp phải có múi giờ."), "issued_at")
    document = StoredDocument(
        owner=owner,
        kind=kind,
        title=_clean_title(title),
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        document_number=document_number.strip()[:NUMBER_MAX],
        dossier_id=dossier.pk if dossier is not None else None,
        issuer=issuer,
        issued_at=issued_at,
    )
    return _save(document, ContentFile(content))


def store_upload(*, owner: User, title: str, upload: CheckedUpload) -> StoredDocument:
    """The citizen keeps one of their own papers in the store (validated by ``check_upload``)."""
    document = StoredDocument(
        owner=owner,
        kind=StoredDocument.Kind.UPLOAD,
        title=_clean_title(title),
        content_type=upload.content_type,
        size=upload.size,
        sha256=upload.sha256,
    )
    upload.file.seek(0)
    return _save(document, upload.file)


def delete_upload(*, user: User, document: StoredDocument) -> None:
    """Remove a paper the citizen uploaded themselves, unless a dossier already reused it.

    Issued results and receipts are never deleted from the store. The file is removed from
    storage once the deletion has been committed.
    """
    with transaction.atomic():
        locked = (
            StoredDocument.objects.select_for_update()
            .filter(pk=document.pk, owner_id=user.pk)
            .first()
        )
        if locked is None:
            raise StoreError(_("Không tìm thấy giấy tờ trong kho của bạn."))
        if locked.kind != StoredDocument.Kind.UPLOAD:
            raise StoreError(
                _("Chỉ xóa được giấy tờ do bạn tự tải lên; giấy tờ do cơ quan cấp được lưu giữ.")
            )
        if locked.reuses.exists():
            raise StoreError(_("Giấy tờ này đã được dùng trong hồ sơ nên không thể xóa."))
        name = locked.file.name
        locked.delete()
        transaction.on_commit(lambda: default_storage.delete(name))
