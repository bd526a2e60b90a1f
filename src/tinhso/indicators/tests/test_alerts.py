"""Alerts: raised once until they clear, shown on the dashboard, e-mailed to subscribed leaders."""

import datetime
from decimal import Decimal

import time_machine
from django.core.mail.backends import locmem
from django.core.management import call_command
from django.urls import reverse

from tinhso.indicators import alerts
from tinhso.indicators.models import (
    AlertSubscription,
    IndicatorAlert,
    IndicatorAlertRule,
    SchemeTarget,
    TargetValue,
)
from tinhso.indicators.tests.conftest import at, received_dossier, resolve
from tinhso.notifications.models import Delivery


def test_overdue_alert_is_raised_once_and_mailed_to_subscribers(
    cast, province_leader, mailoutbox, client, django_capture_on_commit_callbacks
):
    IndicatorAlertRule.objects.create(kind="overdue", threshold=Decimal(1))
    AlertSubscription.objects.create(user=province_leader)
    AlertSubscription.objects.create(user=cast.other_leader)  # another agency: not told
    received_dossier(cast, at(2025, 7, 1, 9, 0))  # due 4/7/2025, still open
    with (
        time_machine.travel(at(2025, 7, 10, 8, 0), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        first = alerts.evaluate()
        second = alerts.evaluate()
    assert len(first.raised) == 1 and not second.raised
    alert = IndicatorAlert.objects.get()
    assert alert.agency == cast.dept and "1 hồ sơ đang giải quyết quá hạn" in alert.message
    assert [m.to for m in mailoutbox] == [["pl@example.vn"]]
    assert alert.message in mailoutbox[0].body
    [delivery] = Delivery.objects.filter(topic="indicator_alert")  # through the outbox
    assert (delivery.key, delivery.recipient, delivery.status) == (
        f"alert:{alert.pk}",
        "pl@example.vn",
        "sent",
    )
    assert delivery.subject == mailoutbox[0].subject and alert.notified == 1
    client.force_login(province_leader)
    page = client.get(reverse("ioc:dashboard"))
    assert alert in page.context["alerts"]
    client.force_login(cast.other_leader)
    assert alert not in client.get(reverse("ioc:dashboard")).context["alerts"]


def test_alert_clears_and_can_be_raised_again(cast, mailoutbox):
    IndicatorAlertRule.objects.create(kind="overdue", threshold=Decimal(1))
    dossier = received_dossier(cast, at(2025, 7, 1, 9, 0))
    with time_machine.travel(at(2025, 7, 10, 8, 0), tick=False):
        alerts.evaluate()
    resolve(cast, dossier, at(2025, 7, 11, 9, 0))
    with time_machine.travel(at(2025, 7, 11, 10, 0), tick=False):
        outcome = alerts.evaluate()
    assert len(outcome.cleared) == 1
    assert IndicatorAlert.objects.get().cleared_at is not None
    received_dossier(cast, at(2025, 7, 14, 9, 0))
    with time_machine.travel(at(2025, 7, 25, 8, 0), tick=False):
        assert len(alerts.evaluate().raised) == 1
    assert IndicatorAlert.objects.count() == 2


def test_on_time_rate_drop_against_the_previous_month(cast):
    IndicatorAlertRule.objects.create(kind="on_time_drop", threshold=Decimal(10))
    june = received_dossier(cast, at(2025, 6, 2, 9, 0))
    resolve(cast, june, at(2025, 6, 3, 9, 0))  # early
    july = received_dossier(cast, at(2025, 7, 1, 9, 0))
    resolve(cast, july, at(2025, 7, 15, 9, 0))  # late
    with time_machine.travel(at(2025, 8, 5, 8, 0), tick=False):
        outcome = alerts.evaluate()
    assert len(outcome.raised) == 1
    assert "giảm 100 điểm" in outcome.raised[0].message


def test_target_behind_its_trajectory(
    cast, province_leader, mailoutbox, django_capture_on_commit_callbacks
):
    IndicatorAlertRule.objects.create(kind="target_behind", threshold=Decimal(5))
    AlertSubscription.objects.create(user=province_leader)
    target = SchemeTarget.objects.get(code="xep-hang-ict")
    TargetValue.objects.create(
        target=target,
        as_of=datetime.date(2023, 12, 31),
        value=Decimal(40),
        document="x.pdf",
        document_name="x.pdf",
        entered_by=cast.leader,
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("ioc_alerts", stdout=open("/dev/null", "w"))  # noqa: SIM115
    alert = IndicatorAlert.objects.get()
    assert alert.target == target and "chậm" in alert.message
    assert len(mailoutbox) == 1


def test_an_alert_mail_that_fails_is_retried_through_the_outbox(
    cast, province_leader, mailoutbox, settings, django_capture_on_commit_callbacks
):
    IndicatorAlertRule.objects.create(kind="overdue", threshold=Decimal(1))
    AlertSubscription.objects.create(user=province_leader)
    received_dossier(cast, at(2025, 7, 1, 9, 0))
    settings.EMAIL_BACKEND = "tinhso.indicators.tests.test_alerts.FailingOnceBackend"
    FailingOnceBackend.failed = False
    with (
        time_machine.travel(at(2025, 7, 10, 8, 0), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        [alert] = alerts.evaluate().raised
    delivery = Delivery.objects.get(topic="indicator_alert", key=f"alert:{alert.pk}")
    assert delivery.status == "sent" and delivery.attempts == 2
    assert [m.to for m in mailoutbox] == [["pl@example.vn"]]


class FailingOnceBackend(locmem.EmailBackend):
    """The mail server is down for the first message, back for the retry."""

    failed = False

    def send_messages(self, messages):
        if not FailingOnceBackend.failed:
            FailingOnceBackend.failed = True
            raise ConnectionRefusedError("mail server down")
        return super().send_messages(messages)
