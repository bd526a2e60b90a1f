"""End to end through the in-project sandbox gateway: the real signed URL, the real IPN view,
the Return page, and refund/querydr over VNPay's JSON API (in-process and over HTTP)."""

import datetime
import json
import urllib.request
from urllib.parse import parse_qsl, urlsplit

import pytest
import time_machine
from django.test import Client

from tinhso.payments import services
from tinhso.payments.models import Payment
from tinhso.payments.providers import ProviderError, get_provider
from tinhso.payments.providers.vnpay import protocol
from tinhso.payments.sandbox import delivery, gateway, store
from tinhso.payments.services import PaymentError
from tinhso.payments.tests.test_vnpay_ipn import start_vnpay, waiting_dossier
from tinhso.testing import make_cast

PAY = "/payments/sandbox/vnpay/pay"
DEMO_SECRET = "DEMO-ONLY-SECRET-NOT-FOR-PRODUCTION"
REFUND_ARGS = {
    "secret": DEMO_SECRET,
    "request_id": "R1",
    "tmn_code": "DEMOTS01",
    "txn_ref": "",
    "amount": 1000,
    "full": False,
    "transaction_no": "",
    "transaction_date": "",
    "create_by": "x",
    "created": datetime.datetime(2025, 1, 15, tzinfo=datetime.UTC),
    "ip_addr": "127.0.0.1",
    "order_info": "x",
}


@pytest.fixture(autouse=True)
def _sandbox_dir(settings, tmp_path):
    settings.TINHSO_VNPAY_SANDBOX_DIR = tmp_path / "vnpay-sandbox"


@pytest.fixture
def cast(db):
    return make_cast()


def local(url):
    """The path and query of an absolute URL of this site, for the test client."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def gateway_params(url):
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def pay_through_sandbox(client, url, outcome="pay"):
    """What the payer's browser does: open the gateway page, press a button, follow the redirect."""
    page = client.get(local(url))
    assert page.status_code == 200, page.content.decode()
    return client.post(PAY, gateway_params(url) | {"outcome": outcome})


def test_signed_url_follows_the_protocol_and_the_sandbox_accepts_it(cast, settings):
    dossier = waiting_dossier(cast)
    payment, started = start_vnpay(cast, dossier)
    # The payer's own request (RequestFactory: http://testserver) gives the origin in development.
    assert started.redirect_url.startswith("http://testserver/payments/sandbox/vnpay/pay?")
    params = gateway_params(started.redirect_url)
    assert protocol.verify(params, settings.TINHSO_VNPAY_HASH_SECRET)
    created = protocol.parse_date(params["vnp_CreateDate"])
    assert params["vnp_Version"] == "2.1.0" and params["vnp_Command"] == "pay"
    assert params["vnp_Amount"] == "10000000" and params["vnp_CurrCode"] == "VND"
    assert params["vnp_TxnRef"] == payment.reference and params["vnp_OrderType"] == "other"
    assert params["vnp_Locale"] == "vn" and params["vnp_IpAddr"] == "203.0.113.7"
    assert params["vnp_TmnCode"] == settings.TINHSO_VNPAY_TMN_CODE
    assert params["vnp_ReturnUrl"] == "http://testserver/payments/vnpay/return"
    assert created == payment.created_at.replace(microsecond=0)
    assert protocol.parse_date(params["vnp_ExpireDate"]) - created == datetime.timedelta(minutes=15)
    assert params["vnp_OrderInfo"].isascii() and dossier.code in params["vnp_OrderInfo"]
    assert "vnp_SecureHashType" not in params
    page = Client().get(local(started.redirect_url))
    body = page.content.decode()
    assert page.status_code == 200
    assert (
        "Cổng thanh toán thử nghiệm" in body and "100.000 đ" in body and payment.reference in body
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"vnp_Amount": "100"}, "Sai chữ ký"),
        ({"vnp_SecureHash": "0" * 128}, "Sai chữ ký"),
        ({"vnp_TmnCode": "OTHER001"}, "vnp_TmnCode"),
        ({"vnp_ExpireDate": ""}, "Thiếu tham số"),
    ],
)
def test_sandbox_refuses_tampered_requests(cast, change, message):
    payment, started = start_vnpay(cast, waiting_dossier(cast))
    params = gateway_params(started.redirect_url) | change
    page = Client().get(PAY, params)
    assert page.status_code == 400 and message in page.content.decode()
    assert Client().post(PAY, params | {"outcome": "pay"}).status_code == 400
    payment.refresh_from_db()
    assert payment.status == "pending"


