"""Demo accounts: the helpers every demo loader shares, and the demo officials' second factor.

The loaders (``tinhso.demo`` and each app's ``demo.py``, run by ``tinhso load_demo``) import
these helpers from here, a low layer, so that no app imports the composition module
``tinhso.demo``. Every demo account's password is ``tinhso-demo`` and every demo official shares
the TOTP secret ``JBSWY3DPEHPK3PXP``; both are public (README): never use them outside demo data.
"""

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from tinhso.accounts.models import SecondFactor, User
from tinhso.units.models import AdministrativeUnit

DEMO_PASSWORD = "tinhso-demo"
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXP"
REFORM_DAY = datetime.date(2025, 7, 1)  # the demo's units are those after the 2025 reform


def ensure_demo_allowed(refusal: str = "") -> None:
    """Refuse production settings (DEBUG off and demo data not explicitly allowed)."""
    if not settings.DEBUG and not getattr(settings, "TINHSO_ALLOW_DEMO", False):
        raise ImproperlyConfigured(
            refusal or "Demo data is never loaded with production settings (TINHSO_DEBUG=false)."
        )


def unit(code: str, day: datetime.date = REFORM_DAY) -> AdministrativeUnit:
    """The administrative unit with this code valid on ``day`` (the units are loaded first)."""
    found = (
        AdministrativeUnit.objects.filter(code=code, valid_from__lte=day)
        .order_by("-valid_from")
        .first()
    )
    if found is None:
        raise ImproperlyConfigured(
            f"Administrative unit {code} missing: run `tinhso load_units` first"
        )
    return found


def demo_user(username: str, **fields: Any) -> User:
    """The demo account with this username, created with ``fields`` and the demo password."""
    user, created = User.objects.get_or_create(username=username, defaults=fields)
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def enrol_demo_second_factor() -> None:
    """Enrol every official and administrator with the demo secret (idempotent).

    Refused with production settings (DEBUG off and demo data not explicitly allowed), like the
    demo loader itself."""
    ensure_demo_allowed("Demo second factors are refused in production settings.")
    officials = User.objects.filter(kind__in=[User.Kind.OFFICIAL, User.Kind.ADMIN])
    with transaction.atomic():
        for user in officials:
            SecondFactor.objects.update_or_create(
                user=user,
                defaults={"secret": DEMO_TOTP_SECRET, "confirmed_at": timezone.now()},
            )
