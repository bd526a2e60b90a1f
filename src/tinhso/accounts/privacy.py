"""The accounts app's personal data: the profile and the consent decisions in the export, and the
API tokens and other sessions that end when the person refuses or withdraws consent (see
``tinhso.accounts.personal_data``)."""

from typing import Any

from tinhso.accounts import personal_data
from tinhso.accounts.models import ApiToken, Consent, User


def _profile(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "kind": user.kind,
        "full_name": user.full_name,
        "personal_id": user.personal_id,
        "tax_code": user.tax_code,
        "phone": user.phone,
        "email": user.email,
        "address": user.address,
        "commune": user.commune.name if user.commune else None,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
    }


@personal_data.register
class AccountData(personal_data.PersonalData):
    id = "accounts"
    order = 0

    def export(self, user: User) -> dict[str, Any]:
        consents = Consent.objects.filter(user=user).order_by("recorded_at", "pk")
        return {
            "profile": _profile(user),
            "consents": [
                {
                    "purpose": c.purpose,
                    "notice_version": c.notice_version,
                    "given": c.given,
                    "method": c.method,
                    "recorded_at": c.recorded_at,
                }
                for c in consents
            ],
        }

    def withdraw_consent(self, user: User) -> None:
        # No processing on the person's behalf after a refusal or withdrawal: their API tokens
        # go, and so do their other sessions (which remember an earlier consent).
        ApiToken.objects.filter(user=user).delete()
        user.end_sessions()
