"""The dossier as the national portal reads it (spec §2.2–2.5), on dossiers brought through the
real lifecycle: filing, receipt, supplement, apology, payment request, result, return."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.base import ContentFile

from tinhso.calendars.worktime import get_calendar
from tinhso.dossiers import services
from tinhso.dossiers.models import STATUS_CODES, Dossier, Status
from tinhso.integrations.national import mapping
from tinhso.integrations.national.statuses import NATIONAL_CODES, NotSynchronised, national_code
from tinhso.results.models import ResultDocument
from tinhso.testing import PDF_BYTES, bring_supplement, file_online, make_cast

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SITE = "https://dvc.example.vn"
WIRE = re.compile(r"^(\d{14})?$")
DATE_FIELDS = (
    "NgayNopHoSo", "NgayTiepNhan", "NgayHenTra", "NgayTuChoi", "NgayKetThucXuLy", "NgayTra",
)  # fmt: skip


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TZ)


def act(user, dossier: Dossier, action: str, when: datetime.datetime, **kw) -> Dossier:
    with time_machine.travel(when, tick=False):
        return services.perform_action(
            user=user, dossier=dossier, request=services.ActionRequest(action=action, **kw)
        )


def message(dossier: Dossier) -> dict:
    return mapping.dossier_message(mapping.load(dossier.pk))


@pytest.fixture
def cast(db, settings):
    settings.TINHSO_SITE_URL = SITE
    return make_cast()


@pytest.fixture
def received(cast) -> Dossier:
    """Filed online on Tuesday 10/6/2025 at 8:00, received at the centre at 9:00."""
    with time_machine.travel(at(2025, 6, 10, 8, 0), tick=False):
        dossier = file_online(cast)
    return act(cast.clerk, dossier, "receive", at(2025, 6, 10, 9, 0))


def assert_wire_shape(value) -> None:
    """Every scalar a string (R-NAT-002), every list a list of such objects."""
    for key, item in value.items():
        if isinstance(item, list):
            for row in item:
                assert isinstance(row, dict), key
                assert_wire_shape(row)
        else:
            assert isinstance(item, str), (key, item)


def test_status_table_gives_every_state_its_own_true_code():
    assert {k: v for k, v in STATUS_CODES.items() if v is not None} == NATIONAL_CODES
    assert national_code(Status.SUPPLEMENT_REQUESTED) == 5
    assert national_code(Status.AWAITING_PAYMENT) == 6
    assert national_code(Status.STOPPED) == 8
    assert len(set(NATIONAL_CODES.values())) == 10
    with pytest.raises(NotSynchronised):
        national_code(Status.DRAFT)


def test_received_online_dossier_message(cast, received):
    m = message(received)
    assert_wire_shape(m)
    assert m["MaHoSo"] == received.code and received.code.startswith("000.00.01.H61-250610-")
    assert (m["MaTTHC"], m["MaLinhVuc"], m["TenLinhVuc"]) == ("2.000001", "hotich", "Hộ tịch")
    assert m["TenTTHC"] == "Cấp giấy khai sinh 2.000001"
    assert (m["KenhThucHien"], m["TrangThaiHoSo"], m["LoaiDoiTuong"]) == ("2", "2", "1")
    assert m["NgayNopHoSo"] == "20250610080000"
    assert m["NgayTiepNhan"] == "20250610090000"
    assert m["NgayHenTra"] == received.due_at.astimezone(TZ).strftime("%Y%m%d%H%M%S")
    assert all(WIRE.match(m[f]) for f in DATE_FIELDS)
    assert (m["NgayTuChoi"], m["NgayKetThucXuLy"], m["NgayTra"]) == ("", "", "")
    assert (m["ChuHoSo"], m["SoGiayToChuHoSo"]) == ("Nguyễn Văn An", "083095001234")
    assert m["DinhDanhCHS"] == [{"LoaiDinhDanh": "1", "SoDinhDanh": "083095001234"}]
    assert m["DonViXuLy"] == "Sở Tư pháp"
    assert m["DuocThanhToanTrucTuyen"] == "3"  # a fee is due, not paid online
    assert m["DanhSachLePhi"] == [
        {
            "TenPhiLePhi": "Phí, lệ phí Cấp giấy khai sinh 2.000001",
            "MaPhiLePhi": "1",
            "HinhThucThu": "1",
            "Gia": str(received.fee_amount),
            "LoaiPhiLePhi": "1",
        }
    ]
    assert received.fee_amount == 100000
    (paper,) = m["TaiLieuNop"]
    assert paper["MaThanhPhanHoSo"] == "TK" and paper["IsDeleted"] == "False"
    assert paper["DuongDanTaiTepTin"].startswith(f"{SITE}/lien-thong/tep/")
    assert (paper["DuocSoHoa"], paper["DuocTaiSuDung"], paper["DuocLayTuKhoDMQG"]) == ("0",) * 3
    for empty in ("DSKetNoiCSDL", "DanhSachTepDinhKemKhac", "DanhSachHoSoBoSung"):
        assert m[empty] == []
    assert m["DanhSachGiayToKetQua"] == []
    assert (m["MaDoiTuong"], m["ThongTinTra"], m["GhiChu"]) == ("", "", "")


def test_supplement_payment_apology_result_and_return(cast, received):
    d = act(
        cast.specialist, received, "request_supplement", at(2025, 6, 10, 10, 0),
        items=["Bản sao Căn cước"], comment="Thiếu căn cước",
    )  # fmt: skip
    m = message(d)
    assert m["TrangThaiHoSo"] == "5"  # sent as 5, never folded into 9 (R-NAT-030)
    (open_round,) = m["DanhSachHoSoBoSung"]
    assert open_round["NoiDungBoSung"] == "Bản sao Căn cước"
    assert open_round["NgayBoSung"] == "20250610100000"
    assert open_round["NguoiYeuCauBoSung"] == "stp.specialist"
    assert open_round["TrangThaiBoSung"] == "False" and open_round["NgayTiepNhanBoSung"] == ""

    with time_machine.travel(at(2025, 6, 11, 8, 30), tick=False):
        d = bring_supplement(cast, d)
    due_before_apology = Dossier.objects.get(pk=d.pk).due_at
    new_due = get_calendar().add_working_minutes(due_before_apology, 8 * 60)
    d = act(
        cast.leader, d, "apologize", at(2025, 6, 11, 10, 0),
        new_due_at=new_due, comment="Cần xác minh thêm",
    )  # fmt: skip
    d = act(cast.specialist, d, "request_payment", at(2025, 6, 11, 11, 0))
    assert message(d)["TrangThaiHoSo"] == "6"
    d = act(cast.clerk, d, "confirm_payment", at(2025, 6, 11, 14, 0))

    m = message(d)
    assert m["TrangThaiHoSo"] == "4"
    supplement, apology = m["DanhSachHoSoBoSung"]
    assert supplement["TrangThaiBoSung"] == "True"
    assert supplement["NgayTiepNhanBoSung"] == "20250611083000"
    assert supplement["NguoiTiepNhanBoSung"] == mapping.APPLICANT_LABEL
    (brought,) = supplement["DanhSachGiayToBoSung"]
    assert brought["MaThanhPhanHoSo"] == "CCCD"
    assert WIRE.match(supplement["NgayHenTraTruoc"]) and supplement["NgayHenTraMoi"]
    assert supplement["NgayHenTraMoi"] > supplement["NgayHenTraTruoc"]  # the pause moved it
    assert apology["NoiDungBoSung"].startswith("Xin lỗi và hẹn lại, văn bản số ")
    assert apology["NgayHenTraTruoc"] == mapping.wire_time(due_before_apology)
    assert apology["NgayHenTraMoi"] == mapping.wire_time(new_due)
    # the payment pause after the apology moved the appointment on again
    assert m["NgayHenTra"] == mapping.wire_time(Dossier.objects.get(pk=d.pk).due_at)
    assert m["NgayHenTra"] > mapping.wire_time(new_due)
    assert len(m["TaiLieuNop"]) == 2

    d = act(cast.specialist, d, "complete_step", at(2025, 6, 12, 9, 0))
    d = act(cast.leader, d, "approve", at(2025, 6, 12, 10, 0))
    d = act(cast.clerk, d, "issue_result", at(2025, 6, 12, 11, 0))
    version = d.procedure_version
    version.result_papers = [{"code": "GKS", "name": "Giấy khai sinh", "issued_by": "platform"}]
    version.save()
    result = ResultDocument(
        dossier=d, agency=d.agency, year=2025, sequence=1, number="01/2025/KQ-STP",
        title="Giấy khai sinh", sha256="ab" * 32, size=len(PDF_BYTES),
        signed_at=at(2025, 6, 12, 11, 1), signer_name="Sở Tư pháp",
    )  # fmt: skip
    result.file.save("kq.pdf", ContentFile(PDF_BYTES), save=False)
    result.save()
    m = message(d)
    assert (m["TrangThaiHoSo"], m["NgayKetThucXuLy"]) == ("9", "20250612110000")
    assert m["DanhSachGiayToKetQua"] == [
        {
            "TenGiayTo": "Giấy khai sinh",
            "MaThanhPhanHoSo": "",
            "GiayToId": str(result.pk),
            "DuongDanTepTinKetQua": m["DanhSachGiayToKetQua"][0]["DuongDanTepTinKetQua"],
            "MaGiayToKetQua": "GKS",
        }
    ]
    assert m["DanhSachGiayToKetQua"][0]["DuongDanTepTinKetQua"].startswith(f"{SITE}/lien-thong/")

    d = act(cast.clerk, d, "return_result", at(2025, 6, 12, 15, 0))
    m = message(d)
    assert (m["TrangThaiHoSo"], m["NgayTra"], m["HinhThuc"]) == ("10", "20250612150000", "0")
    assert_wire_shape(m)

    steps = mapping.progress_entries(mapping.load(d.pk))
    assert [s["TrangThai"] for s in steps] == [
        "1", "2", "5", "4", "4", "6", "4", "4", "4", "9", "10",
    ]  # fmt: skip
    times = [s["ThoiDiemXuLy"] for s in steps]
    assert times == sorted(times) and times[0] == "20250610080000"
    receipt = steps[1]
    assert receipt["NoiDungXuLy"].startswith("Tiếp nhận hồ sơ")
    assert receipt["NguoiXuLy"] == "ttpvhcc.clerk" and receipt["ChucDanh"] == "Cán bộ tiếp nhận"
    assert receipt["PhongBanXuLy"] == "Trung tâm PVHCC"
    assert receipt["NgayBatDau"] == "20250610080000"
    assert receipt["NgayKetThucTheoQuyDinh"] == mapping.wire_time(received.due_at)
    assert steps[0]["NguoiXuLy"] == mapping.APPLICANT_LABEL  # no citizen name in each step
    assert all(s["MaHoSo"] == d.code for s in steps)
    assert all(
        set(s) == set(steps[0]) and all(isinstance(v, str) for v in s.values()) for s in steps
    )


def test_synthetic_receipt_entry_only_when_no_real_step_reached_status_2(cast):
    version = cast.province_procedure
    version.requires_payment_before_processing = True
    version.save()
    with time_machine.travel(at(2025, 6, 10, 8, 0), tick=False):
        dossier = file_online(cast)
    d = act(cast.clerk, dossier, "receive", at(2025, 6, 10, 9, 0))
    assert d.status == Status.AWAITING_PAYMENT
    steps = mapping.progress_steps(mapping.load(d.pk))
    assert [(s.seq, s.entry["TrangThai"]) for s in steps] == [(1, "1"), (0, "2"), (2, "6")]
    assert steps[1].entry["ThoiDiemXuLy"] == "20250610090000"
    assert message(d)["TrangThaiHoSo"] == "6"


def test_a_code_not_in_national_format_is_refused(cast, received):
    Dossier.objects.filter(pk=received.pk).update(code="HS-2025-1")
    with pytest.raises(mapping.InvalidDossierCode):
        message(received)


def test_a_code_whose_prefix_is_no_agency_e_id_is_refused(cast, received):
    Dossier.objects.filter(pk=received.pk).update(code="000.99.99.H61-250610-0001")
    with pytest.raises(mapping.InvalidDossierCode):
        message(received)


def test_a_code_whose_date_is_neither_submission_nor_receipt_is_refused(cast, received):
    Dossier.objects.filter(pk=received.pk).update(code="000.00.01.H61-250101-0001")
    with pytest.raises(mapping.InvalidDossierCode):
        message(received)


def test_wire_time_is_local_hanoi_time():
    moment = datetime.datetime(2025, 6, 10, 1, 2, 3, tzinfo=datetime.UTC)
    assert mapping.wire_time(moment) == "20250610080203"
    assert mapping.wire_time(None) == ""


def test_a_dossier_whose_applicant_the_population_database_found_lists_it(received, cast):
    """DSKetNoiCSDL (R-NAT-082, 766 4.5b): the population database under its configured code when
    a lookup linked to the dossier found the applicant; a failed lookup lists nothing."""
    from tinhso.integrations.population.models import PopulationLookup

    def lookup(n: int, outcome: str) -> None:
        PopulationLookup.objects.create(
            request_id=f"VLG_DVC_T{n}",
            personal_id="083095001234",
            requested_by=cast.clerk,
            dossier=received,
            outcome=outcome,
        )

    assert message(received)["DSKetNoiCSDL"] == []
    lookup(1, "unavailable")
    assert message(received)["DSKetNoiCSDL"] == []
    lookup(2, "found")
    assert message(received)["DSKetNoiCSDL"] == [{"MaCSDL": "7"}]
