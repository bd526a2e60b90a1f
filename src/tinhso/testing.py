"""A fixed cast for tests: two one-stop/competent setups, their staff, two citizens, two procedures.

Modelled on healthchecks' owner/colleague/outsider cast: permission tests become a checklist.
"""

import datetime
import io
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from tinhso.accounts.models import User
from tinhso.agencies.models import Agency, Role, StaffAssignment
from tinhso.dossiers import services
from tinhso.procedures.models import (
    Field,
    Procedure,
    ProcedureVersion,
    RequiredDocument,
    WorkflowStep,
)
from tinhso.units.models import AdministrativeUnit
from tinhso.uploads import check_upload

PDF_BYTES = (  # one blank page, with the cross-reference table a PDF reader needs
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc````\x00\x00\x00\x05\x00\x01\xa5\xf6E@\x00\x00\x00\x00IEND\xaeB`\x82"
)

FORM_SCHEMA = {
    "type": "object",
    "properties": {
        "ho_ten": {
            "type": "string",
            "title": "Họ và tên người được cấp",
            "minLength": 2,
            "maxLength": 100,
        },
        "ngay_sinh": {"type": "string", "title": "Ngày sinh", "format": "date"},
        "so_ban": {"type": "integer", "title": "Số bản", "minimum": 1, "maximum": 10},
    },
    "required": ["ho_ten", "ngay_sinh"],
}
FORM_DATA = {"ho_ten": "Nguyễn Văn An", "ngay_sinh": "1995-03-02", "so_ban": 1}


def pdf_upload(name: str = "giay-to.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def as_file(data: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, io.BytesIO(data).read())


@dataclass
class Cast:
    centre: Agency
    dept: Agency
    other_dept: Agency
    commune: Agency
    other_commune: Agency
    clerk: User  # one-stop centre clerk (receives department dossiers)
    specialist: User  # department
    leader: User  # department
    other_clerk: User
    other_specialist: User
    other_leader: User
    commune_clerk: User
    commune_specialist: User
    commune_leader: User
    citizen: User
    other_citizen: User
    province_procedure: ProcedureVersion
    commune_procedure: ProcedureVersion


def make_staff(username: str, agency: Agency, role: str) -> User:
    """An official (password ``pw``) with one assignment."""
    user = User.objects.create_user(
        username,
        password="pw",
        kind=User.Kind.OFFICIAL,
        full_name=username,
        email=f"{username}@example.vn",
    )
    StaffAssignment.objects.create(user=user, agency=agency, role=role)
    return user


def make_version(
    code: str,
    *,
    level: str,
    agencies: list[Agency],
    receiving: Agency | None = None,
    days: str = "3",
    fee: int = 0,
    fee_online: int | None = None,
    same_day: bool = False,
    prepay: bool = False,
    effective_from: datetime.date = datetime.date(2024, 1, 1),
    version: int = 1,
) -> ProcedureVersion:
    field, _ = Field.objects.get_or_create(code="hotich", defaults={"name": "Hộ tịch"})
    procedure, _ = Procedure.objects.get_or_create(code=code)
    v = ProcedureVersion.objects.create(
        procedure=procedure,
        version=version,
        effective_from=effective_from,
        name=f"Cấp giấy khai sinh {code}",
        field=field,
        level=level,
        mode="full_online",
        processing_days=Decimal(days),
        fee=fee,
        fee_online=fee_online,
        same_day=same_day,
        same_day_cutoff=datetime.time(15, 0) if same_day else None,
        requires_payment_before_processing=prepay,
        form_schema=FORM_SCHEMA,
        receiving_agency=receiving,
        default_agency=agencies[0] if agencies else None,
    )
    v.agencies.set(agencies)
    RequiredDocument.objects.create(version=v, position=1, code="TK", name="Tờ khai", original=True)
    RequiredDocument.objects.create(
        version=v, position=2, code="CCCD", name="Căn cước", required=False
    )
    for position, (name, role, action, share) in enumerate(
        [
            ("Tiếp nhận", "clerk", "receive", "0.1"),
            ("Thẩm định", "specialist", "complete_step", "0.5"),
            ("Phê duyệt", "leader", "approve", "0.2"),
            ("Trả kết quả", "clerk", "issue_result", "0.2"),
        ],
        start=1,
    ):
        WorkflowStep.objects.create(
            version=v, position=position, name=name, role=role, action=action, share=Decimal(share)
        )
    return v


def make_cast() -> Cast:
    province = AdministrativeUnit.objects.create(
        code="86",
        name="Tỉnh Vĩnh Long",
        kind="Tỉnh",
        level="province",
        valid_from=datetime.date(2025, 7, 1),
    )
    ward_a = AdministrativeUnit.objects.create(
        code="28756",
        name="Phường Phú Khương",
        kind="Phường",
        level="commune",
        parent=province,
        valid_from=datetime.date(2025, 7, 1),
    )
    ward_b = AdministrativeUnit.objects.create(
        code="28777",
        name="Phường An Hội",
        kind="Phường",
        level="commune",
        parent=province,
        valid_from=datetime.date(2025, 7, 1),
    )
    centre = Agency.objects.create(
        code="000.00.01.H61",
        slug="ttpvhcc",
        name="Trung tâm PVHCC",
        kind=Agency.Kind.ONE_STOP_CENTRE,
        unit=province,
    )
    dept = Agency.objects.create(
        code="000.00.12.H61",
        slug="stp",
        name="Sở Tư pháp",
        kind=Agency.Kind.DEPARTMENT,
        unit=province,
    )
    other = Agency.objects.create(
        code="000.00.15.H61",
        slug="sxd",
        name="Sở Xây dựng",
        kind=Agency.Kind.DEPARTMENT,
        unit=province,
    )
    commune = Agency.objects.create(
        code="000.28756.H61",
        slug="phukhuong",
        name="UBND phường Phú Khương",
        kind=Agency.Kind.COMMUNE_COMMITTEE,
        unit=ward_a,
    )
    other_commune = Agency.objects.create(
        code="000.28777.H61",
        slug="anhoi",
        name="UBND phường An Hội",
        kind=Agency.Kind.COMMUNE_COMMITTEE,
        unit=ward_b,
    )
    citizen = User.objects.create_user(
        "citizen1",
        password="pw",
        full_name="Nguyễn Văn An",
        personal_id="083095001234",
        phone="+84912345678",
        email="an@example.vn",
        address="12 Đường Đồng Khởi, phường Phú Khương",
        commune=ward_a,
    )
    other_citizen = User.objects.create_user(
        "citizen2",
        password="pw",
        full_name="Trần Thị Bích",
        phone="+84987654321",
        email="bich@example.vn",
        commune=ward_b,
    )
    for person in (citizen, other_citizen):
        give_consent(person)
    return Cast(
        centre=centre,
        dept=dept,
        other_dept=other,
        commune=commune,
        other_commune=other_commune,
        clerk=make_staff("ttpvhcc.clerk", centre, Role.CLERK),
        specialist=make_staff("stp.specialist", dept, Role.SPECIALIST),
        leader=make_staff("stp.leader", dept, Role.LEADER),
        other_clerk=make_staff("anhoi.clerk", other_commune, Role.CLERK),
        other_specialist=make_staff("sxd.specialist", other, Role.SPECIALIST),
        other_leader=make_staff("sxd.leader", other, Role.LEADER),
        commune_clerk=make_staff("phukhuong.clerk", commune, Role.CLERK),
        commune_specialist=make_staff("phukhuong.specialist", commune, Role.SPECIALIST),
        commune_leader=make_staff("phukhuong.leader", commune, Role.LEADER),
        citizen=citizen,
        other_citizen=other_citizen,
        province_procedure=make_version(
            "2.000001",
            level="province",
            agencies=[dept],
            receiving=centre,
            fee=200000,
            fee_online=100000,
        ),
        commune_procedure=make_version("1.000001", level="commune", agencies=[], days="1"),
    )


def run_in_threads(count: int, target: Callable[[int], Any]) -> list[Any]:
    """Start ``count`` threads together (a barrier) and return what each returned or raised.

    Each thread closes its own database connection; use with ``django_db(transaction=True)``.
    """
    from django.db import connection

    outcomes: list[Any] = []
    barrier = threading.Barrier(count)

    def worker(i: int) -> None:
        try:
            barrier.wait()
            outcomes.append(target(i))
        except Exception as exc:  # collected for the caller to assert on
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def give_consent(user: User) -> None:
    """What registering on the portal records: the person agreed to the current notice."""
    from django.conf import settings

    from tinhso.accounts.models import Consent

    Consent.objects.create(
        user=user,
        purpose=Consent.Purpose.PUBLIC_SERVICES,
        notice_version=settings.TINHSO_PRIVACY_NOTICE_VERSION,
        method="registration_form",
    )


def file_online(cast: Cast) -> Any:
    """The cast's citizen files the province procedure online, with its one required paper."""

    dossier, _created = services.file_dossier(
        user=cast.citizen,
        version=cast.province_procedure,
        data=FORM_DATA,
        applicant=services.Applicant.from_user(cast.citizen),
        files=[services.NewFile("TK", check_upload(pdf_upload()))],
    )
    return dossier


def bring_supplement(cast: Cast, dossier: Any) -> Any:
    """The cast's citizen brings a supplement: a scanned identity card (document ``CCCD``)."""
    return services.supplement_dossier(
        user=cast.citizen,
        dossier=dossier,
        document_code="CCCD",
        uploads=[check_upload(pdf_upload())],
    )


def record_lost_event(
    dossier: Any, history_seq: int, payload: dict[str, str], *, age_seconds: float
) -> None:
    """A "receive" dossier event recorded ``age_seconds`` ago and never dispatched: the state a
    subscriber's task lost by the broker leaves behind (for the catch-up sweeps' tests)."""
    from django.db import transaction

    from tinhso.dossiers import events
    from tinhso.dossiers.models import DossierEvent

    with transaction.atomic():
        event = events.record(
            dossier_id=dossier.pk,
            kind=DossierEvent.Kind.ACTION,
            action="receive",
            history_seq=history_seq,
            payload=payload,
        )
    DossierEvent.objects.filter(pk=event.pk).update(
        at=event.at - datetime.timedelta(seconds=age_seconds)
    )
