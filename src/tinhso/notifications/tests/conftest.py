import socket

import pytest

from tinhso.notifications import channels
from tinhso.notifications.channels import Channel, DeliveryError, Medium


class RefusingSmsChannel(Channel):
    """An SMS channel whose provider refuses every message (a real failure path of the service)."""

    id = "test-refusing"
    medium = Medium.SMS
    calls = 0

    def send(self, *, recipient: str, subject: str, body: str) -> str:
        type(self).calls += 1
        raise DeliveryError("Nhà mạng từ chối tin nhắn")


@pytest.fixture
def isolated_registry(monkeypatch):
    monkeypatch.setattr(channels, "_registry", dict(channels._registry))


@pytest.fixture
def refusing_sms(isolated_registry, settings):
    RefusingSmsChannel.calls = 0
    channels.register(RefusingSmsChannel)
    settings.TINHSO_SMS_CHANNEL = RefusingSmsChannel.id
    return RefusingSmsChannel


@pytest.fixture
def unreachable_smtp(settings):
    """Real SMTP backend pointed at a local port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 3
    return port
