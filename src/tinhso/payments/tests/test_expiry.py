"""Pending payments expire (issue 15, walk-through 2): the worker asks the gateway first, confirms
what it reports paid, expires the rest; a transfer to an expired VietQR reference is kept for the
officials and never applied twice; the dossier page shows only the live attempt."""

import datetime
from urllib.parse import parse_qsl, urlsplit

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from django.utils.module_loading import import_string

from tinhso.payments import expiry, services, statements, tasks
from tinhso.payments.models import Payment, PaymentStatus, TransferProblem, TransferStatus
from tinhso.payments.providers.vnpay import protocol
from tinhso.payments.sandbox import gateway
from tinhso.payments.tests.test_vnpay_ipn import ipn, notice, start_vnpay, waiting_dossier
from tinhso.payments.tests.vietqr_support import (
    configure,
    filed,
    post_webhook,
    vietqr_payment,
    webhook_body,
)
from tinhso.testing import make_cast


@pytest.fixture(autouse=True)
def _sandbox_dir(settings, tmp_path):
    settings.TINHSO_VNPAY_SANDBOX_DIR = tmp_path / "vnpay-sandbox"


@pytest.fixture
def cast(db, settings):
    configure(settings)
    return make_cast()


def after(payment, minutes=1):
    return time_machine.travel(payment.expires_at + datetime.timedelta(minutes=minutes))


def kinds(payment):
    return list(payment.events.order_by("seq").values_list("kind", flat=True))


def pay_on_gateway_without_ipn(url):
    """The payer pays on the sandbox, and VNPay's IPN never reaches us."""
    params = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    request = gateway.check_pay_request(params, timezone.now())
    gateway.settle(request, "pay", timezone.now())


def query_params(url):
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def transfer(client, payment, *, received_at, bank_reference="FT0001"):
    """The bank's credit notice (webhook) of a transfer naming ``payment``'s reference."""
    body = webhook_body(
        bank_reference, payment.amount, f"CK {payment.reference} nop phi", received_at.isoformat()
    )
    return post_webhook(client, body)


def test_each_attempt_gets_its_providers_lifetime(cast, settings):
    settings.TINHSO_VIETQR_EXPIRE_MINUTES = 90
    vnpay, started = start_vnpay(cast, waiting_dossier(cast))
    assert vnpay.expires_at - vnpay.created_at == datetime.timedelta(minutes=15)
    params = query_params(started.redirect_url)
    assert protocol.parse_date(params["vnp_ExpireDate"]) == vnpay.expires_at.replace(microsecond=0)
    qr, _started = vietqr_payment(cast)
    assert qr.expires_at - qr.created_at == datetime.timedelta(minutes=90)
    assert Payment.objects.get(pk=qr.pk).expires_at == qr.expires_at
    assert qr.events.get(kind="created").data["expires_at"] == qr.expires_at.isoformat()


def test_the_worker_task_is_scheduled_and_registered():
    entry = django_settings.CELERY_BEAT_SCHEDULE["expire-pending-payments"]
    assert entry["schedule"] == django_settings.TINHSO_PAYMENT_EXPIRY_SWEEP_SECONDS
    assert import_string(entry["task"]) is tasks.expire_pending_payments
    assert tasks.expire_pending_payments.name == entry["task"]


def test_abandoned_vnpay_attempt_expires_after_the_gateway_says_it_has_none(cast):
    payment, _started = start_vnpay(cast, waiting_dossier(cast))
    with time_machine.travel(payment.expires_at - datetime.timedelta(seconds=30)):
        assert expiry.expire_pending_payments().total == 0  # not yet
    with after(payment):
        assert tasks.expire_pending_payments() == {"expired": 1, "confirmed": 0, "unanswered": 0}
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.EXPIRED
    event = payment.events.get(kind="expired")
    assert event.data["source"] == "worker" and event.data["gateway_known"] is False
    assert event.data["gateway_status"] == "91"  # querydr: VNPay has no such transaction
    with after(payment, minutes=10):
        assert expiry.expire_pending_payments().total == 0  # idempotent


def test_attempt_paid_at_the_gateway_whose_ipn_was_lost_is_confirmed_not_expired(cast):
    dossier = waiting_dossier(cast)
    payment, started = start_vnpay(cast, dossier)
    pay_on_gateway_without_ipn(started.redirect_url)
    with after(payment):
        result = expiry.expire_pending_payments()
    assert (result.confirmed, result.expired) == (1, 0)
    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED and dossier.paid_amount == 100000
    assert payment.events.get(kind="succeeded").data["source"] == "expiry_query"
    assert "expired" not in kinds(payment)


def test_nothing_is_expired_while_the_gateway_cannot_be_asked(cast, settings):
    payment, _started = start_vnpay(cast, waiting_dossier(cast))
    settings.TINHSO_VNPAY_API_URL = "http://127.0.0.1:9/merchant_webapi/api/transaction"
    settings.TINHSO_VNPAY_API_TIMEOUT = 2
    with after(payment):
        result = expiry.expire_pending_payments()
    assert (result.unanswered, result.expired) == (1, 0)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


def test_a_late_ipn_saying_paid_still_confirms_an_expired_attempt(cast, settings):
    dossier = waiting_dossier(cast)
    payment, _started = start_vnpay(cast, dossier)
    with after(payment):
        expiry.expire_pending_payments()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.EXPIRED
    secret = settings.TINHSO_VNPAY_HASH_SECRET
    # The payer's browser back with "paid" before the IPN: wait for it, as for a pending one.
    back = Client().get("/payments/vnpay/return", notice(payment, secret)).content.decode()
    assert "đang chờ xác nhận" in back
    assert ipn(notice(payment, secret, response="24", status="02")) == "02"  # nothing to change
    assert ipn(notice(payment, secret)) == "00"
    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED and dossier.paid_amount == 100000
    assert payment.events.get(kind="succeeded").data["after_expiry"] is True
    assert ipn(notice(payment, secret)) == "02"  # applied once


