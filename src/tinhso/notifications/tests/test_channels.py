import logging

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured

from tinhso.notifications import channels
from tinhso.notifications.channel_email import EmailChannel
from tinhso.notifications.channel_sms_log import LogSmsChannel
from tinhso.notifications.channels import Channel, DeliveryError, Medium
from tinhso.notifications.checks import check_sms_channel
from tinhso.notifications.masking import mask_recipient


def test_builtin_channels_are_registered():
    registered = channels.channels()
    assert EmailChannel in registered and LogSmsChannel in registered
    assert [c.id for c in registered] == sorted(c.id for c in registered)
    assert isinstance(channels.get_channel("email"), EmailChannel)


def test_sms_channel_defaults_to_the_log_channel():
    assert isinstance(channels.sms_channel(), LogSmsChannel)


def test_unknown_channel_id_fails_loudly():
    with pytest.raises(ImproperlyConfigured, match=r"'viettel'.*registered: email, log"):
        channels.get_channel("viettel")


def test_sms_setting_naming_an_email_channel_is_refused(settings):
    settings.TINHSO_SMS_CHANNEL = "email"
    with pytest.raises(ImproperlyConfigured, match="not an SMS channel"):
        channels.sms_channel()


def test_misspelt_sms_setting_is_a_system_check_error(settings):
    settings.TINHSO_SMS_CHANNEL = "viettell"
    [error] = check_sms_channel()
    assert error.id == "notifications.E001"
    assert "'viettell'" in error.msg


def test_valid_sms_setting_passes_the_system_check():
    assert check_sms_channel() == []


def test_a_second_channel_with_a_taken_id_is_refused(isolated_registry):
    class Impostor(Channel):
        id = "log"
        medium = Medium.SMS

    with pytest.raises(ImproperlyConfigured, match="already used by LogSmsChannel"):
        channels.register(Impostor)
    assert channels.get_channel("log").__class__ is LogSmsChannel


def test_a_channel_without_medium_is_refused(isolated_registry):
    class Incomplete(Channel):
        id = "incomplete"

    with pytest.raises(ImproperlyConfigured, match="must define"):
        channels.register(Incomplete)


def test_email_channel_returns_the_message_id_it_sent_with():
    message_id = EmailChannel().send(recipient="an@example.vn", subject="Chào", body="Nội dung")

    [sent] = mail.outbox
    assert sent.extra_headers["Message-ID"] == message_id
    assert sent.extra_headers["Auto-Submitted"] == "auto-generated"
    assert sent.from_email == "Tỉnh Số <no-reply@tinhso.local>"
    assert message_id.startswith("<") and message_id.endswith(">")


def test_email_channel_turns_a_refused_connection_into_delivery_error(unreachable_smtp):
    with pytest.raises(DeliveryError, match="ConnectionRefusedError"):
        EmailChannel().send(recipient="an@example.vn", subject="Chào", body="Nội dung")


def test_log_channel_writes_the_text_with_a_masked_number(caplog):
    caplog.set_level(logging.INFO, logger="tinhso.sms")

    message_id = LogSmsChannel().send(
        recipient="0912345678", subject="", body="Hồ sơ đã có kết quả"
    )

    [record] = caplog.records
    assert record.name == "tinhso.sms"
    assert record.getMessage() == f"SMS {message_id} to +8491•••••78: Hồ sơ đã có kết quả"
    assert message_id.startswith("log-")
    assert LogSmsChannel().send(recipient="0912345678", subject="", body="x") != message_id


@pytest.mark.parametrize(
    ("recipient", "masked"),
    [
        ("nguyenvanan@example.vn", "ng***@example.vn"),
        ("an@example.vn", "a***@example.vn"),
        ("0912345678", "+8491•••••78"),
        ("+84912345678", "+8491•••••78"),
        ("113", "•13"),
    ],
)
def test_recipients_are_masked(recipient, masked):
    assert mask_recipient(recipient) == masked
