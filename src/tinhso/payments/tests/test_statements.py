"""Bank statements and matching: credits naming a pending VietQR payment with the right amount are
applied once; everything else lands in the accountant's queue; a malformed file imports nothing."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from tinhso.payments import services, statements
from tinhso.payments.models import BankStatement, IncomingTransfer, Payment
from tinhso.payments.statements import TransferData, receive_transfer
from tinhso.payments.tests.vietqr_support import (
    configure,
    filed,
    post_webhook,
    vietqr_payment,
    webhook_body,
)
from tinhso.testing import make_cast

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
UPLOAD = "/backoffice/thanh-toan/sao-ke/"


@pytest.fixture
def cast(db, settings):
    configure(settings)
    return make_cast()


def credit(description: str, amount: int = 100000, reference: str = "FT1") -> TransferData:
    return TransferData(
        amount, description, reference, datetime.datetime(2025, 11, 25, 9, 30, tzinfo=TZ)
    )


def csv_bytes(
    rows: list[list[str]], header=("Ngày giao dịch", "Số tiền", "Nội dung", "Mã giao dịch")
) -> bytes:
    out = io.StringIO()
    out.write(",".join(header) + "\n")
    for row in rows:
        out.write(",".join(f'"{cell}"' for cell in row) + "\n")
    return out.getvalue().encode("utf-8-sig")


# --- matching ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "note",
    [
        "{ref}",
        "CT DEN:123456 {lower} NGUYEN VAN AN",
        "MBVCB.5012.{dashed}.nop phi",
        "Nộp phí hồ sơ {spaced}",
    ],
)
def test_reference_is_found_whatever_the_bank_did_to_the_note(cast, note):
    payment, _ = vietqr_payment(cast)
    ref = payment.reference
    text = note.format(
        ref=ref, lower=ref.lower(), dashed=f"{ref[:4]}-{ref[4:]}", spaced=f"{ref[:5]} {ref[5:]}"
    )
    transfer, created = receive_transfer(data=credit(text), source="statement")
    assert created and transfer.status == "matched" and transfer.payment == payment
    payment.refresh_from_db()
    assert payment.status == "succeeded"


def test_wrong_amount_goes_to_the_queue_and_pays_nothing(cast):
    payment, _ = vietqr_payment(cast)
    transfer, _ = receive_transfer(data=credit(payment.reference, amount=10000), source="statement")
    assert (transfer.status, transfer.problem, transfer.payment) == ("mismatch", "amount", payment)
    payment.refresh_from_db()
    assert payment.status == "pending"
    assert payment.events.filter(kind="transfer_amount_mismatch").exists()
    payment.dossier.refresh_from_db()
    assert payment.dossier.paid_amount == 0


@pytest.mark.parametrize(
    ("description", "problem"),
    [("chuyen tien hoc phi", "no_reference"), ("TSABCDEFGH", "unknown_reference")],
)
def test_credits_naming_no_payment_wait_in_the_queue(cast, description, problem):
    vietqr_payment(cast)
    transfer, _ = receive_transfer(data=credit(description), source="webhook")
    assert (transfer.status, transfer.problem, transfer.payment) == ("unmatched", problem, None)


def test_second_transfer_for_a_paid_payment_is_not_applied_again(cast):
    payment, _ = vietqr_payment(cast)
    first, _ = receive_transfer(data=credit(payment.reference, reference="FT1"), source="webhook")
    second, _ = receive_transfer(data=credit(payment.reference, reference="FT2"), source="webhook")
    assert first.status == "matched"
    assert (second.status, second.problem) == ("unmatched", "already_paid")
    payment.dossier.refresh_from_db()
    assert payment.dossier.paid_amount == 100000


def test_transfer_for_a_dossier_paid_another_way_waits_for_a_refund(cast):
    payment, _ = vietqr_payment(cast)
    counter, _ = services.start_payment(
        user=cast.clerk, dossier=payment.dossier, provider_id="counter"
    )
    services.confirm_payment(reference=counter.reference, amount=counter.amount, source="counter")
    transfer, _ = receive_transfer(data=credit(payment.reference), source="webhook")
    assert (transfer.status, transfer.problem) == ("unmatched", "already_paid")
    payment.refresh_from_db()
    assert payment.status == "cancelled"  # superseded by the counter payment
    payment.dossier.refresh_from_db()
    assert payment.dossier.paid_amount == 100000


def test_counter_reference_in_a_transfer_is_not_matched(cast):
    dossier = filed(cast)
    counter, _ = services.start_payment(user=cast.clerk, dossier=dossier, provider_id="counter")
    transfer, _ = receive_transfer(data=credit(counter.reference), source="webhook")
    assert (transfer.status, transfer.problem) == ("unmatched", "wrong_method")
    assert Payment.objects.get(pk=counter.pk).status == "pending"


# --- statement files ---------------------------------------------------------------------------


def test_csv_statement_is_imported_and_matched(cast):
    paid, _ = vietqr_payment(cast)
    other, _ = vietqr_payment(cast, filed(cast, cast.other_citizen))
    content = csv_bytes(
        [
            ["25/11/2025 09:15", "100.000", f"NGUYEN VAN AN {paid.reference}", "FT001"],
            ["25/11/2025 10:00", "50000", f"TRAN THI BICH {other.reference}", "FT002"],
            ["25/11/2025 11:00", "200,000", "ung ho", "FT003"],
            ["25/11/2025 12:00", "-30.000", "phi dich vu", "FT004"],
            ["", "", "", ""],
        ]
    )
    result = statements.import_statement(user=cast.clerk, filename="saoke.csv", content=content)
    assert result.ok, result.errors
    assert [t.status for t in result.created] == ["matched", "mismatch", "unmatched"]
    assert (result.duplicates, result.skipped) == (0, 1)
    statement = BankStatement.objects.get()
    assert (statement.imported_count, statement.row_count) == (3, 4)
    assert IncomingTransfer.objects.get(bank_reference="FT001").received_at == datetime.datetime(
        2025, 11, 25, 9, 15, tzinfo=TZ
    )
    assert Payment.objects.get(pk=paid.pk).status == "succeeded"
    assert Payment.objects.get(pk=other.pk).status == "pending"


def test_importing_the_same_statement_again_changes_nothing(cast):
    payment, _ = vietqr_payment(cast)
    content = csv_bytes([["25/11/2025", "100000", payment.reference, "FT001"]])
    statements.import_statement(user=cast.clerk, filename="a.csv", content=content)
    again = statements.import_statement(user=cast.clerk, filename="a.csv", content=content)
    assert again.ok and again.created == [] and again.duplicates == 1
    assert IncomingTransfer.objects.count() == 1
    payment.dossier.refresh_from_db()
    assert payment.dossier.paid_amount == 100000


def test_credit_reported_by_webhook_then_statement_is_recorded_once(cast, client):
    payment, _ = vietqr_payment(cast)
    post_webhook(client, webhook_body("FT777", 100000, payment.reference))
    content = csv_bytes([["25/11/2025", "100000", payment.reference, "FT777"]])
    result = statements.import_statement(user=cast.clerk, filename="a.csv", content=content)
    assert result.ok and result.duplicates == 1
    assert IncomingTransfer.objects.get().source == "webhook"


def test_malformed_rows_are_reported_and_nothing_is_imported(cast):
    payment, _ = vietqr_payment(cast)
    content = csv_bytes(
        [
            ["25/11/2025", "100000", payment.reference, "FT001"],
            ["31/02/2025", "100000", "x", "FT002"],
            ["25/11/2025", "mot tram", "x", "FT003"],
            ["25/11/2025", "1.5", "x", ""],
        ]
    )
    result = statements.import_statement(user=cast.clerk, filename="a.csv", content=content)
    assert not result.ok
    assert [(e.row, e.message) for e in result.errors] == [
        (3, "Dòng 3: ngày giao dịch không hợp lệ (dd/mm/yyyy)."),
        (4, "Dòng 4: số tiền không hợp lệ (phải là số đồng nguyên)."),
        (5, "Dòng 5: số tiền không hợp lệ (phải là số đồng nguyên); thiếu mã giao dịch."),
    ]
    assert not IncomingTransfer.objects.exists() and not BankStatement.objects.exists()
    assert Payment.objects.get(pk=payment.pk).status == "pending"


def test_reference_repeated_with_another_amount_rejects_the_file(cast):
    content = csv_bytes(
        [["25/11/2025", "100000", "a", "FT001"], ["25/11/2025", "90000", "b", "FT001"]]
    )
    result = statements.import_statement(user=cast.clerk, filename="a.csv", content=content)
    assert [e.row for e in result.errors] == [3]
    assert not IncomingTransfer.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.csv", b"ngay;tien\n1;2\n", "Không tìm thấy dòng tiêu đề"),
        ("a.csv", "Ngày,Số tiền,Nội dung,Mã GD\n".encode("utf-16"), "UTF-8"),
        ("a.xlsx", b"PK\x03\x04broken", "Không đọc được tệp Excel"),
        ("a.xls", b"\xd0\xcf\x11\xe0old", ".xls"),
        ("a.csv", "Ngày,Số tiền,Nội dung,Mã GD\n".encode(), "không có giao dịch"),
    ],
)
def test_unreadable_files_are_refused_with_a_vietnamese_message(cast, name, content, message):
    result = statements.import_statement(user=cast.clerk, filename=name, content=content)
    assert not result.ok and result.errors[0].row is None
    assert message in result.errors[0].message


def test_xlsx_statement_with_a_bank_preamble_and_date_cells(cast):
    payment, _ = vietqr_payment(cast)
    book = Workbook()
    sheet = book.active
    sheet.append(["NGÂN HÀNG TMCP CÔNG THƯƠNG VIỆT NAM"])
    sheet.append(["Số tài khoản", "113366668888"])
    sheet.append([])
    sheet.append(["STT", "Ngày GD", "Mã GD", "Diễn giải", "Ghi nợ", "Ghi có (VND)"])
    sheet.append(
        [
            1,
            datetime.datetime(2025, 11, 25, 8, 5),
            912345678901,
            f"CT {payment.reference}",
            None,
            100000,
        ]
    )
    out = io.BytesIO()
    book.save(out)
    # "Ghi có (VND)" maps to the amount; "Ghi nợ" is not a known column.
    result = statements.import_statement(
        user=cast.clerk, filename="vtb.xlsx", content=out.getvalue()
    )
    assert result.ok, result.errors
    transfer = result.created[0]
    assert transfer.status == "matched" and transfer.bank_reference == "912345678901"
    assert transfer.received_at == datetime.datetime(2025, 11, 25, 8, 5, tzinfo=TZ)


# --- the accountant's pages --------------------------------------------------------------------


def test_statement_upload_page_imports_and_reports(cast, client):
    payment, _ = vietqr_payment(cast)
    client.force_login(cast.clerk)
    assert client.get(UPLOAD).status_code == 200
    content = csv_bytes([["25/11/2025", "100000", payment.reference, "FT001"]])
    response = client.post(UPLOAD, {"file": SimpleUploadedFile("saoke.csv", content)})
    assert response.status_code == 200
    assert "Đã nhập 1 giao dịch mới" in response.content.decode()
    assert Payment.objects.get(pk=payment.pk).status == "succeeded"


def test_statement_upload_page_shows_row_errors(cast, client):
    client.force_login(cast.clerk)
    content = csv_bytes([["hôm nay", "100000", "x", "FT001"]])
    response = client.post(UPLOAD, {"file": SimpleUploadedFile("saoke.csv", content)})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Tệp chưa được nhập" in html and "Dòng 2: ngày giao dịch không hợp lệ" in html


@pytest.mark.parametrize("actor", ["leader", "specialist", "other_clerk", "citizen"])
def test_only_the_account_holders_staff_import_statements(cast, client, actor):
    client.force_login(getattr(cast, actor))
    content = csv_bytes([["25/11/2025", "100000", "x", "FT001"]])
    assert client.get(UPLOAD).status_code == 404
    assert client.post(UPLOAD, {"file": SimpleUploadedFile("a.csv", content)}).status_code == 404
    assert not IncomingTransfer.objects.exists()


def open_transfer(cast, description="chuyen khoan", amount=100000, reference="FT900"):
    transfer, _ = receive_transfer(data=credit(description, amount, reference), source="webhook")
    return transfer


def test_queue_lists_open_transfers_for_the_account_holder(cast, client):
    transfer = open_transfer(cast, "tien ung ho")
    client.force_login(cast.clerk)
    html = client.get("/backoffice/thanh-toan/").content.decode()
    assert transfer.bank_reference in html and "tien ung ho" in html


def test_accountant_matches_a_transfer_to_a_dossier_by_code(cast, client):
    dossier = filed(cast)
    transfer = open_transfer(cast, "nop phi cho ong An")
    client.force_login(cast.clerk)
    response = client.post(
        f"/backoffice/thanh-toan/giao-dich/{transfer.pk}/xu-ly/",
        {"action": "match", "target": dossier.code, "note": "Người nộp gọi điện xác nhận"},
    )
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == "matched" and transfer.resolved_by == cast.clerk
    payment = transfer.payment
    assert payment.provider == "vietqr" and payment.status == "succeeded"
    assert payment.events.get(kind="succeeded").actor == cast.clerk
    dossier.refresh_from_db()
    assert dossier.paid_amount == 100000 and dossier.status == "processing"


def test_accountant_matches_a_mismatch_only_to_an_equal_amount(cast, client):
    payment, _ = vietqr_payment(cast)
    transfer = open_transfer(cast, payment.reference, amount=90000)
    assert transfer.status == "mismatch"
    client.force_login(cast.clerk)
    response = client.post(
        f"/backoffice/thanh-toan/giao-dich/{transfer.pk}/xu-ly/",
        {"action": "match", "target": payment.reference},
    )
    assert response.status_code == 400
    assert "khác số phải nộp" in response.content.decode()
    transfer.refresh_from_db()
    assert transfer.status == "mismatch"
    assert Payment.objects.get(pk=payment.pk).status == "pending"


def test_accountant_marks_a_transfer_refunded_with_a_reason(cast, client):
    transfer = open_transfer(cast)
    client.force_login(cast.clerk)
    url = f"/backoffice/thanh-toan/giao-dich/{transfer.pk}/xu-ly/"
    assert client.post(url, {"action": "refunded", "note": ""}).status_code == 400
    assert (
        client.post(url, {"action": "refunded", "note": "Đã chuyển trả ngày 26/11"}).status_code
        == 302
    )
    transfer.refresh_from_db()
    assert transfer.status == "refunded" and transfer.note == "Đã chuyển trả ngày 26/11"
    # A closed transfer cannot be matched afterwards.
    dossier = filed(cast)
    response = client.post(url, {"action": "match", "target": dossier.code})
    assert response.status_code == 400
    assert not Payment.objects.filter(dossier=dossier, status="succeeded").exists()


def test_department_leader_sees_transfers_of_its_dossiers_only(cast, client):
    payment, _ = vietqr_payment(cast)
    mine = open_transfer(cast, payment.reference, amount=1000, reference="FT1")
    stranger = open_transfer(cast, "khong ro", reference="FT2")
    client.force_login(cast.leader)
    assert client.get(f"/backoffice/thanh-toan/giao-dich/{mine.pk}/").status_code == 200
    assert client.get(f"/backoffice/thanh-toan/giao-dich/{stranger.pk}/").status_code == 404
    html = client.get("/backoffice/thanh-toan/").content.decode()
    assert "FT1" in html and "FT2" not in html


@pytest.mark.parametrize("actor", ["specialist", "other_clerk", "citizen"])
def test_outsiders_cannot_see_or_resolve_transfers(cast, client, actor):
    payment, _ = vietqr_payment(cast)
    transfer = open_transfer(cast, payment.reference, amount=1000)
    client.force_login(getattr(cast, actor))
    assert client.get(f"/backoffice/thanh-toan/giao-dich/{transfer.pk}/").status_code == 404
    response = client.post(
        f"/backoffice/thanh-toan/giao-dich/{transfer.pk}/xu-ly/",
        {"action": "ignored", "note": "x"},
    )
    assert response.status_code == 404
    transfer.refresh_from_db()
    assert transfer.status == "mismatch"


def test_anonymous_is_sent_to_login(cast, client):
    response = client.get("/backoffice/thanh-toan/")
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


# --- races ---------------------------------------------------------------------------------------


def race(target, count=4):
    import threading

    from django.db import connection

    results, errors, barrier = [], [], threading.Barrier(count)

    def run(index):
        try:
            barrier.wait()
            results.append(target(index))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_the_same_credit_reported_concurrently_is_recorded_and_applied_once(settings):
    configure(settings)
    cast = make_cast()
    payment, _ = vietqr_payment(cast)
    results = race(lambda _i: receive_transfer(data=credit(payment.reference), source="webhook")[1])
    assert sorted(results) == [False, False, False, True]
    assert IncomingTransfer.objects.count() == 1
    payment.dossier.refresh_from_db()
    assert payment.dossier.paid_amount == 100000


@pytest.mark.django_db(transaction=True)
def test_two_credits_for_one_payment_concurrently_apply_once(settings):
    configure(settings)
    cast = make_cast()
    payment, _ = vietqr_payment(cast)
    race(
        lambda i: receive_transfer(
            data=credit(payment.reference, reference=f"FT{i}"), source="webhook"
        ),
        count=2,
    )
    statuses = sorted(IncomingTransfer.objects.values_list("status", flat=True))
    assert statuses == ["matched", "unmatched"]
    payment.dossier.refresh_from_db()
    assert payment.dossier.paid_amount == 100000
