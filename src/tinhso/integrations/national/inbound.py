"""Dossiers filed on the national portal flowing down (spec §4.1, R-NAT-050..054; ADR 0017).

One inbox, two adapters. The national side either pushes each dossier to us
(``POST /national/inbound/dossiers``, ``inbound_views.push``) or lets us pull it
(``pull``: ``inbound/list`` → ``inbound/detail/<id>`` → import → ``inbound/ack``); whichever VPCP
prescribes is switched on by configuration. Both hand the same object to ``import_dossier``,
which files it as a local online dossier through ``dossiers.services.file_dossier`` — by the
national channel's system account, in the competent agency's inbox, with the national code kept
as ``other_code`` (R-NAT-102) — and writes an ``InboundDossier`` row in the same transaction.

Idempotency is the national code (R-NAT-051): the row is unique per (source system, code), so a
second delivery — by the other adapter, a repeated push, an item listed again after a lost
acknowledgement, or a concurrent delivery that loses the race on the unique constraint — answers
the existing dossier and creates nothing. The pull adapter acknowledges only after the commit
(R-NAT-052); a failed acknowledgement is repeated at the next pull.

What is wrong with an arriving dossier that the applicant can no longer be asked about (an e-form
failing our schema, a file the upload checks refuse) does not refuse it: the dossier is filed
"submitted" with the problems listed for the officials (R-NAT-053), the refused files not stored.
What makes a dossier impossible to place (an unknown procedure or agency, a national code that
is already another dossier's) refuses it (OpenCPS's ``error_code`` -1), and nothing is saved.
"""

import base64
import binascii
import datetime
import hashlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.models import User
from tinhso.agencies.models import Agency
from tinhso.audit.services import log_event
from tinhso.dossiers import services
from tinhso.dossiers.models import Channel, Dossier
from tinhso.integrations.models import InboundDossier
from tinhso.integrations.national.client import NationalClient
from tinhso.integrations.national.mapping import DOSSIER_CODE, NATIONAL_ISSUER
from tinhso.procedures.models import ProcedureVersion
from tinhso.procedures.selectors import competent_agencies, version_by_code
from tinhso.uploads import UploadRejected, check_upload

logger = logging.getLogger(__name__)

SOURCE = NATIONAL_ISSUER  # the source system of these dossiers, and the issuer of their codes
SYSTEM_USERNAME = "dvcqg"  # the national channel's system account: files, never signs in
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
WIRE_TIME = "%Y%m%d%H%M%S"  # R-NAT-001
CODE_LIMIT = 64  # Dossier.other_code
# Field lengths of the dossier's applicant columns: longer values are cut, not refused.
NAME_LIMIT, ID_LIMIT, PHONE_LIMIT, ADDRESS_LIMIT = 200, 14, 16, 300

Outcome = Literal["created", "duplicate", "refused", "malformed"]


@dataclass(frozen=True)
class Imported:
    """What came of one delivery: ``created`` (error_code 0), ``duplicate`` (1, the existing
    dossier), ``refused`` (-1, a business refusal) or ``malformed`` (-1, not an inbound dossier
    object at all: the push endpoint answers HTTP 400)."""

    outcome: Outcome
    national_code: str
    dossier: Dossier | None = None
    message: str = ""
    problems: tuple[str, ...] = ()

    def answer(self) -> dict[str, Any]:
        """The OpenCPS answer to a push (spec §4.1-1)."""
        if self.outcome == "created" and self.dossier is not None:
            return {"error_code": 0, "message": f"{self.national_code}|{self.dossier.code}"}
        if self.outcome == "duplicate" and self.dossier is not None:
            text = _("Hồ sơ đã tồn tại (mã %(code)s)") % {"code": self.dossier.code}
            return {"error_code": 1, "message": f"{self.national_code}|{text}"}
        return {"error_code": -1, "message": self.message}


