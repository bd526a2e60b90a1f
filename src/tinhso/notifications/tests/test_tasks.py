import logging

import pytest
from django.core import mail
from django.db import transaction

from tinhso.dossiers.models import Status
from tinhso.notifications.events import Event
from tinhso.notifications.models import Delivery
from tinhso.notifications.tasks import notify_applicant_task
from tinhso.notifications.tests.factories import add_history, make_dossier

pytestmark = pytest.mark.django_db


def test_task_queued_on_commit_sends_in_process_without_a_broker(
    django_capture_on_commit_callbacks, caplog
):
    caplog.set_level(logging.INFO, logger="tinhso.sms")
    dossier = make_dossier(status=Status.RESULT_READY)
    entry = add_history(dossier, action="complete", to_status=Status.RESULT_READY)

    with django_capture_on_commit_callbacks(execute=True):
        transaction.on_commit(
            lambda: notify_applicant_task.delay(
                dossier_id=dossier.pk, event=Event.RESULT_READY, history_seq=entry.seq
            )
        )

    assert [m.subject for m in mail.outbox] == [f"Hồ sơ {dossier.code} đã có kết quả"]
    assert [r.name for r in caplog.records if r.name == "tinhso.sms"] == ["tinhso.sms"]
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SENT}


def test_task_returns_the_delivery_ids():
    dossier = make_dossier()
    entry = add_history(dossier, action="receive", to_status=Status.RECEIVED)

    result = notify_applicant_task.delay(
        dossier_id=dossier.pk, event=Event.RECEIVED, history_seq=entry.seq
    )

    assert sorted(result.get()) == sorted(Delivery.objects.values_list("pk", flat=True))


def test_task_retries_a_refused_sms_three_times_without_resending_the_email(refusing_sms):
    dossier = make_dossier()
    entry = add_history(dossier, action="receive", to_status=Status.RECEIVED)

    result = notify_applicant_task.delay(
        dossier_id=dossier.pk, event=Event.RECEIVED, history_seq=entry.seq
    )

    assert result.failed()
    assert refusing_sms.calls == 4  # the first try and three retries
    sms = Delivery.objects.get(channel="sms")
    assert sms.status == Delivery.Status.FAILED and sms.attempts == 4
    assert len(mail.outbox) == 1
    assert Delivery.objects.get(channel="email").attempts == 1