def test_expired_vietqr_reference_leaves_the_page_and_a_new_one_is_offered(cast, settings):
    settings.TINHSO_VIETQR_EXPIRE_MINUTES = 60
    dossier = filed(cast)
    payment, _started = vietqr_payment(cast, dossier)
    client = Client()
    client.force_login(cast.citizen)
    page = client.get(f"/ho-so/{dossier.code}/").content.decode()
    assert payment.reference in page and "data-vietqr" in page
    assert f"/payments/vietqr/start/{dossier.code}" not in page  # the live one is the one to pay
    assert "Chờ thanh toán" in page and "Đã hết hạn" not in page
    with after(payment):
        # Past its time, even before the worker runs: no QR, VietQR offered again, and the
        # attempt reads "expired" in the list of payments.
        page = client.get(f"/ho-so/{dossier.code}/").content.decode()
        assert "data-vietqr" not in page and f"/payments/vietqr/start/{dossier.code}" in page
        assert "Đã hết hạn" in page and "Chờ thanh toán" not in page
        assert expiry.expire_pending_payments().expired == 1  # no query interface: expired
        again = client.post(f"/payments/vietqr/start/{dossier.code}")
        assert again.status_code == 302
        fresh = dossier.payments.get(status=PaymentStatus.PENDING)
        page = client.get(f"/ho-so/{dossier.code}/").content.decode()
    assert fresh.reference in page and page.count("data-vietqr") == 1
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.EXPIRED and "gateway_known" not in (
        payment.events.get(kind="expired").data
    )


def test_transfer_to_an_expired_reference_waits_for_the_officials_and_is_applied_once(cast):
    dossier = filed(cast)
    payment, _started = vietqr_payment(cast, dossier)
    with after(payment):
        expiry.expire_pending_payments()
    late = payment.expires_at + datetime.timedelta(hours=2)
    with time_machine.travel(late):
        answer = transfer(Client(), payment, received_at=late)
    assert answer.status_code == 200
    recorded = statements.IncomingTransfer.objects.get(pk=answer.json()["id"])
    assert recorded.status == TransferStatus.UNMATCHED
    assert recorded.problem == TransferProblem.EXPIRED and recorded.payment_id == payment.pk
    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert payment.status == PaymentStatus.EXPIRED and dossier.paid_amount == 0
    assert payment.events.get(kind="transfer_after_expiry").data["transfer_id"] == recorded.pk
    # The accountant matches it to what the dossier owes: paid once, on a new payment row.
    statements.match_to_dossier(
        transfer_id=recorded.pk, dossier=dossier, actor=cast.clerk, note="Chuyển khoản muộn"
    )
    dossier.refresh_from_db()
    recorded.refresh_from_db()
    assert dossier.paid_amount == 100000 and recorded.status == TransferStatus.MATCHED
    assert recorded.payment.status == PaymentStatus.SUCCEEDED and recorded.payment != payment
    # A second transfer to the same expired reference is recorded and never applied.
    with time_machine.travel(late):
        second = transfer(Client(), payment, received_at=late, bank_reference="FT0002")
    assert statements.IncomingTransfer.objects.get(pk=second.json()["id"]).is_open
    dossier.refresh_from_db()
    assert dossier.paid_amount == 100000


def test_transfer_after_the_time_but_before_the_worker_ran_is_not_applied(cast):
    dossier = filed(cast)
    payment, _started = vietqr_payment(cast, dossier)
    late = payment.expires_at + datetime.timedelta(minutes=5)
    with time_machine.travel(late):
        answer = transfer(Client(), payment, received_at=late)
    recorded = statements.IncomingTransfer.objects.get(pk=answer.json()["id"])
    assert recorded.problem == TransferProblem.EXPIRED
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING  # the worker expires it; the money waits
    assert services.amount_due(dossier) == 100000


def test_transfer_in_time_is_matched_as_before(cast):
    dossier = filed(cast)
    payment, _started = vietqr_payment(cast, dossier)
    within = payment.expires_at - datetime.timedelta(minutes=5)
    with time_machine.travel(within):
        answer = transfer(Client(), payment, received_at=within)
    assert answer.json()["status"] == TransferStatus.MATCHED
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED


def test_an_official_asking_the_gateway_about_an_expired_attempt_confirms_it_if_paid(cast):
    dossier = waiting_dossier(cast)
    payment, started = start_vnpay(cast, dossier)
    pay_on_gateway_without_ipn(started.redirect_url)
    services.expire_payment(payment_id=payment.pk, data={"source": "test"})
    client = Client()
    client.force_login(cast.clerk)
    counter = client.get(f"/backoffice/thanh-toan/tai-quay/{dossier.code}/")
    assert f"/payments/vnpay/query/{payment.reference}" in counter.content.decode()
    _payment, answer, applied = services.query_payment(payment_id=payment.pk, actor=cast.clerk)
    assert answer.paid and applied
    dossier.refresh_from_db()
    assert dossier.paid_amount == 100000


def test_attempts_left_waiting_before_the_upgrade_get_their_lifetime(cast):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("tinhso.payments.migrations.0005_payment_expiry")
    payment, _started = vietqr_payment(cast)
    Payment.objects.filter(pk=payment.pk).update(expires_at=None)
    migration.set_expiry_of_pending(apps, None)
    payment.refresh_from_db()
    lifetime = datetime.timedelta(minutes=django_settings.TINHSO_VIETQR_EXPIRE_MINUTES)
    assert payment.expires_at == payment.created_at + lifetime
