"""The bank webhook: HMAC-signed, fresh, idempotent on the bank reference; a matching credit
confirms the payment and resumes the dossier exactly once."""

import time

import pytest

from tinhso.payments.models import IncomingTransfer, Payment
from tinhso.payments.tests.vietqr_support import (
    OLD_WEBHOOK,
    WEBHOOK,
    configure,
    post_webhook,
    signed_headers,
    vietqr_payment,
    webhook_body,
)
from tinhso.testing import make_cast

URL = WEBHOOK


@pytest.fixture
def cast(db, settings):
    configure(settings)
    return make_cast()


def test_signed_credit_with_the_reference_confirms_the_payment(
    cast, client, django_capture_on_commit_callbacks
):
    payment, _ = vietqr_payment(cast)
    body = webhook_body(
        "FT25329000001", 100000, f"NGUYEN VAN AN chuyen tien {payment.reference.lower()}"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post_webhook(client, body)
    assert response.status_code == 200
    assert response.json()["status"] == "matched" and response.json()["duplicate"] is False
    payment.refresh_from_db()
    assert payment.status == "succeeded" and payment.provider_txn == "FT25329000001"
    payment.dossier.refresh_from_db()
    assert payment.dossier.status == "processing" and payment.dossier.paid_amount == 100000
    assert payment.dossier.paid_online is True
    transfer = IncomingTransfer.objects.get()
    assert transfer.payment == payment and transfer.source == "webhook"


def test_the_address_banks_were_given_first_still_records_the_credit(cast, client):
    payment, _ = vietqr_payment(cast)
    body = webhook_body("FT25329000009", 100000, payment.reference)
    response = post_webhook(client, body, url=OLD_WEBHOOK)
    assert response.status_code == 200 and response.json()["status"] == "matched"
    assert Payment.objects.get(pk=payment.pk).status == "succeeded"
    # The same credit through the generic route is a duplicate: one transfer, applied once.
    assert post_webhook(client, body).json()["duplicate"] is True
    assert IncomingTransfer.objects.count() == 1
    assert client.get(OLD_WEBHOOK).status_code == 405


def test_repeated_call_is_a_duplicate_and_applies_nothing_twice(cast, client):
    payment, _ = vietqr_payment(cast)
    body = webhook_body("FT25329000002", 100000, payment.reference)
    assert post_webhook(client, body).json()["duplicate"] is False
    again = post_webhook(client, body)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert IncomingTransfer.objects.count() == 1
    payment.dossier.refresh_from_db()
    assert payment.dossier.paid_amount == 100000
    assert payment.dossier.history.filter(action="payment_received").count() == 1


def test_same_reference_with_another_amount_is_a_conflict(cast, client):
    payment, _ = vietqr_payment(cast)
    post_webhook(client, webhook_body("FT25329000003", 100000, payment.reference))
    response = post_webhook(client, webhook_body("FT25329000003", 50000, payment.reference))
    assert response.status_code == 409
    assert IncomingTransfer.objects.get().amount == 100000


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"secret": "wrong-secret"},
        {"timestamp": int(time.time()) - 3600},
        {"timestamp": int(time.time()) + 3600},
    ],
)
def test_unsigned_wrong_or_stale_calls_are_refused_and_change_nothing(cast, client, headers):
    payment, _ = vietqr_payment(cast)
    body = webhook_body("FT25329000004", 100000, payment.reference)
    if headers:
        response = post_webhook(client, body, **headers)
    else:
        response = client.post(URL, body, content_type="application/json")
    assert response.status_code == 401
    assert not IncomingTransfer.objects.exists()
    assert Payment.objects.get(pk=payment.pk).status == "pending"


def test_body_changed_after_signing_is_refused(cast, client):
    payment, _ = vietqr_payment(cast)
    body = webhook_body("FT25329000005", 100, payment.reference)
    headers = signed_headers(body)
    forged = body.replace(b'"amount": 100,', b'"amount": 100000,')
    assert forged != body
    response = client.post(URL, forged, content_type="application/json", **headers)
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("change", "value"),
    [
        ("account", "999999999"),
        ("amount", "100000"),
        ("amount", 0),
        ("reference", ""),
        ("received_at", "hôm qua"),
    ],
)
def test_invalid_bodies_are_refused(cast, client, change, value):
    import json

    data = json.loads(webhook_body("FT25329000006", 100000, "x"))
    data[change] = value
    body = json.dumps(data).encode()
    response = post_webhook(client, body)
    assert response.status_code == 400
    assert not IncomingTransfer.objects.exists()


def test_webhook_is_off_without_a_secret(cast, client, settings):
    settings.TINHSO_BANK_WEBHOOK_SECRET = ""
    body = webhook_body("FT25329000007", 100000, "x")
    assert post_webhook(client, body, secret="").status_code == 404


def test_webhook_needs_no_csrf_token(cast, settings):
    from django.test import Client

    payment, _ = vietqr_payment(cast)
    response = post_webhook(
        Client(enforce_csrf_checks=True), webhook_body("FT25329000008", 100000, payment.reference)
    )
    assert response.status_code == 200
