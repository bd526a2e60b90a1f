"""The national population database lookup (CSDLQG về dân cư, spec §7) (issue 17)."""

import re

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# A person waits for a lookup (the counter, the API): a read timeout beyond this is a mistake.
LONGEST_READ_TIMEOUT = 30.0


def connect() -> None:
    """Check the lookup's settings when the app starts (called from the app's ``ready``): the
    lookup is a direct call inside a web request, so a missing or long timeout would hold a clerk
    and a server worker; and ``MaYeuCau``'s prefix goes on the wire as is."""
    timeout = settings.TINHSO_DANCU_READ_TIMEOUT
    if not 0 < timeout <= LONGEST_READ_TIMEOUT:
        raise ImproperlyConfigured(
            f"TINHSO_DANCU_READ_TIMEOUT={timeout!r}: must be > 0 and <= {LONGEST_READ_TIMEOUT} s"
        )
    if not re.fullmatch(r"[A-Za-z0-9_]{0,32}", settings.TINHSO_DANCU_REQUEST_PREFIX):
        raise ImproperlyConfigured(
            "TINHSO_DANCU_REQUEST_PREFIX: letters, digits and _ only, at most 32 characters"
        )
