"""A dossier as the national portal reads it (spec §2.2–2.4): every field mapping in one place.

``dossier_message`` builds the ``DongBoHoSoMC`` object — always the whole current dossier
(R-NAT-022), the union of the OpenCPS and Thanh Hóa field sets (R-NAT-023), every scalar a
string (R-NAT-002), every date ``yyyyMMddHHmmss`` in Asia/Ho_Chi_Minh or "" (R-NAT-001), every
list present, empty or not. ``progress_steps`` builds the ``CapNhatTienDoHoSoMC`` entries from
the dossier's own history, in time order (R-NAT-027, R-NAT-028).

Code lists the national documents were not read for are module constants marked UNCONFIRMED:
change them here, and only here, when the province receives the connection document.
"""

import datetime
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch

from tinhso.accounts.models import User
from tinhso.agencies.models import Agency
from tinhso.dossiers.models import Attachment, Dossier, HistoryEntry, Status
from tinhso.dossiers.workflow import action_label
from tinhso.integrations.national import links
from tinhso.integrations.national.statuses import national_code
from tinhso.integrations.population.models import PopulationLookup
from tinhso.integrations.sso.services import vneid_verified
from tinhso.results.models import ResultDocument

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DOSSIER_CODE = re.compile(r"^([A-Z0-9.]+)-(\d{6})-\d{4,}$")  # R-NAT-103

# UNCONFIRMED (spec §2.2): meaning of NoiNopHoSo; Thanh Hóa always sends "2".
NOI_NOP_HO_SO = "2"
# UNCONFIRMED (spec §2.2, R-NAT-057): TaiKhoanDuocXacThucVoiVNeID is "1" when the filing account's
# last sign-in through the national portal was VNeID level ≥ 2 (which loAs/acr values mean that is a
# setting, TINHSO_DVCQG_SSO_VNEID_LEVEL2_VALUES); "0" otherwise (password, VNeID OIDC, counter).
VNEID_VERIFIED, VNEID_NOT_VERIFIED = "1", "0"


def vneid_verified_flag(dossier: Dossier) -> str:
    return VNEID_VERIFIED if vneid_verified(dossier.filed_by_id) else VNEID_NOT_VERIFIED


# UNCONFIRMED (spec §2.2): LoaiDoiTuong 1 citizen, 2 enterprise (3 state agency, 4 other org.).
LOAI_DOI_TUONG: dict[str, str] = {User.Kind.CITIZEN: "1", User.Kind.BUSINESS: "2"}
LOAI_DOI_TUONG_DEFAULT = "1"
# UNCONFIRMED (spec §2.2): DinhDanhCHS.LoaiDinhDanh 1 = 12-digit personal ID, 2 = 9-digit old ID.
LOAI_DINH_DANH = {12: "1", 9: "2"}
# UNCONFIRMED (spec §2.2): DuocThanhToanTrucTuyen 1 paid online, 3 fee due not paid online, 0 none.
PAID_ONLINE, FEE_NOT_ONLINE, NO_FEE = "1", "3", "0"
# UNCONFIRMED (spec §2.3): the code lists of MaPhiLePhi, HinhThucThu and LoaiPhiLePhi; Thanh Hóa
# hard-codes "1" for all three.
MA_PHI_LE_PHI = "1"
HINH_THUC_THU = "1"
LOAI_PHI_LE_PHI = "1"
# Spec §2.3 (BTXH mapping): DuocTaiSuDung 2 = reused and replaced by a prior result (MaKetQuaThayThe).
DUOC_TAI_SU_DUNG_THAY_THE = "2"
# UNCONFIRMED (spec §2.2, 4.5b, R-NAT-082): the MaCSDL code list. A dossier whose applicant was
# found in the population database (a lookup linked to it) lists that database in DSKetNoiCSDL
# under TINHSO_DVCQG_POPULATION_DB_CODE (default "7", what Thanh Hóa sends).
# UNCONFIRMED (spec §2.2): HinhThuc 0 at the counter or online, 1 by post.
HINH_THUC_POSTAL, HINH_THUC_OTHER = "1", "0"
SUMMARY_LIMIT = 1000  # TrichYeuHoSo ≤ 1000 characters
OFFICIAL_NAME_LIMIT = 50  # NguoiXuLy ≤ 50 characters
APPLICANT_LABEL = "Người nộp hồ sơ"
SYSTEM_LABEL = "Hệ thống"
ROLE_TITLES = {
    "clerk": "Cán bộ tiếp nhận",
    "specialist": "Chuyên viên",
    "leader": "Lãnh đạo",
    "applicant": "Người nộp hồ sơ",
}


