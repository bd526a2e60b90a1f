"""The national payment platform end to end against the in-project sandbox over real HTTP
(spec §11.4 scenarios 5 and 6, R-NAT-060..065): INIT through the API, checkout, confirm callback,
QUERY, reconciliation, GET_BILL through the outbox, and the fault knobs of §11.3."""

import datetime
import re

import pytest
import requests
import time_machine
from django.test import Client
from django.utils import timezone

from tinhso.audit.models import AuditEntry
from tinhso.dossiers import services as dossier_services
from tinhso.dossiers.models import DossierEvent
from tinhso.integrations import outbox
from tinhso.integrations.national import mapping
from tinhso.integrations.paygov import reconcile
from tinhso.payments import expiry, services
from tinhso.payments.models import Payment
from tinhso.sandboxes.national import pay_views
from tinhso.stores.models import StoredDocument
from tinhso.testing import FORM_DATA, make_cast, pdf_upload
from tinhso.uploads import check_upload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def paygov(sandbox, settings):
    settings.TINHSO_PAYGOV_URL = "{site_url}/sandbox/national/pay"
    settings.TINHSO_PAYGOV_PARTNER_CODE = "TINHSO-E2E"
    settings.TINHSO_PAYGOV_SECRET = "e2e-secret"
    settings.TINHSO_PAYGOV_SANDBOX_PARTNER_CODE = ""
    settings.TINHSO_PAYGOV_SANDBOX_SECRET = ""
    settings.TINHSO_PAYGOV_SANDBOX_CALLBACK_URL = "{site_url}/payments/paygov/callback"
    yield sandbox
    pay_views.wait_for_callbacks()


def knobs(sandbox, **values):
    response = requests.post(f"{sandbox}/faults", json=values, timeout=5)
    assert response.status_code == 200, response.text


def waiting_dossier(cast):
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


