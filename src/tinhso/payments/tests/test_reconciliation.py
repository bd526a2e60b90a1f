"""Daily reconciliation per agency and payment method, on the Asia/Ho_Chi_Minh day, with
differences flagged, and its Excel export safe from formula injection."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook

from tinhso.payments import reconciliation, services
from tinhso.payments.statements import TransferData, receive_transfer
from tinhso.payments.tests.vietqr_support import configure, filed, vietqr_payment
from tinhso.testing import make_cast

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = datetime.date(2025, 11, 25)
INJECTION = '=HYPERLINK("http://example.invalid","Bấm vào đây")'


def at(hour, minute=0, day=25):
    return datetime.datetime(2025, 11, day, hour, minute, tzinfo=TZ)


def credit(description, amount, reference, when):
    return TransferData(amount, description, reference, when)


@pytest.fixture
def world(db, settings):
    """One day at the one-stop centre: a VietQR payment matched by the bank, a counter payment
    partly refunded, a VietQR payment still pending, a VietQR payment recorded paid without any
    bank credit, an unmatched credit late in the evening and one just after midnight."""
    configure(settings)
    with time_machine.travel(at(8), tick=False):
        cast = make_cast()
    with time_machine.travel(at(9), tick=False):
        matched, _ = vietqr_payment(cast)
    with time_machine.travel(at(9, 30), tick=False):
        receive_transfer(data=credit(matched.reference, 100000, "FT1", at(9, 30)), source="webhook")
    with time_machine.travel(at(10), tick=False):
        dossier = filed(cast, cast.other_citizen)
        counter, _ = services.start_payment(user=cast.clerk, dossier=dossier, provider_id="counter")
        services.confirm_payment(
            reference=counter.reference, amount=counter.amount, source="counter", actor=cast.clerk
        )
    with time_machine.travel(at(11), tick=False):
        services.refund_payment(
            payment_id=counter.pk, amount=40000, reason="Giảm phí", actor=cast.clerk
        )
    with time_machine.travel(at(14), tick=False):
        vietqr_payment(cast)  # left pending
        unbacked, _ = vietqr_payment(cast)
        services.confirm_payment(
            reference=unbacked.reference, amount=unbacked.amount, source="manual"
        )
    with time_machine.travel(at(23, 30), tick=False):
        receive_transfer(data=credit(INJECTION, 250000, "-FT2", at(23, 30)), source="webhook")
    with time_machine.travel(at(0, 30, day=26), tick=False):
        receive_transfer(
            data=credit("sang hom sau", 70000, "FT3", at(0, 30, day=26)), source="webhook"
        )
    return cast


def row(report, provider):
    return next(r for r in report.rows if r.provider == provider)


def test_centre_report_adds_up_and_flags_differences(world):
    report = reconciliation.agency_report(world.centre, DAY)
    vietqr = row(report, "vietqr")
    assert (vietqr.started_count, vietqr.started_amount) == (3, 300000)
    assert (vietqr.paid_count, vietqr.paid_amount) == (2, 200000)
    assert (vietqr.pending_count, vietqr.pending_amount) == (1, 100000)
    assert (vietqr.bank_amount, vietqr.difference) == (100000, 100000)
    assert vietqr.flags == [
        "1 khoản VietQR (chuyển khoản ngân hàng) đã ghi nhận thu nhưng không có giao dịch ngân hàng khớp."
    ]
    counter = row(report, "counter")
    assert (counter.paid_amount, counter.refunded_amount, counter.net_amount) == (
        100000,
        40000,
        60000,
    )
    assert counter.bank_amount is None and counter.difference is None and not counter.flags
    assert (report.total.paid_amount, report.total.refunded_amount) == (300000, 40000)
    assert (report.dossier_count, report.fees_due, report.fees_paid) == (4, 400000, 300000)
    assert [t.bank_reference for t in report.open_transfers] == ["-FT2"]  # not the next day's
    assert report.flags == ["1 giao dịch ngân hàng chưa khớp hoặc sai số tiền, tổng 250.000 đồng."]


def test_department_sees_its_dossiers_but_not_the_accounts_stray_credits(world):
    report = reconciliation.agency_report(world.dept, DAY)
    assert row(report, "vietqr").paid_amount == 200000
    assert report.open_transfers == [] and report.flags == []


def test_the_day_is_the_vietnamese_day(world):
    next_day = reconciliation.agency_report(world.centre, DAY + datetime.timedelta(days=1))
    assert next_day.total.paid_amount == 0
    assert [t.bank_reference for t in next_day.open_transfers] == ["FT3"]
    start, end = reconciliation.day_bounds(DAY)
    assert start.isoformat() == "2025-11-25T00:00:00+07:00" and end - start == datetime.timedelta(
        days=1
    )


def test_a_fully_matched_day_has_no_flags(db, settings):
    configure(settings)
    with time_machine.travel(at(9), tick=False):
        cast = make_cast()
        payment, _ = vietqr_payment(cast)
        receive_transfer(data=credit(payment.reference, 100000, "FT1", at(9)), source="webhook")
    report = reconciliation.agency_report(cast.centre, DAY)
    assert report.all_flags == [] and row(report, "vietqr").difference == 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+84912345678", "'+84912345678"),
        ("-FT2", "'-FT2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("Nộp phí", "Nộp phí"),
        (-5, -5),
        (None, None),
    ],
)
def test_cell_text_neutralises_formulas(value, expected):
    assert reconciliation.cell_text(value) == expected


def test_excel_export_has_the_numbers_and_no_live_formula(world):
    content = reconciliation.workbook([reconciliation.agency_report(world.centre, DAY)], DAY)
    book = load_workbook(io.BytesIO(content))
    sheet = book["Đối soát"]
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    vietqr = next(r for r in rows if r[1] == "VietQR (chuyển khoản ngân hàng)")
    assert vietqr[:11] == [
        "Trung tâm PVHCC",
        "VietQR (chuyển khoản ngân hàng)",
        3,
        300000,
        2,
        200000,
        0,
        200000,
        100000,
        100000,
        100000,
    ]
    assert "không có giao dịch ngân hàng khớp" in vietqr[11]
    transfers = book["Giao dịch chưa khớp"]
    values = [[c.value for c in r] for r in transfers.iter_rows(min_row=2)]
    assert values == [
        [
            "Trung tâm PVHCC",
            "25/11/2025 23:30",
            "'-FT2",
            250000,
            "'" + INJECTION,
            "Chưa khớp",
            "Nội dung chuyển khoản không có mã thanh toán",
            None,
        ]
    ]
    for sheet in book.worksheets:
        for r in sheet.iter_rows():
            for cell in r:
                assert cell.data_type != "f", cell.coordinate


# --- the page and the download ------------------------------------------------------------------


def test_page_shows_the_report_and_flags(world, client):
    client.force_login(world.clerk)
    response = client.get("/backoffice/thanh-toan/doi-soat/", {"ngay": "2025-11-25"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Đối soát thu phí, lệ phí ngày 25/11/2025" in html
    assert "200.000 đồng" in html and "Chênh lệch cần kiểm tra" in html
    assert "<script>" not in html.split("</header>", 1)[1].split("<footer", 1)[0]


def test_excel_download(world, client):
    client.force_login(world.leader)
    response = client.get("/backoffice/thanh-toan/doi-soat/excel/", {"ngay": "2025-11-25"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="doi-soat-2025-11-25.xlsx"' in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    names = [r[0].value for r in book["Đối soát"].iter_rows(min_row=4)]
    assert set(names) == {"Sở Tư pháp"}  # the leader's agency only


def test_bad_date_falls_back_to_today_with_a_message(world, client):
    client.force_login(world.clerk)
    response = client.get("/backoffice/thanh-toan/doi-soat/", {"ngay": "25/11/2025"}, follow=True)
    assert response.status_code == 200 and "Ngày không hợp lệ" in response.content.decode()


@pytest.mark.parametrize("actor", ["specialist", "other_specialist", "citizen"])
def test_report_is_not_for_outsiders(world, client, actor):
    client.force_login(getattr(world, actor))
    assert client.get("/backoffice/thanh-toan/doi-soat/").status_code == 404
    assert client.get("/backoffice/thanh-toan/doi-soat/excel/").status_code == 404


def test_other_agency_may_not_pick_the_centre(world, client):
    client.force_login(world.other_clerk)
    response = client.get(
        "/backoffice/thanh-toan/doi-soat/excel/", {"ngay": "2025-11-25", "co_quan": world.centre.pk}
    )
    book = load_workbook(io.BytesIO(response.content))
    names = {r[0].value for r in book["Đối soát"].iter_rows(min_row=4)}
    assert names == {"UBND phường An Hội"}
