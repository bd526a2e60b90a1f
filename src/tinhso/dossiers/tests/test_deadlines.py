import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from tinhso.dossiers import services
from tinhso.dossiers.deadlines import scan_deadlines
from tinhso.dossiers.models import Dossier, DossierEvent
from tinhso.notifications.models import Delivery
from tinhso.testing import file_online, make_cast

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def received(db):
    cast = make_cast()
    with time_machine.travel(datetime.datetime(2025, 6, 10, 8, 0, tzinfo=TZ), tick=False):
        dossier = file_online(cast)
        dossier = services.perform_action(
            user=cast.clerk, dossier=dossier, request=services.ActionRequest(action="receive")
        )
    return cast, dossier  # due Fri 13/6/2025 08:00


def test_due_soon_then_overdue_each_notified_once(received, django_capture_on_commit_callbacks):
    cast, dossier = received

    def scan(*when: int):
        with django_capture_on_commit_callbacks(execute=True):  # the alert e-mails follow commit
            return scan_deadlines(datetime.datetime(*when, tzinfo=TZ))

    def alerts() -> list[str]:  # the applicant's own notices (receipt …) go out too
        return [m.subject for m in mail.outbox if m.to == [cast.specialist.email]]

    report = scan(2025, 6, 11, 9, 0)
    assert (report.due_soon, report.overdue, report.alerted) == (0, 0, 0)
    assert alerts() == []
    report = scan(2025, 6, 12, 9, 0)
    assert report.due_soon == 1 and report.alerted == 1
    assert len(alerts()) == 1 and "sắp đến hạn" in alerts()[0]
    assert scan(2025, 6, 12, 10, 0).alerted == 0  # not repeated
    assert len(alerts()) == 1
    report = scan(2025, 6, 13, 9, 0)
    assert report.overdue == 1 and report.alerted == 1
    assert len(alerts()) == 2 and "quá hạn" in alerts()[1]
    assert Dossier.objects.get(pk=dossier.pk).deadline_alert == "overdue"
    recorded = DossierEvent.objects.filter(dossier=dossier, kind=DossierEvent.Kind.DEADLINE_ALERT)
    assert [(e.action, e.payload["officials"]) for e in recorded] == [
        ("due_soon", [cast.specialist.pk]),
        ("overdue", [cast.specialist.pk]),
    ]
    sent = Delivery.objects.filter(topic="deadline_alert", status="sent")
    assert sorted(sent.values_list("key", flat=True)) == [f"deadline:{e.pk}" for e in recorded]
