"""GET_BILL through the outbox: the platform's receipt PDF of a paid attempt, fetched by the worker
(never in the callback's request) and kept with the payment.

The PDF goes to the applicant's personal store (kind "receipt", read only by its owner, like the
province's own e-receipt) when the dossier has an applicant account, else to storage under
``receipts/<payment id>/``; ``Payment.details["paygov"]["bill"]`` says where, with its SHA-256.
"""

import hashlib
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.integrations.models import OutboxItem
from tinhso.integrations.paygov import protocol
from tinhso.integrations.paygov.provider import (
    APPLIED,
    SYSTEM,
    attempt_data,
    paygov_config,
    post,
)
from tinhso.integrations.systems import Outcome, OutsideSystem
from tinhso.payments.models import Payment
from tinhso.payments.providers import ProviderError
from tinhso.stores.models import StoredDocument
from tinhso.stores.services import StoreError, store_document

logger = logging.getLogger(__name__)


class PaygovSystem(OutsideSystem):
    name = SYSTEM
    label = "Cổng thanh toán quốc gia"

    def deliver(self, item: OutboxItem) -> Outcome:
        payment = (
            Payment.objects.select_related("dossier__applicant", "dossier__agency")
            .filter(pk=item.payload.get("payment_id"))
            .first()
        )
        if payment is None or payment.status not in APPLIED:
            return Outcome.rejected(_("Khoản thanh toán không tồn tại hoặc chưa thanh toán."))
        if (payment.details.get("paygov") or {}).get("bill"):
            return Outcome.delivered()  # fetched before
        try:
            config = paygov_config()
            attempt = attempt_data(payment)
            message = protocol.lookup_message(
                "GET_BILL",
                config.partner_code,
                attempt["MaThamChieu"],
                attempt["ThoiGianGD"],
                config.secret,
            )
            response = post(config, "bill", message)
        except ProviderError as exc:
            return Outcome.retry(str(exc))
        if response.status_code >= 500 or response.status_code == 429:
            return Outcome.retry(f"HTTP {response.status_code}")
        content = response.content
        text = content[:200].decode("utf-8", "replace")
        if 400 <= response.status_code < 500:
            return Outcome.rejected(_("Cổng từ chối trả biên lai: %(text)s") % {"text": text})
        if not content.startswith(b"%PDF"):
            # e.g. "not paid yet" while the platform settles: asked again with back-off.
            return Outcome.retry(_("Cổng chưa trả biên lai PDF: %(text)s") % {"text": text})
        keep_bill(payment, attempt["MaThamChieu"], content)
        return Outcome.delivered()


def keep_bill(payment: Payment, reference: str, content: bytes) -> None:
    digest = hashlib.sha256(content).hexdigest()
    dossier = payment.dossier
    bill: dict[str, object] = {
        "sha256": digest,
        "size": len(content),
        "at": timezone.now().isoformat(),
    }
    with transaction.atomic():
        if dossier.applicant is not None:
            try:
                stored = store_document(
                    owner=dossier.applicant,
                    kind=StoredDocument.Kind.RECEIPT,
                    title=_("Biên lai của Cổng thanh toán quốc gia — hồ sơ %(code)s")
                    % {"code": dossier.code},
                    content=content,
                    content_type="application/pdf",
                    document_number=reference,
                    dossier=dossier,
                    issuer=dossier.agency,
                    issued_at=payment.paid_at,
                )
            except StoreError:
                logger.exception("PayGov receipt of %s not kept in the store", payment.reference)
                raise
            bill["stored_document"] = stored.pk
        else:
            bill["file"] = default_storage.save(
                f"receipts/{payment.pk}/paygov-{reference}.pdf", ContentFile(content)
            )
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        paygov = dict(locked.details.get("paygov") or {}) | {"bill": bill}
        locked.details = locked.details | {"paygov": paygov}
        locked.save(update_fields=["details"])
