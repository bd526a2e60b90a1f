"""Demo data of the programme pages (idempotent; called by ``tinhso load_demo`` after the core demo).

Facts (targets, baselines, tourism and coconut figures) keep their sources; everything else is
illustrative and labelled so: entered target values carry the note "dữ liệu minh họa (demo)" and
a PDF saying so, sector rows without a confirmed figure have ``minh_hoa=1``, the tasks and the
departments' e-ID codes are made up. Departments created here: the Departments of Science and
Technology (shared with the audit demo), Health, Education and Training, Culture-Sports-Tourism,
Agriculture and Environment, each with a ``<slug>.specialist`` and a ``<slug>.leader``.
"""

import datetime
from decimal import Decimal
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from tinhso.accounts.demo import demo_user, ensure_demo_allowed, unit
from tinhso.accounts.models import User
from tinhso.agencies.models import Agency, Role, StaffAssignment
from tinhso.documents.pdf import html_to_pdf
from tinhso.indicators import scheme, services
from tinhso.indicators.models import (
    ActionTask,
    AlertSubscription,
    IndicatorAlertRule,
    PilotUnit,
    SchemeTarget,
    SectorPanel,
    SectorUpload,
    TargetValue,
)
from tinhso.units.models import AdministrativeUnit

DEMO_DIR = Path(__file__).parent / "data" / "demo"
DEMO_NOTE = "dữ liệu minh họa (demo)"
DEPARTMENTS = [  # slug, illustrative e-ID code, name
    ("skhcn", "000.00.08.H61", "Sở Khoa học và Công nghệ tỉnh Vĩnh Long"),
    ("syt", "000.00.31.H61", "Sở Y tế tỉnh Vĩnh Long"),
    ("sgddt", "000.00.32.H61", "Sở Giáo dục và Đào tạo tỉnh Vĩnh Long"),
    ("svhttdl", "000.00.33.H61", "Sở Văn hóa, Thể thao và Du lịch tỉnh Vĩnh Long"),
    ("snnmt", "000.00.34.H61", "Sở Nông nghiệp và Môi trường tỉnh Vĩnh Long"),
]
SECTOR_AGENCY = {
    "health": "syt",
    "education": "sgddt",
    "tourism": "svhttdl",
    "agriculture": "snnmt",
}
TARGET_AGENCY = {  # demo assignment of responsibility (not from a source)
    "kinh-te-so-grdp": "stc",
    "kinh-te-so-nganh": "stc",
    "nang-suat-lao-dong": "stc",
}
# Illustrative actual values (as_of, value) for some manually entered targets.
DEMO_VALUES = {
    "van-ban-cap-tinh": [("2024-12-31", "86.5"), ("2025-06-30", "88.0")],
    "van-ban-cap-xa": [("2024-12-31", "48.0"), ("2025-06-30", "52.5")],
    "tai-khoan-thanh-toan": [("2024-12-31", "41.0")],
    "xep-hang-ict": [("2023-12-31", "34")],
}
TASKS = [  # title, target code, agency slug, deadline, status, progress, pilot unit codes
    (
        "Đưa toàn bộ thủ tục đủ điều kiện lên dịch vụ công trực tuyến toàn trình",
        "dvctt-toan-trinh",
        "skhcn",
        "2025-12-31",
        "in_progress",
        70,
        [],
    ),
    (
        "Triển khai hệ thống quản lý văn bản và hồ sơ công việc đến cấp xã",
        "van-ban-cap-xa",
        "skhcn",
        "2025-09-30",
        "in_progress",
        55,
        ["831", "835"],
    ),
    (
        "Kết nối chế độ báo cáo của các sở, ngành với hệ thống báo cáo của tỉnh",
        "che-do-bao-cao",
        "skhcn",
        "2025-06-30",
        "not_started",
        0,
        [],
    ),
    ("Số hóa hồ sơ sức khỏe điện tử cho người dân", "", "syt", "2025-12-31", "in_progress", 78, []),
    ("Cấp học bạ số cho học sinh phổ thông", "", "sgddt", "2025-08-31", "done", 100, []),
]


def _staff(slug: str, agency: Agency, role: str, title: str) -> User:
    user = demo_user(
        f"{slug}.{role}",
        kind=User.Kind.OFFICIAL,
        full_name=f"{title} {agency.name.split(' tỉnh')[0]}",
        email=f"{slug}.{role}@demo.tinhso",
    )
    StaffAssignment.objects.get_or_create(user=user, agency=agency, role=role)
    return user


def _demo_pdf() -> bytes:
    return html_to_pdf(
        "<html><body><h1>Tài liệu minh họa (demo)</h1>"
        "<p>Văn bản nguồn giả định, chỉ dùng cho bản demo của Tỉnh Số.</p></body></html>"
    )


