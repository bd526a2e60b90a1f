"""Recovery after a worker or the broker failed: a dead worker's claim expires, a lost notice
task is queued again by the sweep; nothing is sent twice by the recovery itself."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from tinhso.dossiers.models import Status
from tinhso.notifications.events import Event
from tinhso.notifications.models import Delivery
from tinhso.notifications.services import applicant_key, notify_applicant
from tinhso.notifications.tasks import sweep_missing_notices, sweep_pending_deliveries
from tinhso.notifications.tests.factories import add_history, make_dossier
from tinhso.testing import record_lost_event

pytestmark = pytest.mark.django_db


def received(**fields):
    dossier = make_dossier(applicant_phone="", **fields)
    entry = add_history(dossier, action="receive", to_status=Status.RECEIVED)
    return dossier, entry


def claimed_by_a_dead_worker(dossier, entry, *, seconds_ago: float) -> Delivery:
    return Delivery.objects.create(
        topic="applicant",
        key=applicant_key(dossier.pk, Event.RECEIVED, entry.seq),
        dossier=dossier,
        event=Event.RECEIVED,
        history_seq=entry.seq,
        channel="email",
        backend="email",
        recipient=dossier.applicant_email,
        subject="…",
        body="…",
        status=Delivery.Status.QUEUED,
        attempts=0,
        claimed_at=timezone.now() - datetime.timedelta(seconds=seconds_ago),
    )


def test_a_claim_whose_lease_ran_out_is_taken_over_and_sent(settings):
    dossier, entry = received()
    claimed_by_a_dead_worker(dossier, entry, seconds_ago=settings.TINHSO_DELIVERY_LEASE_SECONDS + 1)

    [delivery] = notify_applicant(
        dossier_id=dossier.pk, event=Event.RECEIVED, history_seq=entry.seq
    )

    assert delivery.status == Delivery.Status.SENT and delivery.attempts == 1
    assert len(mail.outbox) == 1


def test_a_live_claim_is_left_to_its_worker(settings):
    dossier, entry = received()
    claimed_by_a_dead_worker(dossier, entry, seconds_ago=1)

    [delivery] = notify_applicant(
        dossier_id=dossier.pk, event=Event.RECEIVED, history_seq=entry.seq
    )
    assert sweep_pending_deliveries() == 0

    assert delivery.status == Delivery.Status.QUEUED and mail.outbox == []


def test_the_sweep_sends_what_a_dead_worker_had_claimed_once(settings):
    dossier, entry = received()
    claimed_by_a_dead_worker(dossier, entry, seconds_ago=settings.TINHSO_DELIVERY_LEASE_SECONDS + 1)

    assert sweep_pending_deliveries() == 1
    assert sweep_pending_deliveries() == 0

    assert Delivery.objects.get().status == Delivery.Status.SENT
    assert len(mail.outbox) == 1


def record_received_event(dossier, entry, *, age_seconds: float) -> None:
    record_lost_event(dossier, entry.seq, {"notify": "received"}, age_seconds=age_seconds)


def test_the_sweep_sends_a_lost_notice_once(settings):
    dossier, entry = received()
    record_received_event(dossier, entry, age_seconds=settings.TINHSO_CATCHUP_GRACE_SECONDS + 1)

    assert sweep_missing_notices() == 1
    assert sweep_missing_notices() == 0

    assert [m.to for m in mail.outbox] == [[dossier.applicant_email]]


def test_the_sweep_skips_an_applicant_who_cannot_be_reached(settings):
    dossier, entry = received(applicant_email="")
    record_received_event(dossier, entry, age_seconds=settings.TINHSO_CATCHUP_GRACE_SECONDS + 1)

    assert sweep_missing_notices() == 0
    assert mail.outbox == []
