"""The notifications subscriber of the dossier-changed event (ADR 0009)."""

from django.core import mail
from django.db import transaction

from tinhso.dossiers import events
from tinhso.dossiers.models import DossierEvent
from tinhso.notifications import subscribers
from tinhso.notifications.models import Delivery
from tinhso.notifications.tests.factories import make_dossier


def test_a_deadline_alert_delivered_twice_is_e_mailed_once(
    db, django_user_model, django_capture_on_commit_callbacks
):
    dossier = make_dossier()
    official = django_user_model.objects.create_user("cv", email="cv@so.gov.vn", password="x")
    mute = django_user_model.objects.create_user("mute", email="", password="x")
    with transaction.atomic():
        event = events.record(
            dossier_id=dossier.pk,
            kind=DossierEvent.Kind.DEADLINE_ALERT,
            action="overdue",
            payload={"level": "overdue", "officials": [official.pk, mute.pk]},
        )
    for _ in range(2):  # at least once: the same event may come again
        with django_capture_on_commit_callbacks(execute=True):
            subscribers.notify(event)
    delivery = Delivery.objects.get(topic="deadline_alert")
    assert (delivery.key, delivery.recipient, delivery.status) == (
        f"deadline:{event.pk}",
        "cv@so.gov.vn",
        "sent",
    )
    assert [m.to for m in mail.outbox] == [["cv@so.gov.vn"]]
    assert "đã quá hạn" in mail.outbox[0].subject
