"""The IPN endpoint under a storm of calls, and the Return page that never changes anything."""

import datetime
import threading

import pytest
import time_machine
from django.db import connection
from django.test import Client, RequestFactory

from tinhso.dossiers import services as dossier_services
from tinhso.payments import services
from tinhso.payments.models import Payment, PaymentEvent, PaymentStatus
from tinhso.payments.providers.vnpay import protocol
from tinhso.testing import FORM_DATA, make_cast, pdf_upload
from tinhso.uploads import check_upload

IPN = "/payments/vnpay/ipn"
RETURN = "/payments/vnpay/return"


@pytest.fixture(autouse=True)
def _sandbox_dir(settings, tmp_path):
    settings.TINHSO_VNPAY_SANDBOX_DIR = tmp_path / "vnpay-sandbox"


@pytest.fixture
def cast(db):
    return make_cast()


def waiting_dossier(cast):
    """A received dossier that waits for its 100 000 đ fee before processing continues."""
    version = cast.province_procedure
    version.requires_payment_before_processing = True
    version.save()
    dossier, _ = dossier_services.file_dossier(
        user=cast.citizen,
        version=version,
        data=FORM_DATA,
        applicant=dossier_services.Applicant.from_user(cast.citizen),
        files=[dossier_services.NewFile("TK", check_upload(pdf_upload()))],
    )
    return dossier_services.perform_action(
        user=cast.clerk, dossier=dossier, request=dossier_services.ActionRequest(action="receive")
    )


def start_vnpay(cast, dossier):
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.7")
    return services.start_payment(
        user=cast.citizen, dossier=dossier, provider_id="vnpay", request=request
    )


def notice(payment, secret, *, response="00", status="00", amount=None, txn_no="14000123"):
    """Signed IPN/Return parameters for ``payment`` as VNPay would send them."""
    params = {
        "vnp_Amount": str((payment.amount if amount is None else amount) * 100),
        "vnp_BankCode": "NCB",
        "vnp_BankTranNo": "VNP" + txn_no,
        "vnp_CardType": "ATM",
        "vnp_OrderInfo": f"Thanh toan {payment.reference}",
        "vnp_PayDate": "20250115103500",
        "vnp_ResponseCode": response,
        "vnp_TmnCode": "DEMOTS01",
        "vnp_TransactionNo": txn_no,
        "vnp_TransactionStatus": status,
        "vnp_TxnRef": payment.reference,
    }
    return protocol.signed(params, secret)


def ipn(params, client=None):
    response = (client or Client()).get(IPN, params)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return response.json()["RspCode"]


@pytest.fixture
def secret(settings):
    return settings.TINHSO_VNPAY_HASH_SECRET


def test_successful_ipn_pays_the_dossier_once_and_resumes_it(cast, secret):
    dossier = waiting_dossier(cast)
    payment, _ = start_vnpay(cast, dossier)
    params = notice(payment, secret)
    assert ipn(params) == "00"
    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert payment.status == "succeeded" and payment.provider_txn == "14000123"
    assert dossier.paid_amount == 100000 and dossier.paid_online and dossier.status == "processing"
    # Duplicates and replays: "02", nothing applied twice.
    assert [ipn(params) for _ in range(3)] == ["02", "02", "02"]
    dossier.refresh_from_db()
    assert dossier.paid_amount == 100000
    assert dossier.history.filter(action="payment_received").count() == 1
    succeeded = payment.events.get(kind="succeeded")
    assert succeeded.data["source"] == "vnpay_ipn" and succeeded.data["vnp_BankCode"] == "NCB"


def test_ipn_answers_follow_the_documented_order(cast, secret):
    dossier = waiting_dossier(cast)
    payment, _ = start_vnpay(cast, dossier)
    good = notice(payment, secret)
    forged = good | {"vnp_Amount": "100"}  # changed after signing
    assert ipn({}) == "99"
    assert ipn({"foo": "bar"}) == "99"
    assert ipn(forged) == "97"
    assert ipn(notice(payment, "not-the-secret")) == "97"
    assert ipn(good | {"vnp_SecureHash": ""}) == "97"
    # Signed but for an unknown order, even when the amount is also wrong: 01 comes first.
    unknown = protocol.signed(
        {**notice(payment, secret, amount=1), "vnp_TxnRef": "TSUNKNOWN1"}, secret
    )
    assert ipn(unknown) == "01"
    assert ipn(notice(payment, secret, amount=99999)) == "04"
    assert ipn(protocol.signed({**good, "vnp_Amount": "10000050"}, secret)) == "04"
    payment.refresh_from_db()
    assert payment.status == "pending"
    assert ipn(good) == "00"
    # Already confirmed comes after the amount check.
    assert ipn(notice(payment, secret, amount=99999)) == "04"
    assert ipn(good) == "02"