class InvalidDossierCode(ValueError):
    """The dossier code fails R-NAT-103: a mapping problem officials must fix, never retried."""


def wire_time(moment: datetime.datetime | None) -> str:
    """R-NAT-001: 14 digits, local time of Asia/Ho_Chi_Minh, no zone; "" for no value."""
    if moment is None:
        return ""
    return moment.astimezone(TZ).strftime("%Y%m%d%H%M%S")


def flag(value: bool) -> str:
    return "1" if value else "0"


def true_false(value: bool) -> str:
    return "True" if value else "False"


# The issuer name of codes the national portal gave (``Dossier.other_code_issuer``).
NATIONAL_ISSUER = "dvcqg"


def ma_ho_so(dossier: Dossier) -> str:
    """The dossier's code as the national portal knows it: the national code of a dossier filed
    there (R-NAT-051, R-NAT-101), else ours."""
    if dossier.other_code and dossier.other_code_issuer == NATIONAL_ISSUER:
        return dossier.other_code
    return dossier.code or ""


def check_code(dossier: Dossier) -> str:
    """The code sent as MaHoSo, checked (R-NAT-103): the pattern, the date part equal to the
    submission or receipt date (for a national code, the submission's: the date it was issued),
    the prefix a unit e-ID of the agency register."""
    code = ma_ho_so(dossier)
    national = code != (dossier.code or "")
    match = DOSSIER_CODE.match(code)
    if match is None:
        raise InvalidDossierCode(f"Mã hồ sơ “{code}” không đúng định dạng quốc gia")
    prefix, day = match.groups()
    moments = (dossier.submitted_at,) if national else (dossier.submitted_at, dossier.received_at)
    days = {wire_time(m)[2:8] for m in moments if m}
    if day not in days:
        raise InvalidDossierCode(f"Ngày trong mã hồ sơ “{code}” không khớp ngày nộp, tiếp nhận")
    if not Agency.objects.filter(code=prefix).exists():
        raise InvalidDossierCode(f"Tiền tố “{prefix}” của mã hồ sơ không phải mã định danh cơ quan")
    return code


def load(dossier_id: int) -> Dossier:
    """The dossier with everything the message reads, in a fixed number of queries."""
    return (
        Dossier.objects.select_related(
            "procedure_version__procedure",
            "procedure_version__field",
            "agency",
            "applicant",
        )
        .prefetch_related(
            Prefetch(
                "attachments",
                # the national-store origin of a reused paper (its flags, §2.3), in the same query
                queryset=Attachment.objects.select_related("reused_from__national_copy").order_by(
                    "uploaded_at", "pk"
                ),
            ),
            Prefetch(
                "history",
                queryset=HistoryEntry.objects.select_related("actor", "agency").order_by("seq"),
            ),
            "procedure_version__documents",
            Prefetch(
                "population_lookups",
                queryset=PopulationLookup.objects.filter(outcome=PopulationLookup.Outcome.FOUND),
                to_attr="found_lookups",
            ),
        )
        .get(pk=dossier_id)
    )


# --- the dossier object (§2.2) ------------------------------------------------------------------


