"""Platform statistics published as an open dataset, refreshed by ``tinhso publish_statistics``.

Per agency (cơ quan giải quyết) and month (Asia/Ho_Chi_Minh): dossiers received, resolved
(result ready or returned), resolved early or on time, resolved late, and received online.
Taken from the operations centre's read model (the figures its pages show); ``from_dossiers``
counts the dossier table directly with the same definitions, a cross-check the tests run.
"""

import csv
import datetime
import hashlib
import io
import zoneinfo
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.db.models import Count, Min, Q
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from tinhso.agencies.models import Agency
from tinhso.datasets import services
from tinhso.datasets.models import Dataset, Frequency, Group, Organization, Resource
from tinhso.dossiers.models import Channel, Dossier, Timeliness
from tinhso.ioc.selectors import Scope, breakdown

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
DATASET_NAME = "chi-so-phuc-vu-hanh-chinh-cong"
RESOURCE_NAME = "Số liệu theo cơ quan và tháng"
COLUMNS = [
    "thang",
    "ma_co_quan",
    "co_quan",
    "tiep_nhan",
    "da_giai_quyet",
    "dung_han",
    "tre_han",
    "truc_tuyen",
]
TYPES = {
    "thang": "date",
    "ma_co_quan": "text",
    "co_quan": "text",
    "tiep_nhan": "int",
    "da_giai_quyet": "int",
    "dung_han": "int",
    "tre_han": "int",
    "truc_tuyen": "int",
}


def compute() -> list[dict[str, Any]]:
    """One row per (month, agency) with any activity, ordered by month then agency code.

    Uses the operations centre's read model (``tinhso.ioc.selectors.breakdown``), so the
    published figures are the ones the operations centre shows.
    """
    return from_ioc()


def from_ioc() -> list[dict[str, Any]]:
    first = Dossier.objects.aggregate(first=Min("received_at"))["first"]
    if first is None:
        return []
    month = first.astimezone(HCM).date().replace(day=1)
    today = timezone.localdate(timezone=HCM)
    agencies = {str(a.pk): a for a in Agency.objects.all()}
    result = []
    while month <= today:
        following = (month + datetime.timedelta(days=32)).replace(day=1)
        last = following - datetime.timedelta(days=1)
        for row in breakdown(scope=Scope(), start=month, end=last, by="agency"):
            s = row.summary
            counts = {
                "tiep_nhan": s.received,
                "da_giai_quyet": s.resolved,
                "dung_han": s.early + s.on_time,
                "tre_han": s.late,
                "truc_tuyen": s.online_received,
            }
            if any(counts.values()) and row.key in agencies:
                agency = agencies[row.key]
                result.append(
                    {"thang": month.isoformat(), "ma_co_quan": agency.code, "co_quan": agency.name}
                    | counts
                )
        month = following
    return sorted(result, key=lambda r: (r["thang"], r["ma_co_quan"]))


def from_dossiers() -> list[dict[str, Any]]:
    rows: dict[tuple[str, int], dict[str, int]] = defaultdict(lambda: dict.fromkeys(COLUMNS[3:], 0))
    received = (
        Dossier.objects.filter(received_at__isnull=False)
        .annotate(month=TruncMonth("received_at", tzinfo=HCM))
        .values("month", "agency_id")
        .annotate(n=Count("pk"), online=Count("pk", filter=Q(channel=Channel.ONLINE)))
    )
    for r in received:
        row = rows[(r["month"].date().isoformat(), r["agency_id"])]
        row["tiep_nhan"], row["truc_tuyen"] = r["n"], r["online"]
    on_time = [Timeliness.EARLY, Timeliness.ON_TIME]
    resolved = (
        Dossier.objects.annotate(done=Coalesce("completed_at", "returned_at"))
        .filter(done__isnull=False)
        .annotate(month=TruncMonth("done", tzinfo=HCM))
        .values("month", "agency_id")
        .annotate(
            n=Count("pk"),
            on_time=Count("pk", filter=Q(timeliness__in=on_time)),
            late=Count("pk", filter=Q(timeliness=Timeliness.LATE)),
        )
    )
    for r in resolved:
        row = rows[(r["month"].date().isoformat(), r["agency_id"])]
        row["da_giai_quyet"], row["dung_han"], row["tre_han"] = r["n"], r["on_time"], r["late"]
    agencies = {a.pk: a for a in Agency.objects.filter(pk__in={k[1] for k in rows})}
    result = [
        {
            "thang": month,
            "ma_co_quan": agencies[agency_id].code,
            "co_quan": agencies[agency_id].name,
            **counts,
        }
        for (month, agency_id), counts in rows.items()
    ]
    return sorted(result, key=lambda r: (r["thang"], r["ma_co_quan"]))


def as_csv(records: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue().encode()


def _organization() -> Organization:
    centre = Agency.objects.filter(kind=Agency.Kind.ONE_STOP_CENTRE).order_by("pk").first()
    if centre is not None:
        org, _created = Organization.objects.get_or_create(
            agency=centre,
            defaults={"name": f"to-chuc-{centre.slug}"[:100], "title": centre.name},
        )
        return org
    org, _created = Organization.objects.get_or_create(
        name="nen-tang-tinh-so", defaults={"title": "Nền tảng Tỉnh Số"}
    )
    return org


@transaction.atomic
def publish() -> tuple[Dataset, bool]:
    """Create or refresh the statistics dataset; returns (dataset, whether a new version was stored)."""
    dataset = Dataset.objects.filter(name=DATASET_NAME).first()
    if dataset is None:
        group, _created = Group.objects.get_or_create(
            name="hanh-chinh-cong", defaults={"title": "Hành chính công"}
        )
        dataset = services.save_dataset(
            user=None,
            data=services.DatasetData(
                name=DATASET_NAME,
                title="Chỉ số chất lượng phục vụ hành chính công theo cơ quan và tháng",
                organization=_organization(),
                notes=(
                    "Số hồ sơ tiếp nhận, đã giải quyết, giải quyết đúng hạn (kể cả trước hạn), "
                    "trễ hạn và tiếp nhận trực tuyến, theo cơ quan giải quyết và tháng (giờ Việt Nam). "
                    "Tự động tính từ hệ thống một cửa điện tử Tỉnh Số."
                ),
                license_id="cc-by-4.0",
                tags=["hành chính công", "một cửa", "thống kê"],
                groups=[group],
                frequency=Frequency.DAILY,
            ),
        )
    records = compute()
    content = as_csv(records)
    resource = Resource.objects.filter(dataset=dataset, name=RESOURCE_NAME).first()
    if resource is not None and resource.hash and resource.hash == _sha(content):
        return dataset, False
    services.add_resource(
        user=None,
        dataset=dataset,
        name=RESOURCE_NAME,
        upload=services.DataFile("chi-so-phuc-vu.csv", content),
        resource=resource,
    )
    resource = Resource.objects.get(dataset=dataset, name=RESOURCE_NAME)
    if resource.datastore.types != TYPES:  # the first load infers; the types are fixed once
        services.set_column_types(user=None, resource=resource, types=TYPES)
    dates = sorted({r["thang"] for r in records})
    if dates:
        dataset.temporal_start = datetime.date.fromisoformat(dates[0])
        dataset.temporal_end = datetime.date.fromisoformat(dates[-1])
        dataset.save(update_fields=["temporal_start", "temporal_end", "metadata_modified"])
    return dataset, True


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
