import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from tinhso.dossiers import services
from tinhso.dossiers.deadlines import scan_deadlines
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.uploads import check_upload
from tinhso.testing import FORM_DATA, make_cast, pdf_upload

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def received(db):
    cast = make_cast()
    with time_machine.travel(datetime.datetime(2025, 6, 10, 8, 0, tzinfo=TZ), tick=False):
        dossier, _ = services.file_dossier(
            user=cast.citizen,
            version=cast.province_procedure,
            data=FORM_DATA,
            applicant=services.Applicant.from_user(cast.citizen),
            files=[services.NewFile("TK", check_upload(pdf_upload()))],
        )
        dossier = services.perform_action(
            user=cast.clerk, dossier=dossier, request=services.ActionRequest(action="receive")
        )
    return cast, dossier  # due Fri 13/6/2025 08:00


def test_due_soon_then_overdue_each_notified_once(received):
    cast, dossier = received
    mail.outbox.clear()
    report = scan_deadlines(datetime.datetime(2025, 6, 11, 9, 0, tzinfo=TZ))
    assert (report.due_soon, report.overdue, report.notified) == (0, 0, 0)
    report = scan_deadlines(datetime.datetime(2025, 6, 12, 9, 0, tzinfo=TZ))
    assert report.due_soon == 1 and report.notified == 1
    assert (
        mail.outbox[-1].to == [cast.specialist.email] and "sắp đến hạn" in mail.outbox[-1].subject
    )
    assert (
        scan_deadlines(datetime.datetime(2025, 6, 12, 10, 0, tzinfo=TZ)).notified == 0
    )  # not repeated
    report = scan_deadlines(datetime.datetime(2025, 6, 13, 9, 0, tzinfo=TZ))
    assert report.overdue == 1 and report.notified == 1 and "quá hạn" in mail.outbox[-1].subject
    assert Dossier.objects.get(pk=dossier.pk).deadline_alert == "overdue"
