"""VNPay (cards, bank accounts, bank QR) through the VNPay 2.1.0 payment gateway.

The payer is sent to VNPay with a signed URL; VNPay tells us the result server-to-server on the
IPN URL (``handle_callback``, ``notifications.ipn``), which is the only place a VNPay payment is
confirmed. Refunds and status queries use VNPay's JSON API (``transport.post_json``).
Configuration (``TINHSO_VNPAY_*`` settings, ``config.py``) is documented in
docs/payments-vnpay.md; by default everything points at the in-project sandbox gateway.
"""

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tinhso.payments.providers import (
    PaymentProvider,
    ProviderError,
    ProviderStatus,
    Started,
    register,
)
from tinhso.payments.providers.vnpay import notifications, protocol
from tinhso.payments.providers.vnpay.config import PROVIDER_ID, VNPayConfig, vnpay_config
from tinhso.payments.providers.vnpay.transport import post_json

if TYPE_CHECKING:
    from tinhso.payments.models import Payment

logger = logging.getLogger(__name__)


def client_ip(request: "HttpRequest | None") -> str:
    """``vnp_IpAddr``: the payer's address as seen by Django (set a trusted proxy to fix it)."""
    address = str(request.META.get("REMOTE_ADDR", "")) if request is not None else ""
    return address if 7 <= len(address) <= 45 else ""


def order_info(payment: "Payment") -> str:
    return f"Thanh toan phi, le phi ho so {payment.dossier.code} ma {payment.reference}"


@register
class VNPayProvider(PaymentProvider):
    id = PROVIDER_ID
    label = "VNPay (thẻ, tài khoản, QR ngân hàng)"
    online = True

    def expires_after(self) -> timedelta:
        """``TINHSO_VNPAY_EXPIRE_MINUTES`` (15 by default): sent as ``vnp_ExpireDate``, after which
        VNPay no longer takes the payment."""
        return timedelta(minutes=settings.TINHSO_VNPAY_EXPIRE_MINUTES)

    def start(self, payment: "Payment", request: "HttpRequest | None") -> Started:
        """Return the signed VNPay payment URL (valid until ``payment.expires_at``). Nothing is
        marked paid here.

        ``vnp_TxnRef`` is the payment reference (one per attempt, so a failed attempt can be
        retried); ``vnp_CreateDate`` is the payment's creation time, so querydr and refund can
        rebuild it later as ``vnp_TransactionDate``. The gateway and Return URLs on this site
        follow the request in development (``config.site_url``).
        """
        config = vnpay_config(request)
        created = self.created(payment)
        expires_at = payment.expires_at or created + self.expires_after()
        params = protocol.pay_params(
            tmn_code=config.tmn_code,
            amount=payment.amount,
            txn_ref=payment.reference,
            order_info=order_info(payment),
            return_url=config.return_url,
            ip_addr=client_ip(request) or config.server_ip,
            created=created,
            expires_after=expires_at - created,
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

    def query(self, payment: "Payment") -> ProviderStatus:
        """Ask VNPay for the state of ``payment`` (querydr). ``paid`` only for a verified answer
        of a successful payment (type 01, status 00); a "91" answer means VNPay has no such
        transaction (``known`` False). ``raw`` is VNPay's answer."""
        answer = self.querydr(payment)
        return ProviderStatus(
            paid=answer.paid,
            known=answer.response_code != "91",
            amount=answer.amount,
            provider_txn=answer.transaction_no,
            message=str(
                protocol.TRANSACTION_STATUSES.get(answer.transaction_status, answer.reason)
                if answer.ok
                else answer.reason
            ),
            raw=answer.raw,
        )

    def querydr(self, payment: "Payment") -> protocol.ApiResponse:
        """The ``querydr`` call itself, VNPay's answer decoded and its checksum checked."""
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

    def handle_callback(self, request: HttpRequest) -> HttpResponse:
        """VNPay's IPN (GET with signed ``vnp_*`` parameters): always HTTP 200 with
        ``{"RspCode", "Message"}``, checks in VNPay's order (``notifications.handle_ipn``)."""
        return notifications.ipn(request)

    def handle_return(self, request: HttpRequest) -> HttpResponse:
        """The payer back from VNPay (``vnp_ReturnUrl``): the outcome as the database knows it."""
        return notifications.return_page(request)

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
