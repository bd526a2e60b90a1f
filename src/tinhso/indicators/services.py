"""Use cases of the programme pages: one atomic function each, permission checked inside."""

import datetime
import hashlib
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from tinhso.accounts.models import User
from tinhso.indicators import access, sectorfiles
from tinhso.indicators.models import (
    ActionTask,
    AlertSubscription,
    SchemeTarget,
    SectorPanel,
    SectorUpload,
    SectorValue,
    TargetValue,
    TaskReport,
    TaskStatus,
)
from tinhso.units.models import AdministrativeUnit
from tinhso.uploads import UploadRejected, check_upload


class NotAllowed(Exception):
    """The user may not make this change (the view answers 403)."""


class InvalidInput(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def record_target_value(
    *,
    user: User,
    target: SchemeTarget,
    as_of: datetime.date,
    value: Decimal,
    document: UploadedFile,
    note: str = "",
) -> TargetValue:
    """An actual value of a target entered by its responsible department, with the source PDF."""
    if not access.can_edit_for(user, target.agency):
        raise NotAllowed
    if target.computed:
        raise InvalidInput([_("Giá trị của chỉ tiêu này do nền tảng tự tính.")])
    if value < 0:
        raise InvalidInput([_("Giá trị không được âm.")])
    try:
        checked = check_upload(document, "document")
    except UploadRejected as exc:
        raise InvalidInput([exc.message]) from None
    if checked.content_type != "application/pdf":
        raise InvalidInput([_("Văn bản nguồn phải là tệp PDF.")])
    with transaction.atomic():
        entry = TargetValue(
            target=target,
            as_of=as_of,
            value=value,
            document_name=checked.name,
            note=note,
            entered_by=user,
        )
        entry.document.save(checked.name, checked.file, save=False)
        entry.save()
    return entry


def report_task(
    *, user: User, task: ActionTask, status: str, progress: int, text: str
) -> TaskReport:
    """A progress report of the department in charge; the task takes its status and progress."""
    if not access.can_edit_for(user, task.agency):
        raise NotAllowed
    errors = []
    if status not in TaskStatus.values:
        errors.append(_("Trạng thái không hợp lệ."))
    if not 0 <= progress <= 100:
        errors.append(_("Tiến độ phải từ 0 đến 100%."))
    if status == TaskStatus.DONE and progress != 100:
        errors.append(_("Nhiệm vụ hoàn thành phải có tiến độ 100%."))
    if not text.strip():
        errors.append(_("Hãy ghi nội dung báo cáo."))
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        locked = ActionTask.objects.select_for_update().get(pk=task.pk)
        report = TaskReport.objects.create(
            task=locked, author=user, status=status, progress=progress, text=text.strip()
        )
        locked.status, locked.progress = status, progress
        locked.save(update_fields=["status", "progress"])
    return report


def upload_sector_file(
    *, user: User | None, sector: str, upload: UploadedFile, note: str = ""
) -> SectorUpload:
    """Validate an indicator file row by row and keep it as the sector's next version.

    ``user`` None is refused except through :func:`load_sector_file_as` (demo loader)."""
    panel = SectorPanel.objects.filter(sector=sector).select_related("agency").first()
    if user is None or panel is None or not access.can_edit_for(user, panel.agency):
        raise NotAllowed
    return _store_sector_file(user=user, sector=sector, upload=upload, note=note)


def _store_sector_file(*, user: User, sector: str, upload: UploadedFile, note: str) -> SectorUpload:
    from django.conf import settings

    limit = settings.TINHSO_UPLOAD_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise InvalidInput([_("Tệp vượt quá dung lượng cho phép.")])
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput([_("Tệp vượt quá dung lượng cho phép.")])
    name = upload.name or "so-lieu.csv"
    try:
        table = sectorfiles.read_table(name, data)
        codes = set(AdministrativeUnit.objects.values_list("code", flat=True))
        rows = sectorfiles.validate(sector, table, codes)
    except sectorfiles.FileRejected as exc:
        raise InvalidInput(exc.errors) from None
    extension = "xlsx" if data.startswith(b"PK\x03\x04") else "csv"
    stored_name = f"{sector}-{hashlib.sha256(data).hexdigest()[:12]}.{extension}"
    for _attempt in range(3):  # two uploads at once: the loser takes the next number
        try:
            with transaction.atomic():
                last = SectorUpload.objects.filter(sector=sector).aggregate(v=Max("version"))["v"]
                record = SectorUpload(
                    sector=sector,
                    version=(last or 0) + 1,
                    original_name=name[:200],
                    uploaded_by=user,
                    row_count=len(rows),
                    note=note,
                )
                record.file.save(stored_name, ContentFile(data), save=False)
                record.save()
                SectorValue.objects.bulk_create(
                    SectorValue(
                        upload=record,
                        line=row.line,
                        indicator=row.indicator,
                        period=row.period,
                        unit_code=row.unit_code,
                        value=row.value,
                        source=row.source,
                        is_demo=row.is_demo,
                    )
                    for row in rows
                )
            return record
        except IntegrityError:
            continue
    raise InvalidInput([_("Có người khác vừa tải lên cùng lúc; hãy thử lại.")])


def load_sector_file_as(*, user: User, sector: str, upload: UploadedFile, note: str) -> Any:
    """Demo loader and administrators' import path: validated and versioned like an upload."""
    return _store_sector_file(user=user, sector=sector, upload=upload, note=note)


def set_subscription(*, user: User, subscribed: bool) -> bool:
    """Subscribe or unsubscribe a leader to the alert e-mails; returns the new state."""
    if not access.can_view(user):
        raise NotAllowed
    if subscribed:
        AlertSubscription.objects.get_or_create(user=user)
    else:
        AlertSubscription.objects.filter(user=user).delete()
    return subscribed
