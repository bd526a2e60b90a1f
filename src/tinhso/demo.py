"""The demo province: agencies, staff and citizens for trying Tỉnh Số out.

Only ``tinhso load_demo`` calls this; production never creates these accounts. The agencies'
electronic identifier codes below are illustrative: the real codes of the Vĩnh Long
departments and communes are not published in our sources (R-CODE-8, UNCONFIRMED).

This module composes the apps' demo loaders (``<app>/demo.py``), which share their helpers
(password, accounts, units, the production guard) through ``tinhso.accounts.demo``, never
through this module.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from tinhso.accounts.demo import demo_user, enrol_demo_second_factor, ensure_demo_allowed, unit
from tinhso.accounts.models import Consent, User
from tinhso.agencies.models import Agency, Role, StaffAssignment
from tinhso.audit.demo import load as load_audit
from tinhso.calendars.official import load as load_calendar
from tinhso.datasets.demo import load as load_datasets
from tinhso.indicators.demo import load as load_indicators
from tinhso.ioc.demo import load as load_ioc
from tinhso.procedures.demo import load as load_catalogue_publication
from tinhso.reports.demo import load as load_reports
from tinhso.results.pki import init_demo_pki
from tinhso.sensors.stations import ensure_network


@dataclass(frozen=True)
class DemoAgency:
    slug: str
    code: str
    name: str
    kind: str
    unit_code: str


AGENCIES = [
    DemoAgency(
        "ttpvhcc",
        "000.00.01.H61",
        "Trung tâm Phục vụ hành chính công tỉnh Vĩnh Long",
        Agency.Kind.ONE_STOP_CENTRE,
        "86",
    ),
    DemoAgency("stp", "000.00.12.H61", "Sở Tư pháp tỉnh Vĩnh Long", Agency.Kind.DEPARTMENT, "86"),
    DemoAgency("sxd", "000.00.15.H61", "Sở Xây dựng tỉnh Vĩnh Long", Agency.Kind.DEPARTMENT, "86"),
    DemoAgency("stc", "000.00.05.H61", "Sở Tài chính tỉnh Vĩnh Long", Agency.Kind.DEPARTMENT, "86"),
    # Judicial record certificates and driving licences are the provincial police's since 2025.
    DemoAgency("cat", "000.00.02.H61", "Công an tỉnh Vĩnh Long", Agency.Kind.DEPARTMENT, "86"),
    DemoAgency(
        "phukhuong",
        "000.28756.H61",
        "UBND phường Phú Khương",
        Agency.Kind.COMMUNE_COMMITTEE,
        "28756",
    ),
    DemoAgency(
        "anhoi", "000.28777.H61", "UBND phường An Hội", Agency.Kind.COMMUNE_COMMITTEE, "28777"
    ),
    DemoAgency(
        "giaolong", "000.28807.H61", "UBND xã Giao Long", Agency.Kind.COMMUNE_COMMITTEE, "28807"
    ),
]

CITIZENS = [
    # Made-up identifiers that follow the structure (R-ID-2); never real people's numbers.
    (
        "citizen1",
        "Nguyễn Văn An",
        "083095001234",
        "0912345678",
        "28756",
        "12 Đường Đồng Khởi, phường Phú Khương",
    ),
    ("citizen2", "Trần Thị Bích", "083301004567", "0987654321", "28777", "45 Ấp 3, phường An Hội"),
]


@transaction.atomic
def load_demo() -> dict[str, int]:
    ensure_demo_allowed()
    agencies = {}
    for spec in AGENCIES:
        agency, _ = Agency.objects.update_or_create(
            slug=spec.slug,
            defaults={
                "code": spec.code,
                "name": spec.name,
                "kind": spec.kind,
                "unit": unit(spec.unit_code),
            },
        )
        agencies[spec.slug] = agency
        for role, title in (
            (Role.CLERK, "Cán bộ một cửa"),
            (Role.SPECIALIST, "Chuyên viên"),
            (Role.LEADER, "Lãnh đạo"),
        ):
            staff = demo_user(
                f"{spec.slug}.{role}",
                kind=User.Kind.OFFICIAL,
                full_name=f"{title} {spec.name.split(' tỉnh')[0]}",
                email=f"{spec.slug}.{role}@demo.tinhso",
            )
            StaffAssignment.objects.get_or_create(user=staff, agency=agency, role=role)
    for username, name, pid, phone, commune, address in CITIZENS:
        citizen = demo_user(
            username,
            kind=User.Kind.CITIZEN,
            full_name=name,
            personal_id=pid,
            phone=phone,
            commune=unit(commune),
            address=address,
            email=f"{username}@demo.tinhso",
        )
        # The demo citizens stand for people who registered on the portal, which records their
        # consent to the current notice (a new notice version sends them to the consent page).
        Consent.objects.get_or_create(
            user=citizen,
            purpose=Consent.Purpose.PUBLIC_SERVICES,
            notice_version=settings.TINHSO_PRIVACY_NOTICE_VERSION,
            defaults={"method": "demo_data"},
        )
    init_demo_pki()
    admin = demo_user(
        "admin",
        kind=User.Kind.ADMIN,
        full_name="Quản trị nền tảng",
        is_staff=True,
        is_superuser=True,
        email="admin@demo.tinhso",
    )
    return {"agencies": len(agencies), "users": User.objects.count(), "admin": admin.pk}


def load_other_apps() -> None:
    """Demo data of the apps built on the core: each loader is idempotent."""
    load_calendar()  # the official notices on days off since 2024, with their sources
    load_catalogue_publication()  # illustrative publication decisions this month (766 1.1–1.3)
    load_ioc()
    load_audit()
    load_indicators()
    load_datasets()
    ensure_network()  # the salinity stations; their synthetic readings come with --with-history
    load_reports()  # feedback categories (after the indicators' departments) and a few reports
    enrol_demo_second_factor()  # last: every demo official created above gets the shared secret