def dossier_message(dossier: Dossier) -> dict[str, Any]:
    """The ``DongBoHoSoMC`` object of ``dossier`` (pass one from ``load``)."""
    version = dossier.procedure_version
    attachments = list(dossier.attachments.all())
    history = list(dossier.history.all())
    result = _signed_result(dossier)
    return {
        "MaHoSo": check_code(dossier),
        "MaTTHC": version.procedure.code,
        "TenTTHC": version.name,
        "MaLinhVuc": version.field.code,
        "TenLinhVuc": version.field.name,
        "KenhThucHien": str(dossier.channel),
        "SoBienNhan": "",
        "ChuHoSo": dossier.applicant_name,
        "SoGiayToChuHoSo": dossier.applicant_id_number,
        "LoaiDoiTuong": _subject_kind(dossier),
        "MaDoiTuong": "",  # the filer's DVCQG TechID: no link to DVCQG accounts yet
        "ThongTinKhac": "",
        "Fax": "",
        "Email": dossier.applicant_email,
        "SoDienThoai": dossier.applicant_phone,
        "TrichYeuHoSo": _summary(version.name),
        "NgayNopHoSo": wire_time(dossier.submitted_at),
        "NgayTiepNhan": wire_time(dossier.received_at),
        "NgayHenTra": wire_time(dossier.due_at),
        "TrangThaiHoSo": str(national_code(dossier.status)),
        "NgayTuChoi": wire_time(dossier.closed_at if dossier.status == Status.REFUSED else None),
        "NgayKetThucXuLy": wire_time(dossier.completed_at),
        "NgayTra": wire_time(dossier.returned_at),
        "ThongTinTra": "",
        "HinhThuc": HINH_THUC_POSTAL if dossier.return_method == "postal" else HINH_THUC_OTHER,
        "DonViXuLy": dossier.agency.name,
        "NoiNopHoSo": NOI_NOP_HO_SO,
        "HoSoCoThanhPhanSoHoa": flag(any(a.digitised for a in attachments)),
        "TaiKhoanDuocXacThucVoiVNeID": vneid_verified_flag(dossier),
        "DuocThanhToanTrucTuyen": _online_payment(dossier),
        "GhiChu": "",
        "DinhDanhCHS": _identifiers(dossier.applicant_id_number),
        "DSKetNoiCSDL": _databases(dossier),
        "TaiLieuNop": [_paper(a) for a in attachments],
        "DanhSachLePhi": _fees(dossier),
        "DanhSachTepDinhKemKhac": [],
        "DanhSachHoSoBoSung": _supplements(history, attachments),
        "DanhSachGiayToKetQua": [_result(dossier, result)] if result is not None else [],
    }


def _databases(dossier: Dossier) -> list[dict[str, str]]:
    """``DSKetNoiCSDL``: the national databases this dossier used (R-NAT-082): the population
    database when a lookup linked to the dossier found the applicant (``load`` prefetches them)."""
    found = getattr(dossier, "found_lookups", None)
    if found is None:
        found = list(dossier.population_lookups.filter(outcome=PopulationLookup.Outcome.FOUND))
    if not found:
        return []
    return [{"MaCSDL": settings.TINHSO_DVCQG_POPULATION_DB_CODE}]


def _subject_kind(dossier: Dossier) -> str:
    if dossier.applicant is None:
        return LOAI_DOI_TUONG_DEFAULT
    return LOAI_DOI_TUONG.get(dossier.applicant.kind, LOAI_DOI_TUONG_DEFAULT)


def _summary(text: str) -> str:
    text = text.strip() or "Dinhkem"
    return text if len(text) <= SUMMARY_LIMIT else text[: SUMMARY_LIMIT - 5] + "..."


def _online_payment(dossier: Dossier) -> str:
    if dossier.fee_amount <= 0:
        return NO_FEE
    return PAID_ONLINE if dossier.paid_online else FEE_NOT_ONLINE


def _identifiers(number: str) -> list[dict[str, str]]:
    kind = LOAI_DINH_DANH.get(len(number)) if number.isdigit() else None
    return [{"LoaiDinhDanh": kind, "SoDinhDanh": number}] if kind else []


