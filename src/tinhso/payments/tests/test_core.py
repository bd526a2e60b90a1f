"""The payment core: one applied payment per dossier, resumption of a waiting dossier, refunds bounded."""

import threading

import pytest
from django.db import connection

from tinhso.dossiers import services as dossier_services
from tinhso.payments import services
from tinhso.payments.models import Payment, PaymentStatus
from tinhso.testing import FORM_DATA, make_cast, pdf_upload
from tinhso.uploads import check_upload


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


@pytest.fixture
def cast(db):
    return make_cast()


def test_confirmed_payment_resumes_the_waiting_dossier_once(cast):
    dossier = waiting_dossier(cast)
    assert dossier.status == "awaiting_payment"
    payment, _ = services.start_payment(user=cast.clerk, dossier=dossier, provider_id="counter")
    assert (
        payment.amount == 100000
        and payment.reference.startswith("TS")
        and len(payment.reference) == 10
    )
    paid, applied = services.confirm_payment(
        reference=payment.reference, amount=100000, source="counter", actor=cast.clerk
    )
    assert applied and paid.status == "succeeded"
    dossier.refresh_from_db()
    assert (
        dossier.status == "processing"
        and dossier.paid_amount == 100000
        and dossier.paid_online is False
    )
    _again, applied_again = services.confirm_payment(
        reference=payment.reference, amount=100000, source="counter"
    )
    assert not applied_again
    dossier.refresh_from_db()
    assert dossier.paid_amount == 100000
    assert [e.kind for e in paid.events.all()] == ["created", "succeeded", "duplicate_confirmation"]
    assert dossier.history.filter(action="payment_received").count() == 1


def test_wrong_amount_is_refused_and_nothing_applied(cast):
    dossier = waiting_dossier(cast)
    payment, _ = services.start_payment(user=cast.clerk, dossier=dossier, provider_id="counter")
    with pytest.raises(services.PaymentError) as info:
        services.confirm_payment(reference=payment.reference, amount=1000, source="test")
    assert info.value.field == "amount"
    payment.refresh_from_db()
    assert payment.status == "pending"


def test_second_payment_of_a_paid_dossier_is_superseded_not_applied(cast):
    dossier = waiting_dossier(cast)
    first, _ = services.start_payment(user=cast.clerk, dossier=dossier, provider_id="counter")
    second, _ = services.start_payment(user=cast.clerk, dossier=dossier, provider_id="counter")
    services.confirm_payment(reference=first.reference, amount=first.amount, source="test")
    late, applied = services.confirm_payment(
        reference=second.reference, amount=second.amount, source="test"
    )
    assert not applied and late.status == "cancelled"
    dossier.refresh_from_db()
    assert dossier.paid_amount == 100000
    with pytest.raises(services.PaymentError):
        services.start_payment(user=cast.clerk, dossier=dossier, provider_id="counter")


def test_refund_never_exceeds_what_was_paid(cast):
    dossier = waiting_dossier(cast)
    payment, _ = services.start_payment(user=cast.clerk, dossier=dossier, provider_id="counter")
    services.confirm_payment(reference=payment.reference, amount=payment.amount, source="test")
    services.refund_payment(
        payment_id=payment.pk, amount=40000, reason="Giảm 40%", actor=cast.clerk
    )
    with pytest.raises(services.PaymentError):
        services.refund_payment(payment_id=payment.pk, amount=60001, reason="Quá", actor=cast.clerk)
    done = services.refund_payment(
        payment_id=payment.pk, amount=60000, reason="Hoàn nốt", actor=cast.clerk
    )
    assert done.status == "refunded" and done.refunded_amount == done.amount


@pytest.mark.django_db(transaction=True)
def test_concurrent_confirmations_apply_once():
    cast = make_cast()
    dossier = waiting_dossier(cast)
    payment, _ = services.start_payment(user=cast.clerk, dossier=dossier, provider_id="counter")
    results, barrier = [], threading.Barrier(4)

    def confirm():
        try:
            barrier.wait()
            results.append(
                services.confirm_payment(
                    reference=payment.reference, amount=payment.amount, source="race"
                )[1]
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, False, False, True]
    dossier.refresh_from_db()
    assert dossier.paid_amount == 100000
    assert Payment.objects.filter(status=PaymentStatus.SUCCEEDED).count() == 1
