"""A parcel returned to the sender reaches people (issue 17): the receiving agency's clerks and the
applicant are told through the notifications outbox, once, and the back-office dossier page
warns of it."""

import datetime

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tinhso.agencies.models import Role, StaffAssignment
from tinhso.audit.models import AuditEntry
from tinhso.integrations.postal import alerts, tracking
from tinhso.integrations.postal.models import Shipment, ShipmentStatus
from tinhso.integrations.tests.postal_support import ADDRESS, filed
from tinhso.notifications.models import Delivery
from tinhso.testing import make_cast, make_staff

pytestmark = pytest.mark.django_db

ITEM = "EB000000077VN"
T0 = datetime.datetime(2026, 1, 5, 8, 0, tzinfo=datetime.UTC)


def _shipment(cast) -> Shipment:
    return Shipment.objects.create(dossier=filed(cast), item_code=ITEM, receiver_address=ADDRESS)


def _event(event_id: str, status: str, minutes: int, note: str = "") -> tracking.Event:
    return tracking.Event(
        ITEM, event_id, status, T0 + datetime.timedelta(minutes=minutes), "Bưu cục Hạc Thành", note
    )


def _return_to_sender(shipment: Shipment, event_id: str = "9") -> None:
    tracking.apply_event(_event("1", "accepted", 0), source="notification")
    tracking.apply_event(
        _event(event_id, "returned_to_sender", 60, "Không có người nhận"), source="notification"
    )
    shipment.refresh_from_db()


def test_a_returned_parcel_tells_the_receiving_agencys_clerks_and_the_applicant(
    django_capture_on_commit_callbacks,
):
    cast = make_cast()
    shipment = _shipment(cast)
    with django_capture_on_commit_callbacks(execute=True):
        _return_to_sender(shipment)
    assert shipment.status == ShipmentStatus.RETURNED
    code = shipment.dossier.code
    by_address = {m.to[0]: m for m in mail.outbox}
    clerk_mail = by_address[cast.clerk.email]
    assert clerk_mail.subject == f"Bưu gửi kết quả hồ sơ {code} bị chuyển hoàn"
    assert ITEM in clerk_mail.body and "Không có người nhận" in clerk_mail.body
    assert f"/backoffice/ho-so/{code}/" in clerk_mail.body
    applicant_mail = by_address[shipment.dossier.applicant_email]
    assert "chuyển hoàn về cơ quan" in applicant_mail.body
    assert cast.centre.name in applicant_mail.body
    sms = Delivery.objects.get(topic=alerts.TOPIC, channel="sms")
    assert sms.recipient == shipment.dossier.applicant_phone and sms.status == "sent"
    assert cast.commune_clerk.email not in by_address  # a clerk of another agency
    assert cast.specialist.email not in by_address  # not at the counter
    assert AuditEntry.objects.filter(action="postal.returned_to_sender").count() == 1


def test_the_message_is_sent_once_however_often_the_event_arrives(
    django_capture_on_commit_callbacks,
):
    cast = make_cast()
    shipment = _shipment(cast)
    with django_capture_on_commit_callbacks(execute=True):
        _return_to_sender(shipment)
        _return_to_sender(shipment)  # the same notification again
        _return_to_sender(shipment, event_id="10")  # another return event: the state is final
    sent = len(mail.outbox)
    assert sent >= 2
    assert Delivery.objects.filter(topic=alerts.TOPIC).count() == sent + 1  # + the SMS
    with django_capture_on_commit_callbacks(execute=True):
        alerts.returned_to_sender(shipment)  # even called again, every address had its message
    assert len(mail.outbox) == sent


def test_a_clerk_whose_assignment_ended_is_not_told():
    cast = make_cast()
    former = make_staff("former.clerk", cast.centre, Role.CLERK)
    StaffAssignment.objects.filter(user=former).update(valid_to=datetime.date(2020, 1, 1))
    shipment = _shipment(cast)
    emails = alerts.counter_clerks_emails(shipment.dossier)
    assert cast.clerk.email in emails and former.email not in emails


def test_nothing_is_told_when_the_event_rolls_back(django_capture_on_commit_callbacks):
    cast = make_cast()
    shipment = _shipment(cast)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                _return_to_sender(shipment)
                raise RuntimeError("the worker died")
        except RuntimeError:
            pass
    assert mail.outbox == []
    assert not Delivery.objects.filter(topic=alerts.TOPIC).exists()


def test_the_back_office_dossier_page_warns_of_the_returned_parcel():
    cast = make_cast()
    shipment = _shipment(cast)
    client = Client()
    client.force_login(cast.clerk)
    url = reverse("backoffice:dossier", args=[shipment.dossier.code])
    assert "Bưu gửi đã bị chuyển hoàn về cơ quan." not in client.get(url).content.decode()
    _return_to_sender(shipment)
    html = client.get(url).content.decode()
    assert "Bưu gửi đã bị chuyển hoàn về cơ quan." in html
    assert "trả kết quả tại Bộ phận Một cửa" in html


def test_the_citizen_page_says_to_contact_the_agency():
    cast = make_cast()
    shipment = _shipment(cast)
    _return_to_sender(shipment)
    client = Client()
    client.force_login(cast.citizen)
    html = client.get(reverse("portal:dossier", args=[shipment.dossier.code])).content.decode()
    assert "Vui lòng liên hệ cơ quan tiếp nhận để nhận kết quả." in html
    assert "Bưu gửi đã bị chuyển hoàn về cơ quan." not in html  # the staff wording