def test_sandbox_refuses_an_expired_request(cast):
    payment, started = start_vnpay(cast, waiting_dossier(cast))
    with time_machine.travel(payment.created_at + datetime.timedelta(minutes=16)):
        page = Client().get(local(started.redirect_url))
    assert page.status_code == 400 and "quá thời gian" in page.content.decode()


def test_sandbox_is_absent_when_disabled(cast, settings):
    _payment, started = start_vnpay(cast, waiting_dossier(cast))
    settings.TINHSO_VNPAY_SANDBOX = False
    assert Client().get(local(started.redirect_url)).status_code == 404
    assert Client().post("/payments/sandbox/vnpay/api", {}).status_code == 404


def test_paying_on_the_sandbox_confirms_through_the_ipn_and_returns_to_the_merchant(cast):
    dossier = waiting_dossier(cast)
    payment, started = start_vnpay(cast, dossier)
    client = Client()
    response = pay_through_sandbox(client, started.redirect_url)
    assert response.status_code == 302
    assert response["Location"].startswith("http://testserver/payments/vnpay/return?")
    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert payment.status == "succeeded" and payment.provider_txn.isdigit()
    assert dossier.paid_amount == 100000 and dossier.status == "processing"
    txn = store.load("DEMOTS01", payment.reference)
    assert [d["answer"]["RspCode"] for d in txn.deliveries] == ["00"]
    page = client.get(local(response["Location"]))
    assert page.status_code == 200 and "Thanh toán thành công" in page.content.decode()
    # Pressing the button again: the gateway settles a TxnRef once.
    again = client.post(PAY, gateway_params(started.redirect_url) | {"outcome": "pay"})
    assert again.status_code == 409
    dossier.refresh_from_db()
    assert dossier.paid_amount == 100000


@pytest.mark.parametrize(("outcome", "reason"), [("cancel", "hủy"), ("insufficient", "số dư")])
def test_cancelling_on_the_sandbox_fails_the_payment(cast, outcome, reason):
    dossier = waiting_dossier(cast)
    payment, started = start_vnpay(cast, dossier)
    client = Client()
    response = pay_through_sandbox(client, started.redirect_url, outcome)
    payment.refresh_from_db()
    assert payment.status == "failed"
    page = client.get(local(response["Location"])).content.decode()
    assert "Thanh toán không thành công" in page and reason in page


def test_duplicated_and_late_contradicting_ipns_from_the_sandbox_apply_once(cast, settings):
    settings.TINHSO_VNPAY_SANDBOX_IPN_COPIES = 3
    settings.TINHSO_VNPAY_SANDBOX_IPN_LATE_FAILURE = True
    dossier = waiting_dossier(cast)
    payment, started = start_vnpay(cast, dossier)
    pay_through_sandbox(Client(), started.redirect_url)
    txn = store.load("DEMOTS01", payment.reference)
    assert [(d["vnp_ResponseCode"], d["answer"]["RspCode"]) for d in txn.deliveries] == [
        ("00", "00"),
        ("00", "02"),
        ("00", "02"),
        ("99", "02"),
    ]
    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert payment.status == "succeeded" and dossier.paid_amount == 100000


