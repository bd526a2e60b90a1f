"""How a one-time sign-in code (the unlock code, ``tinhso.accounts.unlock``) leaves the
platform: an extension point of the accounts app.

Every message to anyone goes through the notifications app's channels (e-mail, and the SMS
channel chosen by ``TINHSO_SMS_CHANNEL``), but accounts is a layer below notifications and must
not import it (docs/architecture.md, ADR 0010). So accounts says *what* to send and to whom
(the account's e-mail or phone) and a higher layer says *how*: it registers one function per
medium in a module named ``code_senders.py``, which ``AccountsConfig.ready`` finds the way the
admin finds ``admin.py`` (today ``tinhso.notifications.code_senders``). Calling Django's mail
API here directly would have covered e-mail only and bypassed the configured channels; a
delivery row of the outbox is not used either, because it would keep the code in clear.

A sender delivers one message at once and raises on failure; it must not retry, store the body
or log the full recipient.
"""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

#: ``send(recipient, subject, body)``; ``subject`` is ignored by SMS.
Sender = Callable[[str, str, str], None]

EMAIL = "email"
SMS = "sms"
MEDIA = (EMAIL, SMS)

_registry: dict[str, Sender] = {}


def register(medium: str, send: Sender) -> None:
    """Deliver codes on ``medium`` (``"email"`` or ``"sms"``) with ``send``. A second, different
    sender for one medium is refused: which one wins must not depend on the order apps load."""
    if medium not in MEDIA:
        raise ImproperlyConfigured(f"Unknown medium for sign-in codes: {medium!r}")
    existing = _registry.get(medium)
    if existing is not None and existing is not send:
        raise ImproperlyConfigured(f"A sign-in code sender for {medium!r} is already registered")
    _registry[medium] = send


def sender(medium: str) -> Sender | None:
    return _registry.get(medium)
