"""E-mail channel: sends through Django's configured e-mail backend (``EMAIL_BACKEND``)."""

import smtplib
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.utils import DNS_NAME

from tinhso.notifications.channels import Channel, DeliveryError, Medium, register


@register
class EmailChannel(Channel):
    """Plain-text e-mail from ``DEFAULT_FROM_EMAIL``.

    The provider message id is the ``Message-ID`` header, generated here so it can be recorded
    and matched against the mail server's logs or bounces.
    """

    id = "email"
    medium = Medium.EMAIL

    def send(self, *, recipient: str, subject: str, body: str) -> str:
        """Send one e-mail; SMTP and connection errors become :class:`DeliveryError`."""
        message_id = make_msgid(idstring="tinhso", domain=str(DNS_NAME))
        message = EmailMessage(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[recipient],
            headers={"Message-ID": message_id, "Auto-Submitted": "auto-generated"},
        )
        try:
            sent = message.send(fail_silently=False)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
        if sent != 1:
            raise DeliveryError("The e-mail backend accepted no message")
        return message_id
