"""A payment provider added from a test module only: registered in the test, unregistered after it,
and the generic routes and services carry a dossier's fee through it — start, callback, return,
query, refund — exactly as they do for the providers shipped with Tỉnh Số (docs/payments.md)."""

import hashlib
import hmac
import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.test import Client

from tinhso.payments import services
from tinhso.payments.models import Payment
from tinhso.payments.providers import (
    PaymentProvider,
    ProviderStatus,
    Started,
    get_provider,
    load_providers,
    offered_to_payers,
    providers,
    register,
    unregister,
)
from tinhso.payments.tests.test_vnpay_ipn import waiting_dossier
from tinhso.testing import make_cast

SECRET = b"fake-gateway-secret"


def signature(reference: str, amount: str, outcome: str) -> str:
    message = f"{reference}|{amount}|{outcome}".encode()
    return hmac.new(SECRET, message, hashlib.sha256).hexdigest()


class FakeGatewayProvider(PaymentProvider):
    """A made-up gateway: the payer is sent to it, it posts a signed result to our callback."""

    id = "fakepay"
    label = "Cổng thanh toán thử nghiệm"

    def __init__(self) -> None:
        self.paid_at_gateway: set[str] = set()  # references the payer paid on the gateway's side
        self.refunds: list[tuple[str, int, str]] = []

    def start(self, payment: Payment, request: HttpRequest | None) -> Started:
        return Started(redirect_url=f"https://fakepay.example/pay/{payment.reference}")

    def handle_callback(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        reference, amount, outcome = (
            request.POST.get(k, "") for k in ("reference", "amount", "outcome")
        )
        if not hmac.compare_digest(
            request.POST.get("signature", ""), signature(reference, amount, outcome)
        ):
            return JsonResponse({"ok": False}, status=401)
        if outcome != "paid":
            _payment, changed = services.fail_payment(reference=reference, source="fakepay")
            return JsonResponse({"ok": True, "applied": changed})
        _payment, applied = services.confirm_payment(
            reference=reference,
            amount=int(amount),
            provider_txn=f"FP-{reference}",
            source="fakepay",
        )
        return JsonResponse({"ok": True, "applied": applied})

    def handle_return(self, request: HttpRequest) -> HttpResponse:
        payment = Payment.objects.get(reference=request.GET.get("reference", ""), provider=self.id)
        return HttpResponse(f"Trạng thái: {payment.get_status_display()}")

    def query(self, payment: Payment) -> ProviderStatus:
        paid = payment.reference in self.paid_at_gateway
        return ProviderStatus(
            paid=paid,
            amount=payment.amount,
            provider_txn=f"FP-{payment.reference}" if paid else "",
            message="đã thanh toán" if paid else "chưa thanh toán",
        )

    def refund(self, payment: Payment, amount: int, reason: str) -> str:
        self.refunds.append((payment.reference, amount, reason))
        return f"FP-REFUND-{len(self.refunds)}"


@contextmanager
def registered(cls: type[PaymentProvider]) -> Iterator[PaymentProvider]:
    load_providers()  # the shipped providers first, as at start-up
    register(cls)
    try:
        yield get_provider(cls.id)
    finally:
        unregister(cls.id)


@pytest.fixture
def cast(db):
    return make_cast()


@pytest.fixture
def fake():
    with registered(FakeGatewayProvider) as provider:
        assert isinstance(provider, FakeGatewayProvider)
        yield provider


def gateway_post(payment: Payment, outcome: str = "paid", *, forged: bool = False) -> HttpResponse:
    """The gateway's server-to-server call: no session, CSRF enforced as for any outside caller."""
    amount = str(payment.amount)
    sign = signature(payment.reference, amount, outcome)
    return Client(enforce_csrf_checks=True).post(
        "/payments/fakepay/callback",
        {
            "reference": payment.reference,
            "amount": amount,
            "outcome": outcome,
            "signature": "0" * 64 if forged else sign,
        },
    )


def test_an_added_provider_files_pays_and_refunds_through_the_generic_routes(cast, client, fake):
    dossier = waiting_dossier(cast)
    assert dossier.status == "awaiting_payment" and dossier.fee_amount == 100000
    client.force_login(cast.citizen)

    # The dossier page offers it next to the shipped providers.
    page = client.get(f"/ho-so/{dossier.code}/").content.decode()
    assert f'formaction="/payments/fakepay/start/{dossier.code}"' in page
    assert "Cổng thanh toán thử nghiệm" in page

    # Start: the payer is sent to the gateway; one pending payment for what is due.
    response = client.post(f"/payments/fakepay/start/{dossier.code}")
    payment = Payment.objects.get(dossier=dossier)
    assert response.status_code == 302
    assert response["Location"] == f"https://fakepay.example/pay/{payment.reference}"
    assert (payment.provider, payment.status, payment.amount) == ("fakepay", "pending", 100000)
    assert list(payment.events.values_list("kind", flat=True)) == ["created"]

    # A forged callback changes nothing; the signed one pays the fee and resumes the dossier.
    assert gateway_post(payment, forged=True).status_code == 401
    assert Payment.objects.get(pk=payment.pk).status == "pending"
    answer = gateway_post(payment)
    assert answer.status_code == 200 and json.loads(answer.content) == {"ok": True, "applied": True}
    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert payment.status == "succeeded" and payment.provider_txn == f"FP-{payment.reference}"
    assert dossier.paid_amount == 100000 and dossier.paid_online
    assert dossier.status == "processing"
    entry = dossier.history.get(action="payment_received")
    assert entry.details["reference"] == payment.reference and entry.details["amount"] == 100000

    # The gateway calling again is applied once.
    again = gateway_post(payment)
    assert json.loads(again.content) == {"ok": True, "applied": False}
    dossier.refresh_from_db()
    assert dossier.paid_amount == 100000
    assert dossier.history.filter(action="payment_received").count() == 1

    # The payer's browser back from the gateway sees the outcome.
    back = client.get("/payments/fakepay/return", {"reference": payment.reference})
    assert back.status_code == 200 and "Đã thanh toán" in back.content.decode()
    # Nothing is left to pay, so the dossier page offers no provider any more.
    page = client.get(f"/ho-so/{dossier.code}/").content.decode()
    assert "/payments/fakepay/start/" not in page

    # Refund through the provider, recorded on the payment.
    refunded = services.refund_payment(
        payment_id=payment.pk, amount=100000, reason="Hủy thu trùng", actor=cast.clerk
    )
    assert refunded.status == "refunded" and refunded.refunded_amount == 100000
    assert fake.refunds == [(payment.reference, 100000, "Hủy thu trùng")]
    event = refunded.events.get(kind="refunded")
    assert event.actor == cast.clerk
    assert event.data == {
        "amount": 100000,
        "reason": "Hủy thu trùng",
        "provider_ref": "FP-REFUND-1",
    }
    assert list(refunded.events.values_list("kind", flat=True)) == [
        "created",
        "succeeded",
        "duplicate_confirmation",
        "refunded",
    ]
    # A refund is the payment's business; the dossier's history of what was paid is unchanged.
    dossier.refresh_from_db()
    assert dossier.paid_amount == 100000


def test_a_missed_callback_is_settled_by_asking_the_added_provider(cast, client, fake):
    dossier = waiting_dossier(cast)
    client.force_login(cast.citizen)
    client.post(f"/payments/fakepay/start/{dossier.code}")
    payment = Payment.objects.get(dossier=dossier)
    fake.paid_at_gateway.add(payment.reference)  # paid on the gateway; its callback never came

    # Outsiders cannot ask: the other agency's clerk gets 404 and nothing moves.
    client.force_login(cast.other_clerk)
    assert client.post(f"/payments/fakepay/query/{payment.reference}").status_code == 404
    assert Payment.objects.get(pk=payment.pk).status == "pending"

    client.force_login(cast.clerk)
    counter_page = client.get(f"/backoffice/thanh-toan/tai-quay/{dossier.code}/").content.decode()
    assert f'action="/payments/fakepay/query/{payment.reference}"' in counter_page
    # The route names the provider: the same reference under another provider is not found.
    assert client.post(f"/payments/vnpay/query/{payment.reference}").status_code == 404
    response = client.post(f"/payments/fakepay/query/{payment.reference}")
    assert response.status_code == 302
    assert response["Location"] == f"/backoffice/thanh-toan/tai-quay/{dossier.code}/"
    assert any("đã ghi nhận" in str(m) for m in get_messages(response.wsgi_request))
    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert payment.status == "succeeded" and payment.provider_txn == f"FP-{payment.reference}"
    succeeded = payment.events.get(kind="succeeded")
    assert succeeded.data["source"] == "query" and succeeded.actor == cast.clerk
    assert dossier.paid_amount == 100000 and dossier.status == "processing"


def test_unregistered_provider_is_gone_from_the_routes_and_the_page(cast, client):
    dossier = waiting_dossier(cast)
    with registered(FakeGatewayProvider):
        assert "fakepay" in {p.id for p in offered_to_payers()}
        assert Client().get("/payments/fakepay/callback").status_code == 405
    assert "fakepay" not in providers()
    assert Client().post("/payments/fakepay/callback", {}).status_code == 404
    client.force_login(cast.citizen)
    assert client.post(f"/payments/fakepay/start/{dossier.code}").status_code == 404
    assert not Payment.objects.filter(dossier=dossier).exists()


def test_routes_a_provider_does_not_implement_answer_404(cast, client):
    # The counter has no return page, callback, webhook or start for payers.
    assert Client().get("/payments/counter/return").status_code == 404
    assert Client().post("/payments/counter/callback").status_code == 404
    assert Client().post("/payments/vnpay/webhook").status_code == 404
    assert Client().get("/payments/nosuch/return").status_code == 404
    dossier = waiting_dossier(cast)
    client.force_login(cast.citizen)
    assert client.post(f"/payments/counter/start/{dossier.code}").status_code == 404
    assert not Payment.objects.filter(dossier=dossier).exists()
