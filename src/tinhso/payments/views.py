"""The generic payment routes, ``/payments/<provider>/...``: each looks the provider up in the
registry (404 for an unknown one) and hands the request to it.

* ``start/<dossier code>`` (POST, the signed-in applicant): open a payment for what the dossier
  owes and answer with what the provider shows next (``PaymentProvider.start_response``).
* ``return`` (the payer's browser back from the provider), ``callback`` and ``webhook``
  (server-to-server, CSRF-exempt, no session needed): ``handle_return``, ``handle_callback``,
  ``handle_webhook`` answer as the provider's protocol defines.
* ``query/<payment reference>`` (POST, an official who handles the payment): ask the provider
  for the payment's state and confirm it if the provider vouches it was paid.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tinhso.accounts.access import official, staff_required
from tinhso.accounts.models import User
from tinhso.dossiers import selectors as dossier_selectors
from tinhso.payments import selectors, services
from tinhso.payments.providers import (
    PaymentProvider,
    offered_to_payers,
    payer_page,
    providers,
)


def provider_or_404(provider_id: str) -> PaymentProvider:
    provider = providers().get(provider_id)
    if provider is None:
        raise Http404(_("Không có hình thức thanh toán này."))
    return provider


@login_required
@require_POST
def start(request: HttpRequest, provider: str, code: str) -> HttpResponse:
    """The applicant pays what ``code`` owes with ``provider``; refusals go back to the dossier
    page with a message (a stranger gets 404, a provider not offered to payers 404)."""
    user = request.user
    assert isinstance(user, User)
    method = provider_or_404(provider)
    if method not in offered_to_payers():
        raise Http404(_("Không có hình thức thanh toán này."))
    dossier = dossier_selectors.dossier_for_user(user, code)
    if not dossier_selectors.is_owner(user, dossier):
        messages.error(request, _("Chỉ chủ hồ sơ mới thanh toán trực tuyến."))
        return redirect(payer_page(dossier))
    try:
        payment, started = services.start_payment(
            user=user, dossier=dossier, provider_id=method.id, request=request
        )
    except services.PaymentError as exc:
        messages.error(request, exc.message)
        return redirect(payer_page(dossier))
    return method.start_response(request, payment, started)


@never_cache
def provider_return(request: HttpRequest, provider: str) -> HttpResponse:
    return provider_or_404(provider).handle_return(request)


@csrf_exempt
@never_cache
def callback(request: HttpRequest, provider: str) -> HttpResponse:
    return provider_or_404(provider).handle_callback(request)


@csrf_exempt
@never_cache
def webhook(request: HttpRequest, provider: str) -> HttpResponse:
    return provider_or_404(provider).handle_webhook(request)


@require_POST
@staff_required
def query(request: HttpRequest, provider: str, reference: str) -> HttpResponse:
    """Ask the provider about one payment; back to ``next`` (this site only) or the counter page."""
    user = official(request)
    payment = selectors.payment_for_official(user, reference=reference)
    if payment.provider != provider_or_404(provider).id:
        raise Http404
    try:
        payment, answer, applied = services.query_payment(payment_id=payment.pk, actor=user)
    except services.PaymentError as exc:
        messages.error(request, exc.message)
    else:
        if applied:
            messages.success(
                request, _("Cổng thanh toán xác nhận đã thanh toán; đã ghi nhận khoản thanh toán.")
            )
        else:
            messages.info(
                request,
                _("Cổng thanh toán trả lời: %(message)s") % {"message": answer.message or "—"},
            )
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("payments_staff:counter", code=payment.dossier.code)
