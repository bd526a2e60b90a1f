"""Shared helpers for the VietQR, statement, receipt and reconciliation tests."""

import json
import time

from tinhso.dossiers import services as dossier_services
from tinhso.payments import services, statements
from tinhso.testing import FORM_DATA, pdf_upload
from tinhso.uploads import check_upload

SECRET = "test-webhook-secret"
BIN, ACCOUNT = "970415", "113366668888"


def configure(settings) -> None:
    """The collecting account held by the cast's one-stop centre; a known webhook secret."""
    settings.TINHSO_VIETQR_BANK_BIN = BIN
    settings.TINHSO_VIETQR_ACCOUNT = ACCOUNT
    settings.TINHSO_VIETQR_ACCOUNT_NAME = "TRUNG TAM PVHCC"
    settings.TINHSO_VIETQR_AGENCY = "000.00.01.H61"
    settings.TINHSO_BANK_WEBHOOK_SECRET = SECRET


def filed(cast, citizen=None, *, prepay: bool = True):
    """An online dossier of the province procedure (fee 100 000 đ online), received by the clerk."""
    version = cast.province_procedure
    if version.requires_payment_before_processing != prepay:
        version.requires_payment_before_processing = prepay
        version.save()
    citizen = citizen or cast.citizen
    dossier, _ = dossier_services.file_dossier(
        user=citizen,
        version=version,
        data=FORM_DATA,
        applicant=dossier_services.Applicant.from_user(citizen),
        files=[dossier_services.NewFile("TK", check_upload(pdf_upload()))],
    )
    return dossier_services.perform_action(
        user=cast.clerk, dossier=dossier, request=dossier_services.ActionRequest(action="receive")
    )


def vietqr_payment(cast, dossier=None):
    dossier = dossier or filed(cast)
    payment, started = services.start_payment(
        user=dossier.applicant or cast.citizen, dossier=dossier, provider_id="vietqr"
    )
    return payment, started


def signed_headers(body: bytes, *, secret: str = SECRET, timestamp: int | None = None) -> dict:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "HTTP_X_TINHSO_TIMESTAMP": stamp,
        "HTTP_X_TINHSO_SIGNATURE": statements.sign(secret, stamp, body),
    }


def webhook_body(
    reference: str, amount: int, description: str, received_at: str = "2025-11-25T09:30:00+07:00"
) -> bytes:
    return json.dumps(
        {
            "bank_bin": BIN,
            "account": ACCOUNT,
            "amount": amount,
            "description": description,
            "reference": reference,
            "received_at": received_at,
        }
    ).encode()


WEBHOOK = "/payments/vietqr/webhook"
# The address banks were given before the generic routes: the same view.
OLD_WEBHOOK = "/backoffice/thanh-toan/ngan-hang/bao-co/"


def post_webhook(client, body: bytes, *, url: str = WEBHOOK, **kw):
    return client.post(
        url,
        body,
        content_type="application/json",
        **signed_headers(body, **kw),
    )
