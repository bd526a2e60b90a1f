"""VNPay (cards, bank accounts, bank QR) through the VNPay 2.1.0 payment gateway.

The payer is sent to VNPay with a signed URL; VNPay tells us the result server-to-server on the
IPN URL (``vnpay_views.ipn``), which is the only place a VNPay payment is confirmed. Refunds and
status queries use VNPay's JSON API. Configuration (``TINHSO_VNPAY_*`` settings) is documented
in docs/payments-vnpay.md; by default everything points at the in-project sandbox gateway.
"""

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tinhso.payments import vnpay_protocol as protocol
from tinhso.payments.providers import PaymentProvider, ProviderError, Started, register

if TYPE_CHECKING:
    from django.http import HttpRequest

    from tinhso.payments.models import Payment

logger = logging.getLogger(__name__)

#: The demo secret of settings.py; refused with any gateway other than the in-project sandbox.
DEMO_HASH_SECRET = "DEMO-ONLY-SECRET-NOT-FOR-PRODUCTION"


@dataclass(frozen=True)
class VNPayConfig:
    tmn_code: str
    hash_secret: str
    pay_url: str
    api_url: str
    return_url: str
    server_ip: str
    timeout: int


def site_url() -> str:
    return str(settings.TINHSO_SITE_URL).rstrip("/")


def resolve_url(template: str) -> str:
    """Settings may say ``{site_url}/...``; the site URL is filled in when the value is used."""
    return template.replace("{site_url}", site_url())


def vnpay_config() -> VNPayConfig:
    """The merchant's VNPay settings, read at call time (tests and deployments override them)."""
    config = VNPayConfig(
        tmn_code=settings.TINHSO_VNPAY_TMN_CODE,
        hash_secret=settings.TINHSO_VNPAY_HASH_SECRET,
        pay_url=resolve_url(settings.TINHSO_VNPAY_URL),
        api_url=resolve_url(settings.TINHSO_VNPAY_API_URL),
        return_url=resolve_url(settings.TINHSO_VNPAY_RETURN_URL),
        server_ip=settings.TINHSO_VNPAY_SERVER_IP,
        timeout=settings.TINHSO_VNPAY_API_TIMEOUT,
    )
    if not config.tmn_code or not config.hash_secret:
        raise ProviderError(_("Chưa cấu hình mã website và khóa bí mật VNPay."))
    if config.hash_secret == DEMO_HASH_SECRET and not config.pay_url.startswith(site_url()):
        raise ProviderError(_("Khóa bí mật VNPay mẫu chỉ dùng với cổng thử nghiệm trong dự án."))
    return config


def client_ip(request: "HttpRequest | None") -> str:
    """``vnp_IpAddr``: the payer's address as seen by Django (set a trusted proxy to fix it)."""
    address = str(request.META.get("REMOTE_ADDR", "")) if request is not None else ""
    return address if 7 <= len(address) <= 45 else ""


def order_info(payment: "Payment") -> str:
    return f"Thanh toan phi, le phi ho so {payment.dossier.code} ma {payment.reference}"


def post_json(url: str, body: dict[str, str], timeout: int) -> dict[str, Any]:
    """POST ``body`` as JSON and decode the JSON answer; ProviderError on any failure.

    When the URL is the in-project sandbox and ``TINHSO_VNPAY_SANDBOX_DELIVERY`` is "inprocess",
    the sandbox view is called in this thread instead (no server needs to be running, and a
    caller holding an SQLite write lock is not blocked by its own gateway).
    """
    from tinhso.payments.sandbox import delivery

    if delivery.handles_in_process(url):
        return delivery.call_api_in_process(url, body)
    if urlsplit(url).scheme not in ("http", "https"):
        raise ProviderError(_("Địa chỉ API VNPay không hợp lệ."))
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            answer = json.loads(response.read().decode("utf-8"))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        logger.warning("VNPay API call to %s failed: %s", url, exc)
        raise ProviderError(_("Không kết nối được với VNPay: %(error)s") % {"error": exc}) from exc
    if not isinstance(answer, dict):
        raise ProviderError(_("VNPay trả lời không đúng định dạng."))
    return answer


