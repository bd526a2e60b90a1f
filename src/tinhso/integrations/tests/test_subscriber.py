"""The dossier events become outbox items for the national portal (once each, never drafts)."""

import pytest
from django.db import transaction

from tinhso.dossiers import events, services
from tinhso.dossiers.models import DossierEvent
from tinhso.integrations import subscribers
from tinhso.integrations.models import OutboxItem
from tinhso.testing import FORM_DATA, file_online


def portal_items():
    return OutboxItem.objects.filter(system="dvcqg", operation="sync").order_by("id")


@pytest.mark.django_db
def test_filing_and_receiving_a_dossier_owe_the_portal_one_sync_each(cast):
    dossier = file_online(cast)
    subscribers.catch_up()
    dossier = services.perform_action(
        user=cast.clerk, dossier=dossier, request=services.ActionRequest(action="receive")
    )
    subscribers.catch_up()

    items = list(portal_items())
    event_ids = list(
        DossierEvent.objects.filter(dossier=dossier)
        .exclude(kind__in=subscribers.SKIPPED_KINDS)
        .order_by("id")
        .values_list("id", flat=True)
    )
    assert len(items) == len(event_ids) >= 2
    assert [i.source_event_id for i in items] == event_ids
    assert {(i.key, i.dossier_id, i.status) for i in items} == {
        (dossier.code, dossier.pk, OutboxItem.Status.QUEUED)
    }
    assert all(i.attempts == 0 for i in items)  # nothing is sent from the subscriber


@pytest.mark.django_db
def test_an_event_delivered_twice_is_enqueued_once(cast):
    file_online(cast)
    subscribers.catch_up()
    batch = list(DossierEvent.objects.order_by("id"))
    before = portal_items().count()

    subscribers.handle(batch)  # at-least-once delivery: the same events again

    assert before >= 1
    assert portal_items().count() == before


@pytest.mark.django_db
def test_drafts_and_deadline_alerts_are_not_synchronised(cast):
    draft, _created = services.file_dossier(
        user=cast.citizen,
        version=cast.province_procedure,
        data=FORM_DATA,
        applicant=services.Applicant.from_user(cast.citizen),
        draft=True,
    )
    subscribers.catch_up()
    assert DossierEvent.objects.filter(dossier=draft).exists()
    assert not portal_items().exists()

    filed = file_online(cast)
    subscribers.catch_up()
    count = portal_items().count()
    with transaction.atomic():
        events.record(dossier_id=filed.pk, kind=DossierEvent.Kind.DEADLINE_ALERT)
    subscribers.catch_up()

    assert portal_items().count() == count


def test_the_subscriber_is_registered_under_its_name():
    assert "integrations" in events.subscribers()


@pytest.mark.django_db
def test_nothing_is_queued_while_the_province_is_not_connected(cast, settings):
    settings.TINHSO_NATIONAL_SYNC = False
    file_online(cast)
    subscribers.catch_up()
    assert not portal_items().exists()