@transaction.atomic
def load() -> None:
    ensure_demo_allowed()
    scheme.load_targets(SchemeTarget, SectorPanel)
    agencies: dict[str, Agency] = {}
    specialists: dict[str, User] = {}
    for slug, code, name in DEPARTMENTS:
        agency, _ = Agency.objects.update_or_create(
            slug=slug,
            defaults={
                "code": code,
                "name": name,
                "kind": Agency.Kind.DEPARTMENT,
                "unit": unit("86"),
            },
        )
        agencies[slug] = agency
        specialists[slug] = _staff(slug, agency, Role.SPECIALIST, "Chuyên viên")
        _staff(slug, agency, Role.LEADER, "Lãnh đạo")
    for sector, slug in SECTOR_AGENCY.items():
        SectorPanel.objects.filter(sector=sector, agency__isnull=True).update(agency=agencies[slug])
    for target in SchemeTarget.objects.filter(agency__isnull=True):
        slug = TARGET_AGENCY.get(target.code, "skhcn")
        target.agency = agencies.get(slug) or Agency.objects.filter(slug=slug).first()
        target.save(update_fields=["agency"])
    _pilots()
    _values(specialists["skhcn"])
    _tasks(agencies)
    for sector, slug in SECTOR_AGENCY.items():
        _sector_files(sector, specialists[slug])
    if not IndicatorAlertRule.objects.exists():
        kinds = IndicatorAlertRule.Kind
        IndicatorAlertRule.objects.create(kind=kinds.OVERDUE, threshold=Decimal(1))
        IndicatorAlertRule.objects.create(kind=kinds.ON_TIME_DROP, threshold=Decimal(5))
        IndicatorAlertRule.objects.create(kind=kinds.TARGET_BEHIND, threshold=Decimal(5))
    leader = User.objects.filter(username="province.leader").first()
    if leader is not None:
        AlertSubscription.objects.get_or_create(user=leader)


def _pilots() -> None:
    for spec in scheme.scheme_data()["pilots"]:
        found = (
            AdministrativeUnit.objects.filter(code=spec["unit_code"]).order_by("valid_from").first()
        )
        if found is None:
            continue
        PilotUnit.objects.update_or_create(
            unit=found,
            defaults={
                "since": datetime.date.fromisoformat(spec["since"]),
                "note": spec["note"],
                "source": "BDK24: https://amp.baodongkhoi.vn/ket-qua-thuc-hien-nhiem-vu-chuyen-doi-so-nam-2024-06122024-a139329.html",
            },
        )


def _values(user: User) -> None:
    pdf: bytes | None = None
    for code, points in DEMO_VALUES.items():
        target = SchemeTarget.objects.get(code=code)
        for as_of, value in points:
            day = datetime.date.fromisoformat(as_of)
            if TargetValue.objects.filter(target=target, as_of=day).exists():
                continue
            pdf = pdf or _demo_pdf()
            entry = TargetValue(
                target=target,
                as_of=day,
                value=Decimal(value),
                note=DEMO_NOTE,
                entered_by=user,
                document_name="tai-lieu-minh-hoa-demo.pdf",
            )
            entry.document.save(
                "tai-lieu-minh-hoa-demo.pdf", SimpleUploadedFile("d.pdf", pdf), save=False
            )
            entry.save()


def _tasks(agencies: dict[str, Agency]) -> None:
    for title, target_code, slug, deadline, status, progress, pilots in TASKS:
        task, _ = ActionTask.objects.get_or_create(
            title=title,
            defaults={
                "target": SchemeTarget.objects.filter(code=target_code).first()
                if target_code
                else None,
                "agency": agencies[slug],
                "deadline": datetime.date.fromisoformat(deadline),
                "status": status,
                "progress": progress,
            },
        )
        task.pilot_units.add(*PilotUnit.objects.filter(unit__code__in=pilots))


def _sector_files(sector: str, user: User) -> None:
    if SectorUpload.objects.filter(sector=sector).exists():
        return
    data = (DEMO_DIR / f"{sector}.csv").read_bytes()
    services.load_sector_file_as(
        user=user,
        sector=sector,
        upload=SimpleUploadedFile(f"{sector}.csv", data),
        note="Tệp demo: số liệu có nguồn ghi ở cột nguồn; dòng minh họa được đánh dấu.",
    )
    if sector == "health":  # a second version, to show the history
        extra = data + b"ho_so_suc_khoe_dt,2025-06,,84.0,,1\n"
        services.load_sector_file_as(
            user=user,
            sector=sector,
            upload=SimpleUploadedFile("health-2025.csv", extra),
            note="Bổ sung số liệu 6 tháng đầu năm 2025 (minh họa).",
        )
