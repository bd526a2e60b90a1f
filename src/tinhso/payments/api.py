"""Payment endpoints under /api/v1/dossiers/{code}/payments."""

import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status

from tinhso.accounts.api import bearer, session_user
from tinhso.accounts.models import User
from tinhso.apierrors import ApiError
from tinhso.dossiers import selectors
from tinhso.payments import services
from tinhso.payments.models import Payment
from tinhso.payments.providers import get_provider, providers

router = Router(tags=["payments"], auth=[bearer, session_user])


class PaymentIn(Schema):
    provider: str


class PaymentOut(Schema):
    id: int
    reference: str
    provider: str
    status: str
    amount: int
    refunded_amount: int
    created_at: datetime.datetime
    paid_at: datetime.datetime | None
    redirect_url: str | None = None
    qr_payload: str | None = None


def _out(
    payment: Payment, redirect_url: str | None = None, qr_payload: str | None = None
) -> dict[str, Any]:
    return {
        "id": payment.pk,
        "reference": payment.reference,
        "provider": payment.provider,
        "status": payment.status,
        "amount": payment.amount,
        "refunded_amount": payment.refunded_amount,
        "created_at": payment.created_at,
        "paid_at": payment.paid_at,
        "redirect_url": redirect_url,
        "qr_payload": qr_payload,
    }


@router.get("/dossiers/{code}/payments", response=list[PaymentOut], summary="Payments of a dossier")
def list_payments(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    try:
        dossier = selectors.dossier_for_user(request.user, code)
    except selectors.DossierNotFound:
        raise ApiError(
            404, _("Không tìm thấy hồ sơ “%(code)s”.") % {"code": code}, "code"
        ) from None
    return [_out(p) for p in dossier.payments.order_by("created_at")]


@router.post("/dossiers/{code}/payments", response={201: PaymentOut}, summary="Start a payment")
def create_payment(request: HttpRequest, code: str, payload: PaymentIn) -> Status[dict[str, Any]]:
    """Online providers are started by the applicant; a staff-only provider ("counter") records a
    payment taken by a clerk."""
    user = request.user
    assert isinstance(user, User)
    try:
        dossier = selectors.dossier_for_user(user, code)
    except selectors.DossierNotFound:
        raise ApiError(
            404, _("Không tìm thấy hồ sơ “%(code)s”.") % {"code": code}, "code"
        ) from None
    if payload.provider not in providers():
        raise ApiError(400, _("Hình thức thanh toán không hợp lệ."), "provider")
    provider = get_provider(payload.provider)
    is_clerk = "clerk" in selectors.roles_on(user, dossier, "either")
    if provider.staff_only and not is_clerk:
        raise ApiError(409, _("Chỉ cán bộ một cửa mới ghi nhận thanh toán tại quầy."), "provider")
    if not provider.staff_only and not selectors.is_owner(user, dossier):
        raise ApiError(409, _("Chỉ chủ hồ sơ mới thanh toán trực tuyến."), "provider")
    try:
        payment, started = services.start_payment(
            user=user, dossier=dossier, provider_id=provider.id, request=request
        )
        if provider.staff_only:
            payment, _applied = services.confirm_payment(
                reference=payment.reference, amount=payment.amount, source=provider.id, actor=user
            )
    except services.PaymentError as exc:
        raise ApiError(exc.status, exc.message, exc.field) from exc
    return Status(201, _out(payment, started.redirect_url, started.qr_payload))
