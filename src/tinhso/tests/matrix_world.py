"""The permission matrix's extra cast and objects: roles beyond ``make_cast`` and the programme,
audit and second-factor objects the pages' URLs need.

Kept here, not in ``tinhso.testing.make_cast``, because other tests count the cast's agencies.
Everything is made through the apps' own services, as a user would make it.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tinhso.accounts.models import SecondFactor, WebAuthnCredential
from tinhso.agencies.models import Agency, Role
from tinhso.audit.alerts import raise_chain_alert
from tinhso.audit.models import AuditEntry, SecurityAlert
from tinhso.indicators import services as indicator_services
from tinhso.indicators.models import ActionTask, SchemeTarget, SectorPanel, SectorUpload
from tinhso.indicators.scheme import load_targets
from tinhso.testing import make_staff, pdf_upload

# A manually entered scheme target (loaded by indicators migration 0002) and a sector panel,
# both made the responsibility of the cast's department (stp) here.
TARGET_CODE = "van-ban-cap-tinh"
SECTOR = "health"
SECTOR_CSV = b"chi_tieu,ky,don_vi,gia_tri,nguon,minh_hoa\ngiuong_benh,2024,,4250,,1\ntram_y_te_xa,2024,,138,,1\n"


def sector_csv() -> SimpleUploadedFile:
    return SimpleUploadedFile("y-te.csv", SECTOR_CSV, content_type="text/csv")


def add_actors(cast: Any) -> None:
    """Four more actors on the cast object (``client_for`` reads ``getattr(cast, actor)``):

    - ``province_leader``: leader of the provincial People's Committee (no dossiers there);
    - ``auditor``, ``security``, ``agency_admin``: auditor, security officer and agency
      administrator of a department that handles no dossier in the world.
    """
    province = cast.centre.unit
    committee = Agency.objects.create(
        code="000.00.00.H61",
        slug="ubndtinh",
        name="UBND tỉnh Vĩnh Long",
        kind=Agency.Kind.PROVINCE_COMMITTEE,
        unit=province,
    )
    science = Agency.objects.create(
        code="000.00.08.H61",
        slug="skhcn",
        name="Sở Khoa học và Công nghệ",
        kind=Agency.Kind.DEPARTMENT,
        unit=province,
    )
    cast.committee = committee
    cast.science = science
    cast.province_leader = make_staff("ubndtinh.leader", committee, Role.LEADER)
    cast.auditor = make_staff("skhcn.auditor", science, Role.AUDITOR)
    cast.security = make_staff("skhcn.security", science, Role.SECURITY)
    cast.agency_admin = make_staff("skhcn.admin", science, Role.AGENCY_ADMIN)
    cast.integration = make_staff("skhcn.integration", science, Role.INTEGRATION)
    # Not an actor: a specialist of the same department, whose authenticator the agency
    # administrator may reset (the security officer's may only be reset by a superuser).
    cast.science_specialist = make_staff("skhcn.specialist", science, Role.SPECIALIST)
    for user in (cast.security, cast.science_specialist):
        SecondFactor.objects.create(
            user=user, secret="JBSWY3DPEHPK3PXP", confirmed_at=timezone.now()
        )
    # The security officer's security key (WebAuthn): only they may remove it.
    cast.security_key = WebAuthnCredential.objects.create(
        user=cast.security,
        credential_id="bWF0cml4LWtleQ",
        public_key=b"\xa1\x01\x02",  # never used to verify anything here
        name="Khóa USB",
    )


@dataclass
class Programme:
    target: SchemeTarget
    target_value_pk: int
    task: ActionTask
    upload: SectorUpload


def make_programme(cast: Any) -> Programme:
    """The department (stp) answers for one target, one task and the health panel; its
    specialist has entered a value (with its PDF) and uploaded a health file."""
    load_targets(SchemeTarget, SectorPanel)  # a flush by an earlier transactional test removes them
    target = SchemeTarget.objects.get(code=TARGET_CODE)
    target.agency = cast.dept
    target.save(update_fields=["agency"])
    SectorPanel.objects.filter(sector=SECTOR).update(agency=cast.dept)
    value = indicator_services.record_target_value(
        user=cast.specialist,
        target=target,
        as_of=datetime.date(2025, 6, 30),
        value=Decimal("88"),
        document=pdf_upload("bao-cao.pdf"),
    )
    task = ActionTask.objects.create(
        title="Số hóa văn bản cấp tỉnh",
        target=target,
        agency=cast.dept,
        deadline=datetime.date(2025, 12, 31),
    )
    upload = indicator_services.upload_sector_file(
        user=cast.specialist, sector=SECTOR, upload=sector_csv()
    )
    return Programme(target=target, target_value_pk=value.pk, task=task, upload=upload)


@dataclass
class AuditObjects:
    entry: AuditEntry
    alert: SecurityAlert


def make_audit_objects() -> AuditObjects:
    """An entry of the log (the first: a role assignment) and an open security alert."""
    alert = raise_chain_alert(["kiểm thử ma trận quyền"])
    assert alert is not None
    return AuditObjects(entry=AuditEntry.objects.order_by("pk").first(), alert=alert)  # type: ignore[arg-type]
