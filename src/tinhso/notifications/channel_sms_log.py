"""SMS logging channel: the default, because no SMS provider is reachable from the platform.

Each message is written to the ``tinhso.sms`` logger at INFO level instead of being sent, with
the phone number masked. Point ``TINHSO_SMS_CHANNEL`` at a real provider's channel in
production (docs/notifications.md).
"""

import logging
import uuid

from tinhso.notifications.channels import Channel, Medium, register
from tinhso.notifications.masking import mask_recipient

logger = logging.getLogger("tinhso.sms")


@register
class LogSmsChannel(Channel):
    """Writes the SMS to the ``tinhso.sms`` log and returns an id of the form ``log-<hex>``."""

    id = "log"
    medium = Medium.SMS

    def send(self, *, recipient: str, subject: str, body: str) -> str:
        """Log the message (the subject is ignored, as by every SMS channel); never fails."""
        message_id = f"log-{uuid.uuid4().hex}"
        logger.info(
            "SMS %s to %s: %s",
            message_id,
            mask_recipient(recipient),
            body,
            extra={"sms_id": message_id, "sms_body": body},
        )
        return message_id
