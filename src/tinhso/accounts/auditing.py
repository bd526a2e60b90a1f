"""Security events of this app (sign-in lockouts, second factors, consents, data exports …).

The accounts app is a low layer and never imports the audit log: :func:`audit` sends the
:data:`security_event` signal, and the audit app (``tinhso.audit.signals``) connects it to
``log_event`` with the same keyword arguments. Receivers run synchronously, in the caller's
transaction, and their exceptions propagate (``send``, not ``send_robust``): an event that
cannot be written fails the operation as it would if the log were called directly.
"""

from typing import Any

from django.dispatch import Signal
from django.http import HttpRequest

from tinhso.accounts.models import User

#: Sent with ``action``, ``actor``, ``target``, ``details``, ``request`` and ``outcome``
#: (the keyword arguments of ``tinhso.audit.services.log_event``); the sender is ``User``.
security_event = Signal()


def audit(
    action: str,
    *,
    actor: User | None,
    target: str = "",
    details: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    outcome: str = "success",
) -> None:
    security_event.send(
        sender=User,
        action=action,
        actor=actor,
        target=target,
        details=details,
        request=request,
        outcome=outcome,
    )
