"""The payments for a person's dossiers in their personal-data export
(``tinhso.accounts.personal_data``). Withdrawing consent changes nothing here: payments are
accounting records the law requires to be kept."""

from typing import Any

from tinhso.accounts import personal_data
from tinhso.accounts.models import User
from tinhso.dossiers.privacy import owned_dossiers
from tinhso.payments.models import Payment


@personal_data.register
class PaymentData(personal_data.PersonalData):
    id = "payments"
    order = 20

    def export(self, user: User) -> dict[str, Any]:
        payments = (
            Payment.objects.filter(dossier__in=owned_dossiers(user))
            .select_related("dossier")
            .order_by("pk")
        )
        return {
            "payments": [
                {
                    "dossier": p.dossier.code,
                    "reference": p.reference,
                    "provider": p.provider,
                    "amount": p.amount,
                    "status": p.status,
                    "refunded_amount": p.refunded_amount,
                    "created_at": p.created_at,
                    "paid_at": p.paid_at,
                }
                for p in payments
            ]
        }
