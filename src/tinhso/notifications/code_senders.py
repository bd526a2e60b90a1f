"""Sign-in codes of the accounts app (``tinhso.accounts.code_senders``) go out through this
app's channels: e-mail through the ``email`` channel, SMS through ``TINHSO_SMS_CHANNEL``.

Sent straight through the channel, not recorded as a ``Delivery``: the code is stored only as
a hash, and a delivery row would keep it in clear (as for the salinity subscription codes).
Found by ``AccountsConfig.ready`` (``autodiscover_modules("code_senders")``).
"""

from tinhso.accounts import code_senders
from tinhso.notifications.channels import Medium, channel_for


def send_email(recipient: str, subject: str, body: str) -> None:
    channel_for(Medium.EMAIL).send(recipient=recipient, subject=subject, body=body)


def send_sms(recipient: str, subject: str, body: str) -> None:
    channel_for(Medium.SMS).send(recipient=recipient, subject=subject, body=body)


code_senders.register(code_senders.EMAIL, send_email)
code_senders.register(code_senders.SMS, send_sms)