def _paper(attachment: Attachment) -> dict[str, str]:
    """A ``TaiLieuNop`` entry (§2.3): a paper from the citizen's store on Tỉnh Số counts as reused
    (4.3); one taken from the citizen's store on the national portal (``datastore.reuse``) is also
    "taken from Kho DMQG" (4.4) and a prior result that stands for the component: ``DuocTaiSuDung``
    2 with its result code in ``MaKetQuaThayThe`` (R-NAT-070), 1 when the store gave no code."""
    reused = attachment.reused_from_id is not None
    national = getattr(attachment.reused_from, "national_copy", None) if reused else None
    replaced_by = national.result_code if national is not None else ""
    return {
        "TepDinhKemId": str(attachment.pk),
        "TenTepDinhKem": attachment.original_name[:4000],
        "IsDeleted": "False",
        "MaThanhPhanHoSo": attachment.document_code,
        "DuongDanTaiTepTin": links.attachment_link(attachment),
        "DuocSoHoa": flag(attachment.digitised),
        "DuocTaiSuDung": DUOC_TAI_SU_DUNG_THAY_THE if replaced_by else flag(reused),
        "DuocLayTuKhoDMQG": flag(national is not None),
        "MaKetQuaThayThe": replaced_by,
    }


def _fees(dossier: Dossier) -> list[dict[str, str]]:
    if dossier.fee_amount <= 0:
        return []
    return [
        {
            "TenPhiLePhi": f"Phí, lệ phí {dossier.procedure_version.name}"[:400],
            "MaPhiLePhi": MA_PHI_LE_PHI,
            "HinhThucThu": HINH_THUC_THU,
            "Gia": str(dossier.fee_amount),
            "LoaiPhiLePhi": LOAI_PHI_LE_PHI,
        }
    ]


def _supplements(
    history: list[HistoryEntry], attachments: list[Attachment]
) -> list[dict[str, Any]]:
    """``DanhSachHoSoBoSung`` (§2.3, R-NAT-024): one round per supplement request — closed by the
    supplement that came, with the papers uploaded in between and the appointment before and
    after — and one entry per apology letter's re-appointment, which the 766 timeliness needs."""
    rounds: list[dict[str, Any]] = []
    open_round: tuple[HistoryEntry, dict[str, Any]] | None = None
    for entry in history:
        if entry.action == "request_supplement":
            items = entry.details.get("items") or []
            row = _round(entry, "; ".join(str(i) for i in items) or entry.comment)
            rounds.append(row)
            open_round = (entry, row)
        elif entry.action == "supplement" and open_round is not None:
            requested, row = open_round
            brought = [a for a in attachments if requested.at <= a.uploaded_at <= entry.at]
            row |= {
                "NguoiTiepNhanBoSung": _person(entry),
                "ThongTinTiepNhan": action_label(entry.action),
                "NgayTiepNhanBoSung": wire_time(entry.at),
                "TrangThaiBoSung": "True",
                "DanhSachGiayToBoSung": [_paper(a) for a in brought],
                "NgayHenTraTruoc": _iso_wire(entry.details.get("previous_due_at")),
                "NgayHenTraMoi": _iso_wire(entry.details.get("due_at")),
            }
            open_round = None
        elif entry.action == "apologize":
            number = entry.details.get("number", "")
            row = _round(entry, f"Xin lỗi và hẹn lại, văn bản số {number}".strip())
            row |= {
                "NgayHenTraTruoc": _iso_wire(entry.details.get("previous_due_at")),
                "NgayHenTraMoi": _iso_wire(entry.details.get("new_due_at")),
            }
            rounds.append(row)
    return rounds


def _round(entry: HistoryEntry, content: str) -> dict[str, Any]:
    return {
        "HoSoBoSungId": str(entry.seq),
        "NguoiYeuCauBoSung": _person(entry),
        "NoiDungBoSung": content,
        "NgayBoSung": wire_time(entry.at),
        "NguoiTiepNhanBoSung": "",
        "ThongTinTiepNhan": "",
        "NgayTiepNhanBoSung": "",
        "TrangThaiBoSung": "False",
        "DanhSachGiayToBoSung": [],
        "DanhSachLePhiBoSung": [],
        "NgayHenTraTruoc": "",
        "NgayHenTraMoi": "",
    }


def _iso_wire(value: Any) -> str:
    if not isinstance(value, str) or not value:
        return ""
    return wire_time(datetime.datetime.fromisoformat(value))


def _signed_result(dossier: Dossier) -> ResultDocument | None:
    result = ResultDocument.objects.filter(dossier=dossier, signed_at__isnull=False).first()
    return None if result is None or result.revoked else result


