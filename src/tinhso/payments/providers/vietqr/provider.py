"""Bank transfer by VietQR (NAPAS 247) to the province's collecting account.

The payer scans a dynamic QR whose transfer note (ID 62/08) is the payment reference. The QR
proves nothing: the payment is confirmed only when the bank reports the transfer, through a
statement import or the bank webhook (``handle_webhook`` → ``tinhso.payments.statements``),
which match it on the reference and the amount. See docs/payments-vietqr.md.
"""

import json
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.documents.formatting import dong
from tinhso.payments import statements
from tinhso.payments.collecting import BANKS, collecting_account
from tinhso.payments.models import TransferSource
from tinhso.payments.providers import PaymentProvider, Started, register
from tinhso.payments.providers.vietqr import payload as vietqr_payload
from tinhso.payments.providers.vietqr.qr import qr_data_uri

if TYPE_CHECKING:
    from django.http import HttpRequest

    from tinhso.payments.models import Payment


def payload_for(payment: "Payment") -> str:
    """The dynamic VietQR payload of ``payment``: its amount, its reference as transfer note."""
    target = collecting_account()
    return vietqr_payload.build(
        bank_bin=target.bank_bin,
        account=target.account,
        amount=payment.amount,
        purpose=payment.reference,
    )


@register
class VietQRProvider(PaymentProvider):
    id = "vietqr"
    label = "VietQR (chuyển khoản ngân hàng)"
    online = True
    settles_by_bank_credit = True

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

    def expires_after(self) -> timedelta:
        """``TINHSO_VIETQR_EXPIRE_MINUTES`` (a day by default). The bank has no query interface:
        past it the reference is simply closed; a transfer that still arrives for it is kept for
        the officials' reconciliation (``statements``, problem "expired")."""
        return timedelta(minutes=settings.TINHSO_VIETQR_EXPIRE_MINUTES)

    def start_response(
        self, request: "HttpRequest", payment: "Payment", started: Started
    ) -> HttpResponse:
        """Back to the dossier page, which shows the QR (``pending_panel``), with a reminder to
        keep the transfer note."""
        messages.info(
            request,
            _("Quét mã QR bằng ứng dụng ngân hàng; giữ nguyên nội dung chuyển khoản %(ref)s.")
            % {"ref": payment.reference},
        )
        return super().start_response(request, payment, Started())

    def pending_panel(self, payment: "Payment") -> str:
        """The QR code of a pending transfer, as long as the payer may pay it (not past its
        ``expires_at``), and beside it in text what a payer on a phone cannot scan: bank,
        account number, holder, amount and transfer note, each with a copy button
        (``payments/vietqr.js``; without JavaScript the text alone is shown)."""
        qr = payment.details.get("qr_payload")
        if not payment.is_live() or not qr:
            return ""
        target = collecting_account()
        account = str(payment.details.get("account") or target.account)
        bank_bin = str(payment.details.get("bank_bin") or target.bank_bin)
        context = {
            "payment": payment,
            "qr_image": qr_data_uri(qr),
            "bank_name": BANKS.get(bank_bin, bank_bin),
            "account": account,
            "account_name": target.account_name if account == target.account else "",
            "amount_text": dong(payment.amount),
        }
        return render_to_string("payments/vietqr/pending.html", context)

    def handle_webhook(self, request: "HttpRequest") -> HttpResponse:
        """A credit to the collecting account, pushed by the bank or an intermediary (POST).

        Authenticated by ``X-Tinhso-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." +
        body)>`` and ``X-Tinhso-Timestamp: <unix seconds>`` (docs/payments-vietqr.md); 404 while
        ``TINHSO_BANK_WEBHOOK_SECRET`` is empty. Idempotent on the bank reference: a repeated
        call answers ``duplicate: true`` and changes nothing.
        """
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        secret = settings.TINHSO_BANK_WEBHOOK_SECRET
        if not secret:
            raise Http404
        body = request.body
        if not statements.signature_valid(
            secret=secret,
            timestamp=request.headers.get(statements.TIMESTAMP_HEADER, ""),
            body=body,
            signature=request.headers.get(statements.SIGNATURE_HEADER, ""),
            now=timezone.now(),
        ):
            return JsonResponse({"error": "invalid signature or timestamp"}, status=401)
        try:
            data = statements.transfer_from_webhook(json.loads(body))
        except ValueError as exc:
            return JsonResponse({"error": str(exc)}, status=400)
        transfer, created = statements.receive_transfer(data=data, source=TransferSource.WEBHOOK)
        if not created and transfer.amount != data.amount:
            return JsonResponse(
                {"error": "reference already recorded with another amount"}, status=409
            )
        return JsonResponse(
            {"id": transfer.pk, "status": transfer.status, "duplicate": not created}
        )