class _Refusal(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def system_account() -> User:
    """The account that files the national channel's dossiers (created once): no usable
    password and inactive, so it can neither sign in nor act; it only stands in the dossier's
    ``filed_by`` and the history's actor, as the channel the dossier came through.

    The migration ``integrations.0003_inbound`` creates it, so that nobody registers the name
    first; an account of that name that can sign in is somebody's, and is never used: the filer
    of a dossier without an applicant account sees it on the portal."""
    user = User.objects.filter(username__iexact=SYSTEM_USERNAME).first()
    if user is not None:
        if user.is_active or user.has_usable_password():
            raise ImproperlyConfigured(
                f"The account {user.username!r} can sign in: it cannot be the national channel's "
                "system account. Rename it, then run the import again."
            )
        return user
    user = User(
        username=SYSTEM_USERNAME,
        full_name="Cổng Dịch vụ công quốc gia",
        is_active=False,
    )
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # created by a concurrent delivery
        return User.objects.get(username=SYSTEM_USERNAME)
    return user


def payload_sha256(obj: Any) -> str:
    """The hash of an inbound object, the same whichever adapter brought it."""
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# --- the import -------------------------------------------------------------------------------


def import_dossier(obj: Any, *, channel: str, remote_id: str = "") -> Imported:
    """File the inbound dossier ``obj`` (the contract's object, spec §4.1) as a local dossier,
    once per national code. Never raises for bad input: the outcome says what happened. Call it
    outside a transaction when what follows (an acknowledgement) must come after the commit."""
    code = obj.get("MaHoSo") if isinstance(obj, dict) else None
    if not isinstance(code, str) or not code.strip():
        return Imported("malformed", "", message=_("Thiếu mã hồ sơ (MaHoSo)."))
    code = code.strip()
    if len(code) > CODE_LIMIT or DOSSIER_CODE.match(code) is None:
        message = _("Mã hồ sơ “%(code)s” không đúng định dạng.") % {"code": code[:CODE_LIMIT]}
        return Imported("malformed", code[:CODE_LIMIT], message=message)
    known = _known(code)
    if known is not None:
        return Imported("duplicate", code, known)
    try:
        return _file(obj, code, channel=channel, remote_id=remote_id)
    except _Refusal as refusal:
        _audit_refusal(code, refusal.message)
        return Imported("refused", code, message=refusal.message)


def _known(code: str) -> Dossier | None:
    """The dossier already filed for national code ``code``, if any."""
    row = (
        InboundDossier.objects.filter(source_system=SOURCE, national_code=code)
        .select_related("dossier")
        .first()
    )
    if row is not None:
        return row.dossier
    return Dossier.objects.filter(other_code_issuer=SOURCE, other_code=code).first()


def _file(obj: dict[str, Any], code: str, *, channel: str, remote_id: str) -> Imported:
    _check_collision(code)
    version = version_by_code(_text(obj.get("MaTTHC")))
    if version is None:
        raise _Refusal(
            _("Không có thủ tục hành chính mã “%(code)s”.") % {"code": _text(obj.get("MaTTHC"))}
        )
    agency_code = _text(obj.get("MaCoQuan"))
    agency = Agency.objects.filter(code=agency_code, is_active=True).first()
    if agency is None:
        raise _Refusal(_("Không có cơ quan mã “%(code)s”.") % {"code": agency_code})
    if agency not in competent_agencies(version):
        raise _Refusal(
            _("Cơ quan “%(agency)s” không giải quyết thủ tục “%(procedure)s”.")
            % {"agency": agency.name, "procedure": version.procedure.code}
        )
    problems: list[str] = []
    submitted_at = _wire_time(obj.get("NgayNopHoSo"), problems)
    applicant = _applicant(obj.get("ChuHoSo"), problems)
    files = _files(obj.get("TaiLieuNop"), version, problems)
    data = obj.get("DuLieuBieuMau")
    if data is None:
        data = {}
    digest = payload_sha256(obj)

    def keep_row(dossier: Dossier) -> None:
        InboundDossier.objects.create(
            source_system=SOURCE,
            national_code=code,
            remote_id=remote_id[:64],
            channel=channel,
            payload_sha256=digest,
            dossier=dossier,
            acked_at=timezone.now() if channel == InboundDossier.Channel.PUSH else None,
            problems=list(dossier.intake_problems),
        )

    try:
        dossier, _created = services.file_dossier(
            user=system_account(),
            version=version,
            data=data,
            applicant=applicant,
            agency=agency,
            channel=Channel.ONLINE,
            files=files,
            other_code=code,
            other_code_issuer=SOURCE,
            submitted_at=submitted_at,
            intake_problems=problems,
            keep_form_errors=True,
            actor_role="applicant",
            on_filed=keep_row,
        )
    except IntegrityError:
        known = _known(code)  # a concurrent delivery of the same code won the race
        if known is not None:
            return Imported("duplicate", code, known)
        _check_collision(code)
        raise
    except services.DossierError as exc:
        raise _Refusal(exc.message) from exc
    return Imported("created", code, dossier, problems=tuple(dossier.intake_problems))


def _check_collision(code: str) -> None:
    """A national code that is already another dossier's code (ours, or another system's) is
    refused, and the refusal raised as an alert: the two numbering systems overlap (spec §10)."""
    clash = Dossier.objects.filter(code=code).values_list("pk", flat=True).first()
    if clash is None:
        clash = (
            Dossier.objects.filter(other_code=code)
            .exclude(other_code_issuer=SOURCE)
            .values_list("pk", flat=True)
            .first()
        )
    if clash is None:
        return
    logger.error("Inbound national dossier %s collides with dossier #%s", code, clash)
    log_event(
        action="national.inbound_code_collision",
        actor=None,
        target=f"dossier:{clash}",
        details={"national_code": code},
        outcome="denied",
    )
    raise _Refusal(
        _("Mã hồ sơ “%(code)s” trùng mã của một hồ sơ khác trong hệ thống.") % {"code": code}
    )


def _audit_refusal(code: str, message: str) -> None:
    log_event(
        action="national.inbound_refused",
        actor=None,
        target=f"dvcqg:{code}",
        details={"national_code": code, "reason": message[:500]},
        outcome="failure",
    )


def _text(value: Any, limit: int = 1000) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _wire_time(value: Any, problems: list[str]) -> datetime.datetime | None:
    """NgayNopHoSo (yyyyMMddHHmmss, Vietnam time); None, with a problem noted, when unreadable
    (the dossier is then taken as submitted on arrival)."""
    try:
        moment = datetime.datetime.strptime(
            _text(value) + "+0700", "%Y%m%d%H%M%S%z"
        )  # Vietnam: UTC+7
    except ValueError:
        problems.append(
            _("Ngày nộp hồ sơ trên Cổng DVCQG không đọc được; lấy thời điểm nhận hồ sơ.")
        )
        return None
    return moment.astimezone(TZ)


def _applicant(value: Any, problems: list[str]) -> services.Applicant:
    """The applicant (ChuHoSo): the citizen's own account when one holds the personal ID, so that
    they see the dossier on the portal; the contact details as the national portal sent them."""
    owner = value if isinstance(value, dict) else {}
    name = _text(owner.get("HoVaTen"), NAME_LIMIT)
    if not name:
        problems.append(_("Thiếu họ tên chủ hồ sơ."))
        name = _("Chưa rõ họ tên")
    id_number = _text(owner.get("SoDinhDanh"), ID_LIMIT)
    email = _text(owner.get("Email"), 254)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(_("Thư điện tử của chủ hồ sơ không hợp lệ."))
            email = ""
    citizen = None
    if len(id_number) == 12 and id_number.isdigit():
        citizen = User.objects.filter(
            personal_id=id_number, kind=User.Kind.CITIZEN, is_active=True
        ).first()
    return services.Applicant(
        name=name,
        id_number=id_number,
        phone=_text(owner.get("SoDienThoai"), PHONE_LIMIT),
        email=email,
        address=_text(owner.get("DiaChi"), ADDRESS_LIMIT),
        user=citizen,
    )


def _files(value: Any, version: ProcedureVersion, problems: list[str]) -> list[services.NewFile]:
    """The files (TaiLieuNop), decoded and checked as every upload is (``check_upload``): type
    from the content, size, active content, viruses. A file that fails is not stored and becomes
    an intake problem (R-NAT-053)."""
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(_("Danh sách tài liệu nộp (TaiLieuNop) không đọc được."))
        return []
    codes = {d.code for d in version.documents.all()}
    files: list[services.NewFile] = []
    for index, item in enumerate(value, start=1):
        paper = item if isinstance(item, dict) else {}
        name = _text(paper.get("TenTepDinhKem"), 200) or f"tep-{index}"
        label = _text(paper.get("TenGiayTo"), 200) or name
        document = _text(paper.get("MaGiayTo"), 40)
        if document not in codes:
            problems.append(
                _("Tệp “%(name)s” (%(label)s) không thuộc thành phần hồ sơ nào của thủ tục.")
                % {"name": name, "label": label}
            )
            continue
        try:
            upload = check_upload(SimpleUploadedFile(name, _decoded(paper.get("Base64"))))
        except UploadRejected as exc:
            problems.append(
                _("Tệp “%(name)s” (%(label)s) không được nhận: %(reason)s")
                % {"name": name, "label": label, "reason": exc.message}
            )
            continue
        files.append(services.NewFile(document, upload))
    return files


def _decoded(value: Any) -> bytes:
    text = value if isinstance(value, str) else ""
    limit = settings.TINHSO_UPLOAD_MAX_BYTES
    if len(text) > (limit + 2) // 3 * 4 + 8:  # larger than the cap once decoded: not decoded
        raise UploadRejected(
            _("Tệp vượt quá dung lượng cho phép (%(mb)s MB).")
            % {"mb": round(limit / 1024 / 1024, 1)}
        )
    try:
        content = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise UploadRejected(_("Nội dung tệp không phải base64 hợp lệ.")) from exc
    if not content:
        raise UploadRejected(_("Tệp rỗng."))
    return content


# --- the pull adapter ---------------------------------------------------------------------------


@dataclass
class PullReport:
    """What one pull did; ``summary`` is what the command and the task print."""

    listed: int = 0
    created: int = 0
    duplicates: int = 0
    refused: int = 0
    acked: int = 0
    ack_failed: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = _(
            "Nhận hồ sơ từ Cổng DVCQG: %(listed)d hồ sơ chờ, %(created)d hồ sơ mới, "
            "%(duplicates)d đã có, %(refused)d bị từ chối, %(acked)d đã báo nhận, "
            "%(ack_failed)d báo nhận chưa thành công, %(failed)d lỗi kết nối."
        ) % {
            "listed": self.listed,
            "created": self.created,
            "duplicates": self.duplicates,
            "refused": self.refused,
            "acked": self.acked,
            "ack_failed": self.ack_failed,
            "failed": self.failed,
        }
        if self.errors:
            text += " " + "; ".join(self.errors[:5])
        return text


def pull(*, limit: int, client: NationalClient | None = None) -> PullReport:
    """Fetch what waits on the national side (spec §4.1-2): list, then each item's detail,
    import, and acknowledge after the commit (R-NAT-052). An item already imported is only
    acknowledged again (its earlier acknowledgement was lost, R-NAT-051). Failures of the calls
    are reported, never raised; the client writes each call to the integration log."""
    client = client or NationalClient()
    report = PullReport()
    listing = client.gateway("GET", "inbound/list", service="inbound/list")
    if not listing.ok or not isinstance(listing.result, list):
        report.failed += 1
        report.errors.append(_call_error("inbound/list", listing))
        return report
    items = [i for i in listing.result if isinstance(i, dict)][: max(0, limit)]
    report.listed = len(items)
    for item in items:
        remote_id = str(item.get("id") or "").strip()
        code = str(item.get("maHoSo") or "").strip()
        known = _known(code) if code else None
        if known is None:
            code = _fetch_and_import(client, remote_id, code, report)
            if not code:
                continue
        else:
            report.duplicates += 1
        _ack(client, code, report)
    return report


def _fetch_and_import(client: NationalClient, remote_id: str, code: str, report: PullReport) -> str:
    """The detail of item ``remote_id`` imported; the national code to acknowledge, or "" when
    there is nothing to acknowledge (the call failed, or the dossier was refused)."""
    if not remote_id:
        report.failed += 1
        report.errors.append(_("Mục không có mã (id) trong danh sách: %(code)s") % {"code": code})
        return ""
    detail = client.gateway(
        "GET", f"inbound/detail/{quote(remote_id, safe='')}", service="inbound/detail", key=code
    )
    if not detail.ok or not isinstance(detail.result, dict):
        report.failed += 1
        report.errors.append(_call_error(f"inbound/detail/{remote_id}", detail))
        return ""
    result = import_dossier(detail.result, channel=InboundDossier.Channel.PULL, remote_id=remote_id)
    if result.outcome == "created":
        report.created += 1
    elif result.outcome == "duplicate":
        report.duplicates += 1
    else:
        report.refused += 1
        report.errors.append(result.message)
        return ""
    return result.national_code


def _ack(client: NationalClient, code: str, report: PullReport) -> None:
    reply = client.gateway(
        "PUT",
        "inbound/ack",
        service="inbound/ack",
        json_body={"maHoSo": code, "daNhan": True},
        key=code,
    )
    if not reply.ok:
        report.ack_failed += 1
        report.errors.append(_call_error("inbound/ack", reply))
        return
    report.acked += 1
    InboundDossier.objects.filter(source_system=SOURCE, national_code=code).update(
        acked_at=timezone.now()
    )


def _call_error(route: str, reply: Any) -> str:
    detail = reply.message or reply.kind
    return f"{route}: {reply.http_status or '-'} {reply.code} {str(detail)[:200]}".strip()
