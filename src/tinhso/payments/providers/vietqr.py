"""Bank transfer by VietQR (NAPAS 247) to the province's collecting account.

The payer scans a dynamic QR whose transfer note (ID 62/08) is the payment reference. The QR
proves nothing: the payment is confirmed only when the bank reports the transfer, through a
statement import or the bank webhook (``tinhso.payments.statements``), which match it on the
reference and the amount. See docs/payments-vietqr.md.
"""

import base64
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

import segno
from django.conf import settings

from tinhso.payments import vietqr_payload
from tinhso.payments.providers import PaymentProvider, Started, register

if TYPE_CHECKING:
    from django.http import HttpRequest

    from tinhso.payments.models import Payment

# BIN -> short name of banks commonly used by agencies (NAPAS BINs; spec §2.4).
BANKS: dict[str, str] = {
    "970436": "Vietcombank",
    "970415": "VietinBank",
    "970418": "BIDV",
    "970405": "Agribank",
    "970416": "ACB",
    "970407": "Techcombank",
    "970422": "MB Bank",
    "970403": "Sacombank",
}


@dataclass(frozen=True)
class CollectingAccount:
    """The account payers transfer to (settings ``TINHSO_VIETQR_*``)."""

    bank_bin: str
    account: str
    account_name: str

    @property
    def bank_name(self) -> str:
        return BANKS.get(self.bank_bin, self.bank_bin)


def collecting_account() -> CollectingAccount:
    return CollectingAccount(
        bank_bin=settings.TINHSO_VIETQR_BANK_BIN,
        account=settings.TINHSO_VIETQR_ACCOUNT,
        account_name=settings.TINHSO_VIETQR_ACCOUNT_NAME,
    )


def payload_for(payment: "Payment") -> str:
    """The dynamic VietQR payload of ``payment``: its amount, its reference as transfer note."""
    target = collecting_account()
    return vietqr_payload.build(
        bank_bin=target.bank_bin,
        account=target.account,
        amount=payment.amount,
        purpose=payment.reference,
    )


def qr_svg(payload: str, *, scale: int = 5) -> bytes:
    """The QR code of ``payload`` as an SVG document (error correction M, 4-module quiet zone)."""
    buffer = io.BytesIO()
    segno.make_qr(payload, error="m").save(buffer, kind="svg", scale=scale, border=4)
    return buffer.getvalue()


def qr_png(payload: str, *, scale: int = 8) -> bytes:
    """The QR code of ``payload`` as a PNG image."""
    buffer = io.BytesIO()
    segno.make_qr(payload, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def qr_data_uri(payload: str) -> str:
    """An SVG data URI of the QR code, for ``<img src>`` (the CSP allows ``data:`` images)."""
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(payload)).decode("ascii")


@register
class VietQRProvider(PaymentProvider):
    id = "vietqr"
    label = "VietQR (chuyển khoản ngân hàng)"
    online = True

    def start(self, payment: "Payment", request: "HttpRequest | None") -> Started:
        """Build the transfer QR. The payment stays pending until the bank reports the transfer.

        The payload and the account it points to are kept in ``payment.details`` (saved by
        ``services.start_payment``), so the payer can be shown the same QR again.
        """
        payload = payload_for(payment)
        target = collecting_account()
        payment.details = payment.details | {
            "qr_payload": payload,
            "bank_bin": target.bank_bin,
            "account": target.account,
        }
        return Started(qr_payload=payload)

    # refund(): the base class raises ProviderError. A transfer is paid back by the accountant
    # through the bank; the refund is then recorded with services.refund_payment by an official.