@register
class VNPayProvider(PaymentProvider):
    id = "vnpay"
    label = "VNPay (thẻ, tài khoản, QR ngân hàng)"
    online = True

    def start(self, payment: "Payment", request: "HttpRequest | None") -> Started:
        """Return the signed VNPay payment URL (valid 15 minutes). Nothing is marked paid here.

        ``vnp_TxnRef`` is the payment reference (one per attempt, so a failed attempt can be
        retried); ``vnp_CreateDate`` is the payment's creation time, so querydr and refund can
        rebuild it later as ``vnp_TransactionDate``.
        """
        config = vnpay_config()
        params = protocol.pay_params(
            tmn_code=config.tmn_code,
            amount=payment.amount,
            txn_ref=payment.reference,
            order_info=order_info(payment),
            return_url=config.return_url,
            ip_addr=client_ip(request) or config.server_ip,
            created=self.created(payment),
            locale="en" if (translation.get_language() or "").startswith("en") else "vn",
        )
        return Started(
            redirect_url=protocol.payment_url(config.pay_url, params, config.hash_secret)
        )

    def refund(self, payment: "Payment", amount: int, reason: str) -> str:
        """Ask VNPay to refund ``amount`` đồng (type 02 for the whole payment, else 03).

        Returns VNPay's transaction number of the refund; raises ProviderError when VNPay cannot
        be reached, refuses, or answers with a wrong checksum.
        """
        config = vnpay_config()
        now = timezone.now()
        body = protocol.refund_request(
            secret=config.hash_secret,
            request_id=protocol.new_request_id(now),
            tmn_code=config.tmn_code,
            txn_ref=payment.reference,
            amount=amount,
            full=payment.refunded_amount == 0 and amount == payment.amount,
            transaction_no=payment.provider_txn,
            transaction_date=protocol.format_date(self.created(payment)),
            create_by="tinhso",
            created=now,
            ip_addr=config.server_ip,
            order_info=f"Hoan tien {payment.reference} {reason}",
        )
        answer = self.call(config, "refund", body)
        if not answer.ok or answer.txn_ref != payment.reference:
            raise ProviderError(
                _("VNPay từ chối hoàn tiền (mã %(code)s): %(reason)s")
                % {"code": answer.response_code or "?", "reason": answer.reason}
            )
        return answer.transaction_no or body["vnp_RequestId"]

    def query(self, payment: "Payment") -> protocol.ApiResponse:
        """Ask VNPay for the state of ``payment`` (querydr). ``.paid`` is True only for a verified
        answer of a successful payment; a "91" answer means VNPay has no such transaction."""
        config = vnpay_config()
        now = timezone.now()
        body = protocol.querydr_request(
            secret=config.hash_secret,
            request_id=protocol.new_request_id(now),
            tmn_code=config.tmn_code,
            txn_ref=payment.reference,
            transaction_date=protocol.format_date(self.created(payment)),
            created=now,
            ip_addr=config.server_ip,
            order_info=f"Truy van giao dich {payment.reference}",
            transaction_no=payment.provider_txn,
        )
        return self.call(config, "querydr", body)

    @staticmethod
    def created(payment: "Payment") -> datetime:
        return payment.created_at or timezone.now()

    @staticmethod
    def call(config: VNPayConfig, command: str, body: dict[str, str]) -> protocol.ApiResponse:
        answer = protocol.parse_api_response(
            command, post_json(config.api_url, body, config.timeout), config.hash_secret
        )
        if answer.response_code == "00" and not answer.verified:
            logger.error("VNPay %s answer for %s has a wrong checksum", command, answer.txn_ref)
            raise ProviderError(_("Chữ ký trong trả lời của VNPay không hợp lệ."))
        return answer