@pytest.mark.django_db(transaction=True)
def test_delayed_ipn_leaves_the_return_page_waiting_until_it_arrives(settings):
    settings.TINHSO_VNPAY_SANDBOX_IPN_DELAY = 2
    cast = make_cast()
    dossier = waiting_dossier(cast)
    payment, started = start_vnpay(cast, dossier)
    client = Client()
    response = pay_through_sandbox(client, started.redirect_url)
    page = client.get(local(response["Location"])).content.decode()
    assert "đang chờ xác nhận" in page
    payment.refresh_from_db()
    assert payment.status == "pending"
    delivery.wait_for_deliveries()
    payment.refresh_from_db()
    assert payment.status == "succeeded"
    page = client.get(local(response["Location"])).content.decode()
    assert "Thanh toán thành công" in page


def test_query_and_refunds_against_the_sandbox(cast):
    dossier = waiting_dossier(cast)
    payment, started = start_vnpay(cast, dossier)
    provider = get_provider("vnpay")
    unknown = provider.query(payment)
    assert unknown.raw["vnp_ResponseCode"] == "91" and not unknown.known and not unknown.paid
    pay_through_sandbox(Client(), started.redirect_url)
    payment.refresh_from_db()
    found = provider.query(payment)
    assert found.paid and found.known and found.amount == 100000
    assert found.provider_txn == payment.provider_txn
    services.refund_payment(
        payment_id=payment.pk, amount=40000, reason="Giảm phí", actor=cast.clerk
    )
    txn = store.load("DEMOTS01", payment.reference)
    assert txn.refunded_amount == 40000 and txn.refunds[0]["type"] == "03"
    with pytest.raises(ProviderError):  # more than the gateway still holds
        provider.refund(Payment.objects.get(pk=payment.pk), 60001, "Quá")
    done = services.refund_payment(
        payment_id=payment.pk, amount=60000, reason="Hoàn nốt", actor=cast.clerk
    )
    assert done.status == "refunded"
    assert store.load("DEMOTS01", payment.reference).refunded_amount == 100000
    assert [e.kind for e in done.events.all()].count("refunded") == 2


def test_full_refund_uses_type_02(cast):
    payment, started = start_vnpay(cast, waiting_dossier(cast))
    pay_through_sandbox(Client(), started.redirect_url)
    services.refund_payment(payment_id=payment.pk, amount=100000, reason="Hủy", actor=cast.clerk)
    assert store.load("DEMOTS01", payment.reference).refunds[0]["type"] == "02"


def test_refund_of_a_failed_payment_is_refused_by_the_gateway(cast):
    payment, started = start_vnpay(cast, waiting_dossier(cast))
    pay_through_sandbox(Client(), started.redirect_url, "cancel")
    payment.refresh_from_db()
    with pytest.raises(ProviderError, match="95"):
        get_provider("vnpay").refund(payment, 100000, "Thử")


def test_refund_with_a_wrong_checksum_or_terminal_is_refused_and_nothing_recorded(
    cast, monkeypatch
):
    payment, started = start_vnpay(cast, waiting_dossier(cast))
    pay_through_sandbox(Client(), started.redirect_url)
    forged = protocol.refund_request(
        **REFUND_ARGS
        | {
            "secret": "not-the-merchant-secret",
            "txn_ref": payment.reference,
            "transaction_date": protocol.format_date(payment.created_at),
        }
    )
    assert gateway.handle_api(forged, payment.created_at)["vnp_ResponseCode"] == "97"
    other_terminal = protocol.refund_request(
        **{**REFUND_ARGS, "tmn_code": "OTHER001", "txn_ref": payment.reference}
    )
    assert gateway.handle_api(other_terminal, payment.created_at)["vnp_ResponseCode"] == "02"
    payment.refresh_from_db()
    # The gateway holds another secret than the merchant: it answers 97 and the provider raises.
    monkeypatch.setattr(gateway, "merchant", lambda: ("DEMOTS01", "gateway-side-secret"))
    with pytest.raises(ProviderError, match="97"):
        get_provider("vnpay").refund(payment, 1000, "x")
    assert store.load("DEMOTS01", payment.reference).refunded_amount == 0


