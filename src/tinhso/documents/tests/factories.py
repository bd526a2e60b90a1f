"""Small ORM factories for the documents tests: one agency pair, one procedure, one dossier."""

import datetime
import itertools
from decimal import Decimal
from typing import Any

from tinhso.accounts.models import User
from tinhso.agencies.models import Agency
from tinhso.dossiers.models import Channel, Dossier, HistoryEntry, Status
from tinhso.procedures.models import Field, Procedure, ProcedureVersion, RequiredDocument

VN = datetime.timezone(datetime.timedelta(hours=7))
CODE = "000.00.01.H61-251125-0001"
_counter = itertools.count(1)


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime.datetime:
    """A moment in November 2025, Asia/Ho_Chi_Minh."""
    return datetime.datetime(2025, month, day, hour, minute, tzinfo=VN)


def agency(**overrides: Any) -> Agency:
    n = next(_counter)
    values = {
        "code": f"000.00.{n:02d}.H61",
        "slug": f"agency-{n}",
        "name": f"Cơ quan {n}",
        "kind": Agency.Kind.DEPARTMENT,
        "phone": "0270 3822 000",
    }
    return Agency.objects.create(**(values | overrides))


def user(**overrides: Any) -> User:
    n = next(_counter)
    values = {"username": f"user{n}", "full_name": f"Người dùng {n}", "kind": User.Kind.OFFICIAL}
    return User.objects.create(**(values | overrides))


def procedure_version(**overrides: Any) -> ProcedureVersion:
    n = next(_counter)
    field, _ = Field.objects.get_or_create(code="TP", defaults={"name": "Tư pháp"})
    procedure = Procedure.objects.create(code=f"1.00{n:04d}")
    values = {
        "procedure": procedure,
        "version": 1,
        "effective_from": datetime.date(2025, 7, 1),
        "name": "Đăng ký khai sinh",
        "field": field,
        "level": ProcedureVersion.Level.COMMUNE,
        "mode": ProcedureVersion.Mode.FULL_ONLINE,
        "processing_days": Decimal("3"),
        "processing_days_online": Decimal("2.5"),
        "legal_basis": "Luật Hộ tịch số 60/2014/QH13",
    }
    version = ProcedureVersion.objects.create(**(values | overrides))
    RequiredDocument.objects.create(
        version=version, position=1, code="TK", name="Tờ khai đăng ký khai sinh", original=True
    )
    RequiredDocument.objects.create(
        version=version, position=2, code="GCS", name="Giấy chứng sinh", original=False, quantity=2
    )
    return version


def dossier(**overrides: Any) -> Dossier:
    competent = overrides.pop("agency", None) or agency(
        name="Ủy ban nhân dân xã Phú Túc", kind=Agency.Kind.COMMUNE_COMMITTEE
    )
    receiving = overrides.pop("receiving_agency", None) or agency(
        name="Trung tâm Phục vụ hành chính công xã Phú Túc", kind=Agency.Kind.ONE_STOP_CENTRE
    )
    filer = overrides.pop("filed_by", None) or user(
        kind=User.Kind.CITIZEN, full_name="Nguyễn Thị Hồng Nhung"
    )
    values = {
        "code": CODE,
        "procedure_version": overrides.pop("procedure_version", None) or procedure_version(),
        "agency": competent,
        "receiving_agency": receiving,
        "applicant": filer,
        "filed_by": filer,
        "channel": Channel.COUNTER,
        "status": Status.RECEIVED,
        "applicant_name": "Nguyễn Thị Hồng Nhung",
        "applicant_phone": "0912345678",
        "applicant_email": "nhung@example.vn",
        "applicant_address": "Ấp Phú Hòa, xã Phú Túc, tỉnh Vĩnh Long",
        "submitted_at": at(25, 8, 50),
        "received_at": at(25, 9, 5),
        "due_at": at(28, 9, 5),
        "original_due_at": at(28, 9, 5),
    }
    return Dossier.objects.create(**(values | overrides))


def history(
    dossier: Dossier, action: str, *, at: datetime.datetime, **overrides: Any
) -> HistoryEntry:
    dossier.history_seq += 1
    dossier.save(update_fields=["history_seq"])
    values = {
        "dossier": dossier,
        "seq": dossier.history_seq,
        "action": action,
        "from_status": Status.SUBMITTED,
        "to_status": dossier.status,
        "actor_role": "clerk",
        "agency": dossier.agency,
        "at": at,
    }
    return HistoryEntry.objects.create(**(values | overrides))