def _result(dossier: Dossier, result: ResultDocument) -> dict[str, str]:
    """One ``DanhSachGiayToKetQua`` entry per signed PDF (R-NAT-025). UNCONFIRMED (spec §2.3):
    MaGiayToKetQua should be the catalogue's MAKETQUA; we send our main result paper's code."""
    papers = dossier.procedure_version.result_papers or []
    main = papers[0] if papers and isinstance(papers[0], dict) else {}
    return {
        "TenGiayTo": result.title or str(main.get("name", "")) or dossier.procedure_version.name,
        "MaThanhPhanHoSo": "",
        "GiayToId": str(result.pk),
        "DuongDanTepTinKetQua": links.result_link(result),
        "MaGiayToKetQua": str(main.get("code", "")),
    }


# --- progress (§2.4) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressStep:
    """One progress entry and the history row it comes from (0: the synthetic receipt)."""

    seq: int
    entry: dict[str, str]


def progress_steps(dossier: Dossier) -> list[ProgressStep]:
    """The dossier's real steps in time order, each with the national status after it; the
    synthetic receipt entry (status 2 at ``received_at``) only when no real step reached 2
    (R-NAT-027), e.g. a dossier received straight into "awaiting payment". Drafts' rows are not
    sent."""
    history = [e for e in dossier.history.all() if e.to_status != Status.DRAFT]
    steps: list[ProgressStep] = []
    previous_at: datetime.datetime | None = None
    for entry in history:
        steps.append(ProgressStep(entry.seq, _progress(dossier, entry, previous_at)))
        previous_at = entry.at
    reached_receipt = any(e.to_status == Status.RECEIVED for e in history)
    if dossier.received_at is not None and not reached_receipt:
        steps.append(ProgressStep(0, _synthetic_receipt(dossier)))
        steps.sort(key=lambda s: (s.entry["ThoiDiemXuLy"], s.seq))
    return steps


def progress_entries(dossier: Dossier) -> list[dict[str, str]]:
    return [step.entry for step in progress_steps(dossier)]


def _progress(
    dossier: Dossier, entry: HistoryEntry, previous_at: datetime.datetime | None
) -> dict[str, str]:
    content = action_label(entry.action)
    if entry.step_name and entry.step_name not in content:
        content = f"{content} ({entry.step_name})"
    return {
        "MaHoSo": ma_ho_so(dossier),
        "NguoiXuLy": _person(entry),
        "ChucDanh": ROLE_TITLES.get(entry.actor_role, ""),
        "ThoiDiemXuLy": wire_time(entry.at),
        "PhongBanXuLy": entry.agency.name if entry.agency else "",
        "NoiDungXuLy": content,
        "TrangThai": str(national_code(entry.to_status)),
        "NgayBatDau": wire_time(previous_at or entry.at),
        # The appointment in force when the step was taken (the history keeps no per-step due).
        "NgayKetThucTheoQuyDinh": wire_time(entry.step_due_at),
    }


def _synthetic_receipt(dossier: Dossier) -> dict[str, str]:
    return {
        "MaHoSo": ma_ho_so(dossier),
        "NguoiXuLy": SYSTEM_LABEL,
        "ChucDanh": "",
        "ThoiDiemXuLy": wire_time(dossier.received_at),
        "PhongBanXuLy": "",
        "NoiDungXuLy": "Tiếp nhận hồ sơ",
        "TrangThai": str(national_code(Status.RECEIVED)),
        "NgayBatDau": wire_time(dossier.submitted_at or dossier.received_at),
        "NgayKetThucTheoQuyDinh": wire_time(dossier.original_due_at or dossier.due_at),
    }


def _person(entry: HistoryEntry) -> str:
    """Who acted: an official's name (≤ 50 characters, spec §2.4); the applicant and the system
    by their role only — the citizen's name is not repeated in every step."""
    if entry.actor is None:
        return SYSTEM_LABEL
    if entry.actor_role == "applicant" or entry.actor.kind != User.Kind.OFFICIAL:
        return APPLICANT_LABEL
    name = entry.actor.full_name or entry.actor.get_username()
    return name if len(name) <= OFFICIAL_NAME_LIMIT else name[: OFFICIAL_NAME_LIMIT - 4] + "..."
