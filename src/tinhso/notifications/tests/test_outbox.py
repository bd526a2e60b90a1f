"""The outbox: messages to anyone, recorded as deliveries, sent after commit, retried, once."""

import pytest
from django.core import mail
from django.db import transaction

from tinhso.notifications.models import Delivery
from tinhso.notifications.outbox import Outgoing, send, send_many
from tinhso.notifications.tasks import deliver_task
from tinhso.notifications.tests.factories import make_user
from tinhso.notifications.tests.fakes import install_sms_channel

pytestmark = pytest.mark.django_db


def alert(**fields):
    message = {
        "topic": "test_alert",
        "key": "alert:1",
        "medium": "email",
        "recipient": "canbo@example.vn",
        "subject": "Cảnh báo thử",
        "body": "Nội dung cảnh báo",
    }
    return send(**(message | fields))


def test_a_message_is_recorded_then_sent_after_the_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        delivery = alert()
        assert delivery.status == Delivery.Status.PENDING and mail.outbox == []

    assert len(callbacks) == 1
    [email] = mail.outbox
    assert email.to == ["canbo@example.vn"] and email.subject == "Cảnh báo thử"
    assert email.body == "Nội dung cảnh báo"
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and delivery.attempts == 1
    assert delivery.backend == "email" and delivery.provider_id == email.extra_headers["Message-ID"]
    assert delivery.topic == "test_alert" and delivery.dossier is None and delivery.event == ""


def test_a_message_of_a_rolled_back_transaction_is_neither_kept_nor_sent(
    django_capture_on_commit_callbacks,
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        alert()
        raise RuntimeError("the alert was not raised after all")

    assert mail.outbox == [] and not Delivery.objects.exists()


def test_sending_twice_with_the_same_key_sends_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = alert()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = alert(body="Nội dung khác, cùng khóa")

    assert second.pk == first.pk and callbacks == []  # nothing left to send
    assert len(mail.outbox) == 1 and mail.outbox[0].body == "Nội dung cảnh báo"
    assert Delivery.objects.get().attempts == 1


def test_one_key_reaches_each_address_once(django_capture_on_commit_callbacks):
    messages = [
        Outgoing(key="alert:7", medium="email", recipient=address, subject="S", body="B")
        for address in ("a@example.vn", "b@example.vn", "a@example.vn")
    ]
    with django_capture_on_commit_callbacks(execute=True):
        deliveries = send_many(topic="test_alert", messages=messages)

    assert deliveries[0].pk == deliveries[2].pk != deliveries[1].pk
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.vn", "b@example.vn"]


def test_a_refused_sms_is_retried_by_the_task_until_it_is_sent(
    monkeypatch, settings, django_capture_on_commit_callbacks
):
    sms = install_sms_channel(monkeypatch, settings, failures=2)

    with django_capture_on_commit_callbacks(execute=True):
        delivery = alert(medium="sms", recipient="0912345678", subject="", body="Cảnh báo mặn")

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and delivery.attempts == 3
    assert delivery.backend == sms.id and delivery.error == ""
    assert sms.sent == [("0912345678", "Cảnh báo mặn")]


def test_an_unreachable_mail_server_is_retried_three_times_then_left_failed(
    unreachable_smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        delivery = alert()

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED and delivery.attempts == 4  # 1 + 3 retries
    assert "ConnectionRefusedError" in delivery.error and delivery.sent_at is None


def test_a_failed_message_queued_again_is_sent_once_more(
    monkeypatch, settings, django_capture_on_commit_callbacks
):
    sms = install_sms_channel(monkeypatch, settings, failures=4)  # outlasts the task's retries
    with django_capture_on_commit_callbacks(execute=True):
        alert(medium="sms", recipient="0912345678", body="Cảnh báo")
    assert Delivery.objects.get().status == Delivery.Status.FAILED

    with django_capture_on_commit_callbacks(execute=True):
        again = alert(medium="sms", recipient="0912345678", body="Cảnh báo")
    with django_capture_on_commit_callbacks(execute=True):
        alert(medium="sms", recipient="0912345678", body="Cảnh báo")

    again.refresh_from_db()
    assert again.status == Delivery.Status.SENT and again.attempts == 5
    assert sms.sent == [("0912345678", "Cảnh báo")]


def test_a_delivery_claimed_by_another_worker_is_left_alone():
    delivery = alert()
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.QUEUED)

    assert deliver_task.apply(args=[[delivery.pk]]).get() == [delivery.pk]
    assert mail.outbox == [] and Delivery.objects.get().attempts == 0


@pytest.mark.parametrize(
    "fields",
    [
        {"topic": ""},
        {"topic": "applicant"},  # the applicant's messages come from notify_applicant only
        {"key": " "},
        {"recipient": ""},
        {"medium": "fax"},
    ],
)
def test_an_incomplete_message_is_refused(fields):
    with pytest.raises(ValueError):
        alert(**fields)
    assert not Delivery.objects.exists()


def test_the_admin_list_shows_alert_recipients_masked(client):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    alert(recipient="nguyenvanan@example.vn")
    alert(medium="sms", recipient="0912345678")

    page = client.get("/admin/notifications/delivery/?topic=test_alert").content.decode()

    assert "ng***@example.vn" in page and "+8491•••••78" in page
    assert "nguyenvanan@example.vn" not in page and "0912345678" not in page