def test_ipn_for_a_payment_of_another_provider_is_unknown(cast, secret):
    dossier = waiting_dossier(cast)
    counter, _ = services.start_payment(user=cast.clerk, dossier=dossier, provider_id="counter")
    assert ipn(notice(counter, secret)) == "01"
    counter.refresh_from_db()
    assert counter.status == "pending"


def test_declined_or_cancelled_payment_fails_and_can_be_retried(cast, secret):
    dossier = waiting_dossier(cast)
    payment, _ = start_vnpay(cast, dossier)
    assert ipn(notice(payment, secret, response="24", status="02")) == "00"
    payment.refresh_from_db()
    assert payment.status == "failed"
    assert payment.events.get(kind="failed").data["vnp_ResponseCode"] == "24"
    dossier.refresh_from_db()
    assert dossier.paid_amount == 0 and dossier.status == "awaiting_payment"
    retry, _ = start_vnpay(cast, dossier)
    assert retry.reference != payment.reference
    assert ipn(notice(retry, secret)) == "00"
    dossier.refresh_from_db()
    assert dossier.paid_amount == 100000


@pytest.mark.parametrize(("response", "status"), [("00", "01"), ("07", "00"), ("00", "")])
def test_paid_only_when_both_codes_are_00(cast, secret, response, status):
    dossier = waiting_dossier(cast)
    payment, _ = start_vnpay(cast, dossier)
    assert ipn(notice(payment, secret, response=response, status=status)) == "00"
    payment.refresh_from_db()
    assert payment.status == "failed"


def test_late_failure_after_success_does_not_undo_it(cast, secret):
    dossier = waiting_dossier(cast)
    payment, _ = start_vnpay(cast, dossier)
    assert ipn(notice(payment, secret)) == "00"
    assert ipn(notice(payment, secret, response="99", status="02")) == "02"
    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert payment.status == "succeeded" and dossier.paid_amount == 100000


def test_late_success_after_failure_is_not_applied(cast, secret):
    dossier = waiting_dossier(cast)
    payment, _ = start_vnpay(cast, dossier)
    assert ipn(notice(payment, secret, response="24", status="02")) == "00"
    assert ipn(notice(payment, secret)) == "02"
    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert payment.status == "failed" and dossier.paid_amount == 0


def test_late_ipn_after_the_dossier_was_paid_otherwise_is_kept_for_refund(cast, secret):
    dossier = waiting_dossier(cast)
    payment, _ = start_vnpay(cast, dossier)
    counter, _ = services.start_payment(user=cast.clerk, dossier=dossier, provider_id="counter")
    services.confirm_payment(reference=counter.reference, amount=counter.amount, source="counter")
    with time_machine.travel(payment.created_at + datetime.timedelta(minutes=50)):
        assert ipn(notice(payment, secret)) == "00"
    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert payment.status == "cancelled" and dossier.paid_amount == 100000
    assert payment.events.filter(kind="superseded").exists()
    page = Client().get(RETURN, notice(payment, secret))
    assert "khoản này sẽ được hoàn lại" in page.content.decode()
    assert ipn(notice(payment, secret)) == "02"


def test_unexpected_error_answers_99_so_vnpay_retries(cast, secret, monkeypatch):
    dossier = waiting_dossier(cast)
    payment, _ = start_vnpay(cast, dossier)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "confirm_payment", broken)
    assert ipn(notice(payment, secret)) == "99"
    monkeypatch.undo()
    assert ipn(notice(payment, secret)) == "00"


