"""The applicant's payment step on the dossier page: what is due, how to pay, every payment so far.

Paying itself goes through the payment providers' generic routes (``/payments/<provider>/start/
<code>``, ``tinhso.payments.views``); what a provider shows for a pending payment (VietQR: its QR
code) is the provider's ``pending_panel``.
"""

from django.utils.safestring import SafeString, mark_safe

from tinhso.accounts.models import User
from tinhso.dossiers import selectors
from tinhso.dossiers.models import TERMINAL, Dossier, Status
from tinhso.payments import services
from tinhso.payments.models import PaymentStatus
from tinhso.payments.providers import offered_to_payers, providers


def payment_context(user: User, dossier: Dossier) -> dict[str, object]:
    """What the dossier page shows about fees: what is due, how to pay, and every payment so far."""
    payments = list(dossier.payments.order_by("created_at"))
    due = services.amount_due(dossier)
    can_pay = (
        due > 0
        and selectors.is_owner(user, dossier)
        and dossier.status not in TERMINAL
        and dossier.status != Status.DRAFT
    )
    registered = providers()
    panels: dict[str, SafeString] = {}  # provider id -> the panel of its latest pending payment
    if can_pay:
        for payment in reversed(payments):
            provider = registered.get(payment.provider)
            if payment.status != PaymentStatus.PENDING or provider is None:
                continue
            if provider.id not in panels and (html := provider.pending_panel(payment)):
                panels[provider.id] = mark_safe(html)  # noqa: S308 (rendered from a template)
    return {
        "payments": payments,
        "amount_due": due,
        "can_pay": can_pay,
        # A payment the payer can still finish is the one to pay: its provider is not offered again.
        "pay_providers": [p for p in offered_to_payers() if p.id not in panels] if can_pay else [],
        "pending_panels": list(panels.values()),
    }