def start(cast, dossier):
    """The applicant starts a PayGov payment through the API: 201 with the checkout URL."""
    client = Client()
    client.force_login(cast.citizen)
    response = client.post(
        f"/api/v1/dossiers/{dossier.code}/payments",
        {"provider": "paygov"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    payment = Payment.objects.get(reference=body["reference"])
    return payment, body["redirect_url"]


def complete(sandbox, reference, result="pay"):
    response = requests.post(
        f"{sandbox}/pay/complete", json={"MaThamChieu": reference, "result": result}, timeout=30
    )
    assert response.status_code == 200, response.text
    return response.json()


def kinds(payment):
    return list(payment.events.order_by("seq").values_list("kind", flat=True))


def test_scenario_5_checkout_pay_callback_late_failure_receipt_and_resync(paygov):
    cast = make_cast()
    dossier = waiting_dossier(cast)
    knobs(paygov, CALLBACK_LATE_FAILURE=True)
    payment, url = start(cast, dossier)
    reference = payment.details["paygov"]["MaThamChieu"]
    assert url == f"{paygov}/pay/checkout/{reference}"
    assert re.fullmatch(r"dvc[A-Za-z0-9]+" + payment.reference, reference)
    assert re.fullmatch(r"\d{14}", payment.details["paygov"]["ThoiGianGD"])

    # The payer presses "pay" on the platform's page (a real form, with its CSRF token).
    browser = requests.Session()
    page = browser.get(url, timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    done = browser.post(url, data={"csrfmiddlewaretoken": token, "result": "pay"}, timeout=30)
    assert done.status_code == 200 and "Thanh toán thành công" in done.text

    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert payment.status == "succeeded" and payment.provider_txn.startswith("PG")
    assert dossier.paid_amount == payment.amount and dossier.paid_online
    history = kinds(payment)
    assert history.count("succeeded") == 1 and history.count("late_contradiction") == 1
    assert AuditEntry.objects.filter(action="payments.paygov_late_contradiction").count() == 1
    # DuocThanhToanTrucTuyen=1 upward: the payment is a dossier event, so the dossier re-syncs.
    assert DossierEvent.objects.filter(dossier=dossier, kind=DossierEvent.Kind.PAYMENT).count() == 1
    assert mapping.dossier_message(mapping.load(dossier.pk))["DuocThanhToanTrucTuyen"] == "1"

    # GET_BILL by the worker: the platform's receipt lands in the applicant's store, once.
    assert outbox.drain("paygov").attempts == 1
    payment.refresh_from_db()
    bill = payment.details["paygov"]["bill"]
    stored = StoredDocument.objects.get(pk=bill["stored_document"])
    assert (
        stored.owner == cast.citizen
        and stored.kind == "receipt"
        and stored.document_number == reference
    )
    assert stored.file.open("rb").read().startswith(b"%PDF")
    assert outbox.drain("paygov").attempts == 0


def test_scenario_6_dropped_callback_is_reconciled_after_the_pending_window(paygov):
    cast = make_cast()
    dossier = waiting_dossier(cast)
    knobs(paygov, PAY_PENDING_FOR=40)
    payment, _url = start(cast, dossier)
    answer = complete(paygov, payment.details["paygov"]["MaThamChieu"])
    assert answer["callbacks"] == []
    payment.refresh_from_db()
    assert payment.status == "pending"
    start_time = timezone.now()
    with time_machine.travel(start_time + datetime.timedelta(minutes=35)):
        # The expiry sweep asks too; "3" (not known yet) never expires the attempt.
        assert expiry.expire_pending_payments().unanswered == 1
        result = reconcile.reconcile()
        assert (result.pending, result.confirmed) == (1, 0)
    payment.refresh_from_db()
    assert payment.status == "pending"
    with time_machine.travel(start_time + datetime.timedelta(minutes=45)):
        assert reconcile.reconcile().confirmed == 1
        assert reconcile.reconcile().confirmed == 0
    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert payment.status == "succeeded" and dossier.paid_amount == payment.amount
    succeeded = payment.events.get(kind="succeeded")
    assert succeeded.data["source"] == "paygov_reconciliation" and succeeded.data["auto_checked"]
    with time_machine.travel(start_time + datetime.timedelta(minutes=46)):
        assert outbox.drain("paygov").attempts == 1  # its receipt (GET_BILL)
    payment.refresh_from_db()
    assert payment.details["paygov"]["bill"]["sha256"]


def test_a_callback_with_a_bad_signature_is_refused_and_audited(paygov):
    cast = make_cast()
    dossier = waiting_dossier(cast)
    knobs(paygov, CALLBACK_BAD_SIGNATURE=True)
    payment, _url = start(cast, dossier)
    answer = complete(paygov, payment.details["paygov"]["MaThamChieu"])
    assert [a["MaLoi"] for a in answer["callbacks"]] == ["07"]
    payment.refresh_from_db()
    assert payment.status == "pending" and "succeeded" not in kinds(payment)
    entry = AuditEntry.objects.get(action="payments.paygov_bad_signature")
    assert entry.target == payment.details["paygov"]["MaThamChieu"]


def test_out_of_order_with_a_late_failure_ends_paid_once_with_an_alert(paygov):
    cast = make_cast()
    dossier = waiting_dossier(cast)
    knobs(paygov, OUT_OF_ORDER=True, CALLBACK_LATE_FAILURE=True)
    payment, _url = start(cast, dossier)
    assert complete(paygov, payment.details["paygov"]["MaThamChieu"])["callbacks"] == []
    # QUERY answers before any callback arrives (an official asks the platform).
    _payment, answer, applied = services.query_payment(payment_id=payment.pk, actor=cast.clerk)
    assert applied and answer.paid
    pay_views.wait_for_callbacks()  # then the failure notice, then the success, in that order
    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert payment.status == "succeeded" and dossier.paid_amount == payment.amount
    history = kinds(payment)
    assert history.count("succeeded") == 1 and history.count("late_contradiction") == 1
    assert history[-1] == "duplicate_confirmation"


def test_out_of_order_callbacks_alone_end_paid_once_with_an_alert(paygov):
    cast = make_cast()
    dossier = waiting_dossier(cast)
    knobs(paygov, OUT_OF_ORDER=True, CALLBACK_LATE_FAILURE=True)
    payment, _url = start(cast, dossier)
    complete(paygov, payment.details["paygov"]["MaThamChieu"])
    pay_views.wait_for_callbacks()  # failure notice first: kept pending, then success applies
    payment.refresh_from_db()
    assert payment.status == "succeeded"
    history = kinds(payment)
    assert history.count("failure_notice") == 1 and history.count("succeeded") == 1
    assert history.count("late_contradiction") == 1


def test_a_failed_checkout_is_closed_by_query_not_by_the_notice(paygov):
    cast = make_cast()
    dossier = waiting_dossier(cast)
    payment, _url = start(cast, dossier)
    answer = complete(paygov, payment.details["paygov"]["MaThamChieu"], "fail")
    assert [a["MaLoi"] for a in answer["callbacks"]] == ["00"]
    payment.refresh_from_db()
    assert payment.status == "pending" and "failure_notice" in kinds(payment)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=31)):
        assert reconcile.reconcile().failed == 1
    payment.refresh_from_db()
    assert payment.status == "failed"


def test_init_refused_by_the_platform_is_a_503_for_the_payer(paygov, settings):
    settings.TINHSO_PAYGOV_SECRET = "not-the-sandbox-secret"
    settings.TINHSO_PAYGOV_SANDBOX_SECRET = "e2e-secret"
    cast = make_cast()
    dossier = waiting_dossier(cast)
    client = Client()
    client.force_login(cast.citizen)
    response = client.post(
        f"/api/v1/dossiers/{dossier.code}/payments",
        {"provider": "paygov"},
        content_type="application/json",
    )
    assert response.status_code == 503
    assert not Payment.objects.filter(dossier=dossier).exists()


def test_the_dossier_page_offers_the_platform_and_its_button_goes_to_checkout(paygov):
    cast = make_cast()
    dossier = waiting_dossier(cast)
    client = Client()
    client.force_login(cast.citizen)
    page = client.get(f"/ho-so/{dossier.code}/").content.decode()
    assert "Thanh toán qua Cổng thanh toán quốc gia" in page
    response = client.post(f"/payments/paygov/start/{dossier.code}")
    payment = Payment.objects.get(dossier=dossier, provider="paygov")
    assert response.status_code == 302
    assert (
        response["Location"] == f"{paygov}/pay/checkout/{payment.details['paygov']['MaThamChieu']}"
    )