def test_ipn_accepts_no_browser_session_or_csrf_token(cast, secret):
    dossier = waiting_dossier(cast)
    payment, _ = start_vnpay(cast, dossier)
    client = Client(enforce_csrf_checks=True)
    assert ipn(notice(payment, secret), client) == "00"


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_ipns_apply_once():
    cast = make_cast()
    dossier = waiting_dossier(cast)
    payment, _ = start_vnpay(cast, dossier)
    from django.conf import settings

    params = notice(payment, settings.TINHSO_VNPAY_HASH_SECRET)
    codes, barrier = [], threading.Barrier(5)

    def call():
        try:
            barrier.wait()
            codes.append(ipn(params))
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == ["00", "02", "02", "02", "02"]
    dossier.refresh_from_db()
    assert dossier.paid_amount == 100000
    assert Payment.objects.filter(dossier=dossier, status=PaymentStatus.SUCCEEDED).count() == 1
    assert dossier.history.filter(action="payment_received").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_success_and_failure_notices_settle_one_way():
    cast = make_cast()
    dossier = waiting_dossier(cast)
    payment, _ = start_vnpay(cast, dossier)
    from django.conf import settings

    secret = settings.TINHSO_VNPAY_HASH_SECRET
    calls = [notice(payment, secret)] * 3 + [
        notice(payment, secret, response="24", status="02")
    ] * 3
    codes, barrier = [], threading.Barrier(len(calls))

    def call(params):
        try:
            barrier.wait()
            codes.append(ipn(params))
        finally:
            connection.close()

    threads = [threading.Thread(target=call, args=(p,)) for p in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == ["00", "02", "02", "02", "02", "02"]
    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert payment.status in ("succeeded", "failed")
    assert dossier.paid_amount == (100000 if payment.status == "succeeded" else 0)


@pytest.mark.django_db(transaction=True)
def test_two_paid_attempts_of_one_dossier_racing_apply_one_fee():
    cast = make_cast()
    dossier = waiting_dossier(cast)
    first, _ = start_vnpay(cast, dossier)
    second, _ = start_vnpay(cast, dossier)
    from django.conf import settings

    secret = settings.TINHSO_VNPAY_HASH_SECRET
    codes, barrier = [], threading.Barrier(2)

    def call(params):
        try:
            barrier.wait()
            codes.append(ipn(params))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=call, args=(notice(p, secret, txn_no=n),))
        for p, n in ((first, "1"), (second, "2"))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # A loser that hit the database constraint answers 99; VNPay's retry then settles it.
    assert set(codes) <= {"00", "99"}
    for p, n in ((first, "1"), (second, "2")):
        assert ipn(notice(p, secret, txn_no=n)) in ("00", "02")
    statuses = sorted(Payment.objects.filter(dossier=dossier).values_list("status", flat=True))
    assert statuses == ["cancelled", "succeeded"]
    dossier.refresh_from_db()
    assert dossier.paid_amount == 100000


# --- Return URL ------------------------------------------------------------------------------


def snapshot(payment):
    payment.refresh_from_db()
    payment.dossier.refresh_from_db()
    return (
        payment.status,
        payment.provider_txn,
        PaymentEvent.objects.filter(payment=payment).count(),
        payment.dossier.paid_amount,
        payment.dossier.status,
    )


def test_return_before_the_ipn_shows_waiting_and_changes_nothing(cast, secret):
    dossier = waiting_dossier(cast)
    payment, _ = start_vnpay(cast, dossier)
    before = snapshot(payment)
    page = Client().get(RETURN, notice(payment, secret))
    body = page.content.decode()
    assert page.status_code == 200
    assert "đang chờ xác nhận" in body and 'http-equiv="refresh"' in body
    assert f"/ho-so/{dossier.code}/" in body and "100.000 đ" in body
    assert snapshot(payment) == before
    assert ipn(notice(payment, secret)) == "00"
    page = Client().get(RETURN, notice(payment, secret))
    body = page.content.decode()
    assert "Thanh toán thành công" in body and 'http-equiv="refresh"' not in body


def test_return_with_a_failure_shows_the_reason_and_changes_nothing(cast, secret):
    dossier = waiting_dossier(cast)
    payment, _ = start_vnpay(cast, dossier)
    before = snapshot(payment)
    page = Client().get(RETURN, notice(payment, secret, response="51", status="02"))
    body = page.content.decode()
    assert "Thanh toán không thành công" in body and "không đủ số dư" in body
    assert snapshot(payment) == before


def test_return_with_a_forged_signature_is_refused_and_changes_nothing(cast, secret):
    dossier = waiting_dossier(cast)
    payment, _ = start_vnpay(cast, dossier)
    before = snapshot(payment)
    page = Client().get(RETURN, notice(payment, "forged"))
    assert page.status_code == 400 and "sai chữ ký" in page.content.decode()
    assert Client().get(RETURN).status_code == 400
    assert snapshot(payment) == before
