"""Citizen reports and petitions (phản ánh, kiến nghị) as an open dataset, without personal data.

One row per report (issue 18), refreshed by ``tinhso publish_statistics``: its category, commune,
responsible agency, status, the dates it was received, due and answered, and whether it was
answered on time (R-NAT-091's inputs of 766 5.2/5.3, so anyone can recount them).

What is left out, on purpose: the reporter's name, phone and account, the description and the
answer (free text a citizen may have put a name or a phone number in, public report or not), the
exact position and address (the commune is enough for figures), photos. A private report keeps
its row for the counts but not its id (which would let it be looked up); rejected reports
(abusive, not a report at all) are left out, as the portal hides them.
"""

import csv
import datetime
import hashlib
import io
import zoneinfo

from django.db import transaction

from tinhso.datasets import services
from tinhso.datasets.models import Dataset, Frequency, Group, Resource
from tinhso.datasets.statistics import _organization
from tinhso.reports.models import OPEN_STATUSES, Report

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
DATASET_NAME = "phan-anh-kien-nghi"
RESOURCE_NAME = "Phản ánh, kiến nghị (không có thông tin cá nhân)"
TYPES = {
    "ma_phan_anh": "text",
    "ma_loai": "text",
    "loai": "text",
    "nhom": "text",
    "ma_xa": "text",
    "xa": "text",
    "ma_co_quan": "text",
    "co_quan": "text",
    "trang_thai": "text",
    "ngay_tiep_nhan": "date",
    "han_tra_loi": "date",
    "ngay_tra_loi": "date",
    "dung_han": "bool",
}
COLUMNS = list(TYPES)


def _day(moment: datetime.datetime | None) -> str:
    return moment.astimezone(HCM).date().isoformat() if moment is not None else ""


def _on_time(report: Report) -> str:
    """``true``/``false`` once answered (answered no later than due); empty while open."""
    if report.answered_at is None or report.status in OPEN_STATUSES:
        return ""
    return "true" if report.answered_at <= report.due_at else "false"


def compute() -> list[dict[str, str]]:
    """One row per report but rejected ones, oldest first; only the columns of ``TYPES``."""
    reports = (
        Report.objects.exclude(status=Report.Status.REJECTED)
        .select_related("category", "commune", "agency")
        .order_by("received_at", "pk")
    )
    rows = []
    for r in reports:
        rows.append(
            {
                "ma_phan_anh": "" if r.private else r.public_id,
                "ma_loai": r.category.code,
                "loai": r.category.name,
                "nhom": r.category.group,
                "ma_xa": r.commune.code if r.commune else "",
                "xa": r.commune.name if r.commune else "",
                "ma_co_quan": r.agency.code if r.agency else "",
                "co_quan": r.agency.name if r.agency else "",
                "trang_thai": str(r.get_status_display()),
                "ngay_tiep_nhan": _day(r.received_at),
                "han_tra_loi": _day(r.due_at),
                "ngay_tra_loi": _day(r.answered_at),
                "dung_han": _on_time(r),
            }
        )
    return rows


def as_csv(records: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue().encode()


def _dataset() -> Dataset:
    dataset = Dataset.objects.filter(name=DATASET_NAME).first()
    if dataset is not None:
        return dataset
    group, _created = Group.objects.get_or_create(
        name="hanh-chinh-cong", defaults={"title": "Hành chính công"}
    )
    return services.save_dataset(
        user=None,
        data=services.DatasetData(
            name=DATASET_NAME,
            title="Phản ánh, kiến nghị của người dân và kết quả xử lý",
            organization=_organization(),
            notes=(
                "Mỗi dòng là một phản ánh, kiến nghị gửi qua Tỉnh Số: loại, xã/phường, cơ quan "
                "chịu trách nhiệm, trạng thái, ngày tiếp nhận, hạn trả lời, ngày trả lời và trả "
                "lời đúng hạn hay không. Không có họ tên, số điện thoại, nội dung phản ánh, nội "
                "dung trả lời hay vị trí chính xác; phản ánh không công khai không có mã."
            ),
            license_id="cc-by-4.0",
            tags=["phản ánh kiến nghị", "hành chính công", "thống kê"],
            groups=[group],
            frequency=Frequency.DAILY,
        ),
    )


@transaction.atomic
def publish() -> tuple[Dataset, bool]:
    """Create or refresh the dataset; returns (dataset, whether a new version was stored)."""
    dataset = _dataset()
    records = compute()
    content = as_csv(records)
    resource = Resource.objects.filter(dataset=dataset, name=RESOURCE_NAME).first()
    if resource is not None and resource.hash == hashlib.sha256(content).hexdigest():
        return dataset, False
    services.add_resource(
        user=None,
        dataset=dataset,
        name=RESOURCE_NAME,
        upload=services.DataFile("phan-anh-kien-nghi.csv", content),
        resource=resource,
    )
    resource = Resource.objects.get(dataset=dataset, name=RESOURCE_NAME)
    if resource.datastore.types != TYPES:  # the first load infers; the types are fixed once
        services.set_column_types(user=None, resource=resource, types=TYPES)
    days = sorted(r["ngay_tiep_nhan"] for r in records)
    if days:
        dataset.temporal_start = datetime.date.fromisoformat(days[0])
        dataset.temporal_end = datetime.date.fromisoformat(days[-1])
        dataset.save(update_fields=["temporal_start", "temporal_end", "metadata_modified"])
    return dataset, True
