"""Payment at the counter (cash or card terminal), recorded by the clerk.

The clerk's page (``payments/staff_views.counter``) starts and confirms the payment in one
transaction; nothing is shown to the payer and no route of ``/payments/counter/`` answers.
"""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy

from tinhso.payments.providers import PaymentProvider, Started, register

if TYPE_CHECKING:
    from django.http import HttpRequest

    from tinhso.payments.models import Payment

#: How the money was handed over (``data={"method": ...}`` of the confirmation).
METHODS = {"cash": gettext_lazy("tiền mặt"), "card": gettext_lazy("thẻ ngân hàng")}


@register
class CounterProvider(PaymentProvider):
    id = "counter"
    label = "Nộp tại quầy (tiền mặt, thẻ)"
    online = False
    staff_only = True

    def start(self, payment: "Payment", request: "HttpRequest | None") -> Started:
        """Nothing for the payer to do: the clerk confirms the payment with ``services.confirm_payment``."""
        return Started()

    def refund(self, payment: "Payment", amount: int, reason: str) -> str:
        """Cash is handed back at the counter by the clerk who records the refund."""
        return f"counter-refund-{payment.reference}"

    def receipt_method(self, payment: "Payment", confirmation: Mapping[str, Any]) -> str:
        """The label, then cash or card as the clerk recorded it."""
        detail = METHODS.get(str(confirmation.get("method") or ""))
        return f"{self.label} — {detail}" if detail else str(self.label)
