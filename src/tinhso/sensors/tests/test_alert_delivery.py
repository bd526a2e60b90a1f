"""Salinity alerts reach their followers through the notifications outbox."""

import uuid

from django.core import mail

from tinhso.notifications.models import Delivery
from tinhso.notifications.tests.fakes import install_sms_channel
from tinhso.sensors.ingest import ingest
from tinhso.sensors.models import SalinityAlert, Subscription
from tinhso.sensors.readings import Reading
from tinhso.sensors.tests.conftest import T0, at


def test_a_salinity_alert_is_recorded_with_the_reading_and_sent_after_the_commit(
    my_hoa, subscriber, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        ingest([Reading(my_hoa.pk, at(0), 1.2)], source="test")  # rice and drinking water
        pending = list(Delivery.objects.filter(topic="salinity_alert").order_by("key"))
        assert [d.status for d in pending] == ["pending", "pending"] and mail.outbox == []

    assert len(callbacks) == 1
    alerts = {a.pk: a for a in SalinityAlert.objects.filter(use__in=["rice", "drinking"])}
    deliveries = Delivery.objects.filter(topic="salinity_alert")
    assert {d.key for d in deliveries} == {f"{pk}:{subscriber.pk}" for pk in alerts}
    assert {(d.channel, d.recipient, d.status) for d in deliveries} == {
        ("email", "nong.dan@example.vn", "sent")
    }
    assert sorted(m.subject for m in mail.outbox) == sorted(d.subject for d in deliveries)
    assert all("Mỹ Hóa" in m.subject for m in mail.outbox)
    assert all(f"/quan-trac/huy/{subscriber.token}/" in m.body for m in mail.outbox)


def test_a_refused_alert_sms_is_retried_and_a_second_ingest_sends_nothing_again(
    my_hoa, monkeypatch, settings, django_capture_on_commit_callbacks
):
    sms = install_sms_channel(monkeypatch, settings, failures=1)
    farmer = Subscription.objects.create(
        medium="sms",
        contact="+84912345678",
        uses=["rice"],
        token=uuid.uuid4().hex,
        confirmed_at=T0,
    )
    farmer.stations.add(my_hoa.thing)
    with django_capture_on_commit_callbacks(execute=True):
        ingest([Reading(my_hoa.pk, at(0), 1.2)], source="test")
    with django_capture_on_commit_callbacks(execute=True):
        ingest([Reading(my_hoa.pk, at(1), 1.3)], source="test")  # still raised: no new alert

    [delivery] = Delivery.objects.filter(topic="salinity_alert")
    assert (delivery.channel, delivery.recipient) == ("sms", "+84912345678")
    assert delivery.status == "sent" and delivery.attempts == 2 and delivery.backend == sms.id
    assert [recipient for recipient, _ in sms.sent] == ["+84912345678"]
    assert "Mỹ Hóa" in sms.sent[0][1]
