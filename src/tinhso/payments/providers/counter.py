"""Payment at the counter (cash or card terminal), recorded by the clerk."""

from typing import TYPE_CHECKING

from tinhso.payments.providers import PaymentProvider, Started, register

if TYPE_CHECKING:
    from django.http import HttpRequest

    from tinhso.payments.models import Payment


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