def test_api_refuses_duplicate_request_ids_and_malformed_bodies(cast):
    payment, started = start_vnpay(cast, waiting_dossier(cast))
    pay_through_sandbox(Client(), started.redirect_url)
    body = protocol.querydr_request(
        secret=DEMO_SECRET,
        request_id="Q1",
        tmn_code="DEMOTS01",
        txn_ref=payment.reference,
        transaction_date=protocol.format_date(payment.created_at),
        created=payment.created_at,
        ip_addr="127.0.0.1",
        order_info="Truy van",
    )
    assert gateway.handle_api(body, payment.created_at)["vnp_ResponseCode"] == "00"
    assert gateway.handle_api(body, payment.created_at)["vnp_ResponseCode"] == "94"
    client = Client()
    bad = client.post("/payments/sandbox/vnpay/api", "not json", content_type="application/json")
    assert bad.status_code == 200 and bad.json()["vnp_ResponseCode"] == "03"
    wrong_date = protocol.querydr_request(
        secret=DEMO_SECRET,
        request_id="Q2",
        tmn_code="DEMOTS01",
        txn_ref=payment.reference,
        transaction_date="20000101000000",
        created=payment.created_at,
        ip_addr="127.0.0.1",
        order_info="Truy van",
    )
    assert gateway.handle_api(wrong_date, payment.created_at)["vnp_ResponseCode"] == "91"


def test_demo_secret_is_refused_with_a_real_gateway(cast, settings):
    settings.TINHSO_VNPAY_URL = "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html"
    with pytest.raises(PaymentError) as info:
        start_vnpay(cast, waiting_dossier(cast))
    assert info.value.status == 503 and isinstance(info.value.__cause__, ProviderError)
    assert not Payment.objects.filter(provider="vnpay").exists()


@pytest.mark.django_db(transaction=True)
def test_over_http_ipn_and_api_reach_a_running_server(live_server, settings):
    settings.TINHSO_SITE_URL = (
        live_server.url
    )  # explicit, as in production: requests do not move it
    settings.TINHSO_SITE_URL_FOLLOWS_REQUEST = False
    settings.TINHSO_VNPAY_SANDBOX_DELIVERY = "http"
    cast = make_cast()
    dossier = waiting_dossier(cast)
    payment, started = start_vnpay(cast, dossier)
    assert started.redirect_url.startswith(live_server.url + "/payments/sandbox/vnpay/pay?")
    with urllib.request.urlopen(started.redirect_url, timeout=10) as page:
        assert "Cổng thanh toán thử nghiệm" in page.read().decode()
    # The browser's button press runs here; the IPN then travels over HTTP to the live server.
    response = Client().post(PAY, gateway_params(started.redirect_url) | {"outcome": "pay"})
    assert response["Location"].startswith(live_server.url + "/payments/vnpay/return?")
    payment.refresh_from_db()
    assert payment.status == "succeeded"
    deliveries = store.load("DEMOTS01", payment.reference).deliveries
    assert deliveries[0]["answer"] == {
        "RspCode": "00",
        "Message": "Confirm Success",
        "http_status": 200,
    }
    with urllib.request.urlopen(response["Location"], timeout=10) as page:
        assert "Thanh toán thành công" in page.read().decode()
    assert get_provider("vnpay").query(payment).paid
    services.refund_payment(payment_id=payment.pk, amount=100000, reason="Hủy", actor=cast.clerk)
    assert store.load("DEMOTS01", payment.reference).refunded_amount == 100000
    raw = urllib.request.Request(
        live_server.url + "/payments/sandbox/vnpay/api",
        data=json.dumps({"vnp_Command": "querydr"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(raw, timeout=10) as answer:
        assert json.loads(answer.read())["vnp_ResponseCode"] == "02"
