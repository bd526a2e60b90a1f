"""An SMS channel for tests of any app, added the way docs/notifications.md adds a provider."""

from typing import Any, ClassVar

from tinhso.notifications import channels
from tinhso.notifications.channels import Channel, DeliveryError, Medium


class FlakySmsChannel(Channel):
    """An SMS provider that refuses the first ``failures`` messages, then accepts every one.

    The messages it accepted are kept in ``sent`` as (recipient, body).
    """

    id = "test-flaky-sms"
    medium = Medium.SMS
    failures = 0
    calls = 0
    sent: ClassVar[list[tuple[str, str]]] = []

    def send(self, *, recipient: str, subject: str, body: str) -> str:
        cls = type(self)
        cls.calls += 1
        if cls.calls <= cls.failures:
            raise DeliveryError("Nhà mạng tạm thời không nhận tin")
        cls.sent.append((recipient, body))
        return f"flaky-{cls.calls}"


def install_sms_channel(
    monkeypatch: Any, settings: Any, *, failures: int = 0
) -> type[FlakySmsChannel]:
    """Register ``FlakySmsChannel`` (in a copy of the registry) and make it the SMS channel."""
    monkeypatch.setattr(channels, "_registry", dict(channels._registry))
    monkeypatch.setattr(FlakySmsChannel, "failures", failures)
    monkeypatch.setattr(FlakySmsChannel, "calls", 0)
    monkeypatch.setattr(FlakySmsChannel, "sent", [])
    channels.register(FlakySmsChannel)
    settings.TINHSO_SMS_CHANNEL = FlakySmsChannel.id
    return FlakySmsChannel
