"""Demo data: every demo official shares one TOTP secret so the demo stays usable.

The secret ``JBSWY3DPEHPK3PXP`` is public (README): never use it outside demo data.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from tinhso.accounts.models import SecondFactor, User

DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXP"


def enrol_demo_second_factor() -> None:
    """Enrol every official and administrator with the demo secret (idempotent).

    Refused with production settings (DEBUG off and demo data not explicitly allowed), like the
    demo loader itself."""
    if not settings.DEBUG and not getattr(settings, "TINHSO_ALLOW_DEMO", False):
        raise ImproperlyConfigured("Demo second factors are refused in production settings.")
    officials = User.objects.filter(kind__in=[User.Kind.OFFICIAL, User.Kind.ADMIN])
    with transaction.atomic():
        for user in officials:
            SecondFactor.objects.update_or_create(
                user=user,
                defaults={"secret": DEMO_TOTP_SECRET, "confirmed_at": timezone.now()},
            )
