"""The demo province: agencies, staff and citizens for trying Tỉnh Số out.

Only ``tinhso load_demo`` calls this; production never creates these accounts. The agencies'
electronic identifier codes below are illustrative: the real codes of the Vĩnh Long
departments and communes are not published in our sources (R-CODE-8, UNCONFIRMED).
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from tinhso.accounts.models import Consent, User
from tinhso.agencies.models import Agency, Role, StaffAssignment
from tinhso.units.models import AdministrativeUnit

DEMO_PASSWORD = "tinhso-demo"
REFORM_DAY = datetime.date(2025, 7, 1)


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


def unit(code: str, day: datetime.date = REFORM_DAY) -> AdministrativeUnit:
    found = (
        AdministrativeUnit.objects.filter(code=code, valid_from__lte=day)
        .order_by("-valid_from")
        .first()
    )
    if found is None:
        raise ImproperlyConfigured(
            f"Administrative unit {code} missing: run `tinhso load_units` first"
        )
    return found


def _user(username: str, **fields: object) -> User:
    user, created = User.objects.get_or_create(username=username, defaults=fields)
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


@transaction.atomic
def load_demo() -> dict[str, int]:
    if not settings.DEBUG and not getattr(settings, "TINHSO_ALLOW_DEMO", False):
        raise ImproperlyConfigured(
            "Demo data is never loaded with production settings (TINHSO_DEBUG=false)."
        )
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
            staff = _user(
                f"{spec.slug}.{role}",
                kind=User.Kind.OFFICIAL,
                full_name=f"{title} {spec.name.split(' tỉnh')[0]}",
                email=f"{spec.slug}.{role}@demo.tinhso",
            )
            StaffAssignment.objects.get_or_create(user=staff, agency=agency, role=role)
    for username, name, pid, phone, commune, address in CITIZENS:
        citizen = _user(
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
    from tinhso.results.pki import init_demo_pki

    init_demo_pki()
    admin = _user(
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
    from tinhso.accounts.demo import enrol_demo_second_factor
    from tinhso.audit.demo import load as load_audit
    from tinhso.datasets.demo import load as load_datasets
    from tinhso.indicators.demo import load as load_indicators
    from tinhso.ioc.demo import load as load_ioc
    from tinhso.sensors.stations import ensure_network

    load_ioc()
    load_audit()
    load_indicators()
    load_datasets()
    ensure_network()  # the salinity stations; their synthetic readings come with --with-history
    enrol_demo_second_factor()  # last: every demo official created above gets the shared secret
