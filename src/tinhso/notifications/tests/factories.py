"""Small builders for this app's tests (kept local; shared factories come later)."""

import datetime
import itertools
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from tinhso.accounts.models import User
from tinhso.agencies.models import Agency
from tinhso.dossiers.models import Dossier, HistoryEntry, Status
from tinhso.procedures.models import Field, Procedure, ProcedureVersion

VN = ZoneInfo("Asia/Ho_Chi_Minh")
_numbers = itertools.count(1)


def make_user(**fields: Any) -> User:
    n = next(_numbers)
    defaults: dict[str, Any] = {"username": f"user{n}", "full_name": f"Người dùng {n}"}
    defaults.update(fields)
    return User.objects.create(**defaults)


def make_agency(**fields: Any) -> Agency:
    n = next(_numbers)
    defaults: dict[str, Any] = {
        "code": f"000.00.{n:02d}.H07",
        "slug": f"agency-{n}",
        "name": "Sở Tư pháp",
        "kind": Agency.Kind.DEPARTMENT,
    }
    defaults.update(fields)
    return Agency.objects.create(**defaults)


def make_procedure_version(**fields: Any) -> ProcedureVersion:
    n = next(_numbers)
    field, _ = Field.objects.get_or_create(code="TP", defaults={"name": "Tư pháp"})
    procedure = Procedure.objects.create(code=f"1.{n:06d}")
    defaults: dict[str, Any] = {
        "procedure": procedure,
        "version": 1,
        "effective_from": datetime.date(2025, 7, 1),
        "name": "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam",
        "field": field,
        "level": ProcedureVersion.Level.PROVINCE,
        "mode": ProcedureVersion.Mode.FULL_ONLINE,
        "processing_days": Decimal("10"),
    }
    defaults.update(fields)
    return ProcedureVersion.objects.create(**defaults)


def make_dossier(**fields: Any) -> Dossier:
    n = next(_numbers)
    agency = fields.pop("agency", None) or make_agency()
    applicant = fields.pop("applicant", None) or make_user(full_name="Nguyễn Văn An")
    defaults: dict[str, Any] = {
        "code": f"{agency.code}-250612-{n:04d}",
        "procedure_version": fields.pop("procedure_version", None) or make_procedure_version(),
        "agency": agency,
        "receiving_agency": agency,
        "applicant": applicant,
        "filed_by": applicant,
        "status": Status.RECEIVED,
        "applicant_name": "Nguyễn Văn An",
        "applicant_id_number": "083095001234",
        "applicant_phone": "0912345678",
        "applicant_email": "nguyenvanan@example.vn",
        "due_at": datetime.datetime(2025, 6, 26, 8, 5, tzinfo=VN),
        "history_seq": 0,
    }
    defaults.update(fields)
    return Dossier.objects.create(**defaults)


def add_history(
    dossier: Dossier,
    *,
    action: str,
    to_status: str,
    comment: str = "",
    details: dict[str, Any] | None = None,
) -> HistoryEntry:
    dossier.history_seq += 1
    dossier.save(update_fields=["history_seq"])
    return HistoryEntry.objects.create(
        dossier=dossier,
        seq=dossier.history_seq,
        action=action,
        from_status=dossier.status,
        to_status=to_status,
        at=datetime.datetime(2025, 6, 12, 9, 30, tzinfo=VN),
        comment=comment,
        details=details or {},
    )
