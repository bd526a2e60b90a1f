"""Deliveries recorded but never queued (broker down at the commit) are sent by the sweep."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from tinhso.notifications import outbox
from tinhso.notifications.models import Delivery
from tinhso.notifications.tasks import STALE_PENDING, sweep_pending_deliveries

pytestmark = pytest.mark.django_db


def _record_without_queueing(key: str) -> Delivery:
    # No on-commit capture: the test transaction never commits, so the task is never queued —
    # the state a broker outage at the commit leaves behind.
    return outbox.send(
        topic="security_alert",
        key=key,
        medium="email",
        recipient="soc@example.vn",
        subject="Cảnh báo",
        body="Nội dung cảnh báo",
    )


def test_sweep_sends_a_pending_delivery_left_behind_and_only_once() -> None:
    delivery = _record_without_queueing("alerts:1-1")
    Delivery.objects.filter(pk=delivery.pk).update(
        created_at=timezone.now() - STALE_PENDING - datetime.timedelta(seconds=1)
    )

    assert sweep_pending_deliveries() == 1
    assert sweep_pending_deliveries() == 0

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert [m.to for m in mail.outbox] == [["soc@example.vn"]]


def test_sweep_leaves_a_fresh_pending_delivery_to_its_own_task() -> None:
    delivery = _record_without_queueing("alerts:2-2")

    assert sweep_pending_deliveries() == 0
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING
    assert mail.outbox == []
