"""Postal return without the post (issue 17): what is owed to it, the filing's address and phone,
the tracking endpoint's refusals and the ordering of events."""

import datetime
import json

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tinhso.dossiers import services
from tinhso.integrations.models import OutboxItem
from tinhso.integrations.postal import tracking
from tinhso.integrations.postal.filing import normalise_phone
from tinhso.integrations.postal.models import PostalContact, Shipment, ShipmentStatus
from tinhso.integrations.postal.system import PostalSystem, order_message
from tinhso.integrations.postal.views import signature
from tinhso.integrations.tests.postal_support import (
    ADDRESS,
    ANSWERS,
    filed,
    postal_version,
    result_ready,
)
from tinhso.testing import FORM_DATA, make_cast, pdf_upload

pytestmark = pytest.mark.django_db
SECRET = "unit-postal-secret"


@pytest.fixture(autouse=True)
def _postal(settings):
    settings.TINHSO_POSTAL_ENABLED = True
    settings.TINHSO_POSTAL_WEBHOOK_SECRET = SECRET


def owed(dossier) -> int:
    return OutboxItem.objects.filter(system="buudien", key=dossier.code).count()


# --- what is owed to the post ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_postal_dossier_at_result_ready_owes_the_post_one_order():
    cast = make_cast()
    dossier = result_ready(cast)
    assert owed(dossier) == 1
    services.record_event(dossier_id=dossier.pk, action="payment_received", actor=None)
    assert owed(dossier) == 1  # later events of the dossier owe nothing more


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("method", ["counter", "online"])
def test_a_counter_or_online_dossier_never_owes_the_post(method):
    cast = make_cast()
    dossier = result_ready(cast, method)
    assert dossier.status == "result_ready"
    assert owed(dossier) == 0


@pytest.mark.django_db(transaction=True)
def test_nothing_is_owed_for_a_change_that_rolled_back():
    cast = make_cast()
    dossier = filed(cast)
    for user, action in [
        (cast.clerk, "receive"),
        (cast.specialist, "complete_step"),
        (cast.leader, "approve"),
    ]:
        dossier = services.perform_action(
            user=user, dossier=dossier, request=services.ActionRequest(action=action)
        )
    with pytest.raises(RuntimeError), transaction.atomic():
        services.issue_result(user=cast.clerk, dossier=dossier)
        raise RuntimeError("rolled back")
    assert owed(dossier) == 0
    assert not OutboxItem.objects.filter(system="buudien").exists()


def test_the_order_carries_the_dossier_code_receiver_and_sender():
    cast = make_cast()
    dossier = filed(cast)
    message = order_message(dossier)
    assert message["OrderNumber"] == dossier.code
    assert message["ReceiverAddress"] == ADDRESS
    assert message["ReceiverTel"] == "0912345678"  # the account's +84 number, as the post takes it
    assert message["ReceiverName"] == cast.citizen.full_name
    assert message["SenderName"] == cast.centre.name
    PostalContact.objects.create(dossier=dossier, phone="0987000111")
    assert order_message(dossier)["ReceiverTel"] == "0987000111"


def test_an_order_for_a_dossier_no_longer_waiting_is_rejected_not_sent():
    cast = make_cast()
    dossier = filed(cast)  # still submitted
    item = OutboxItem.objects.create(
        system="buudien", operation="order", key=dossier.code, dossier=dossier,
        next_attempt_at=timezone.now(),
    )  # fmt: skip
    outcome = PostalSystem(client_factory=lambda: pytest.fail("no call")).deliver(item)
    assert outcome.kind == "rejected"


# --- filing ---------------------------------------------------------------------------------------


def test_postal_return_needs_an_address_at_filing():
    cast = make_cast()
    cast.citizen.address = ""
    cast.citizen.save()
    version = postal_version(cast)
    with pytest.raises(services.InvalidInput) as raised:
        filed(cast, address="", version=version)
    assert raised.value.field == "postal_address"
    assert "địa chỉ nhận kết quả" in raised.value.message
    assert filed(cast, "counter", address="", version=version).postal_address == ""


def test_the_account_address_stands_when_none_is_given():
    cast = make_cast()
    assert filed(cast, address="").postal_address == cast.citizen.address


def test_the_api_takes_the_postal_address():
    cast = make_cast()
    version = postal_version(cast)
    client = Client()
    client.force_login(cast.citizen)
    response = client.post(
        "/api/v1/dossiers",
        {
            "procedure": version.procedure.code,
            "data": {**FORM_DATA, "hinh_thuc_nhan": ANSWERS["postal"]},
            "postal_address": ADDRESS,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    dossier = services.Dossier.objects.get(code=response.json()["code"])
    assert (dossier.return_method, dossier.postal_address) == ("postal", ADDRESS)


def _apply_page(client, version, **extra):
    data = {
        "data.ho_ten": "Nguyễn Văn An",
        "data.ngay_sinh": "1995-03-02",
        "data.so_ban": "1",
        "data.hinh_thuc_nhan": ANSWERS["postal"],
        "action": "submit",
        "doc.TK": pdf_upload(),
        **extra,
    }
    return client.post(reverse("portal:apply", args=[version.procedure.code]), data)


def test_the_filing_page_asks_the_address_and_phone_prefilled():
    cast = make_cast()
    version = postal_version(cast)
    client = Client()
    client.force_login(cast.citizen)
    html = client.get(reverse("portal:apply", args=[version.procedure.code])).content.decode()
    assert 'name="postal_address"' in html and cast.citizen.address in html
    assert 'name="postal_phone"' in html and 'value="0912345678"' in html


def test_the_filing_page_refuses_postal_return_without_address_or_with_a_bad_phone():
    cast = make_cast()
    version = postal_version(cast)
    client = Client()
    client.force_login(cast.citizen)
    response = _apply_page(client, version, postal_address="  ", postal_phone="12ab")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Vui lòng nhập địa chỉ nhận kết quả qua dịch vụ bưu chính." in html
    assert "Số điện thoại không hợp lệ" in html
    assert not services.Dossier.objects.exclude(status="draft").exists()


def test_the_filing_page_keeps_the_receiver_phone_and_address():
    cast = make_cast()
    version = postal_version(cast)
    client = Client()
    client.force_login(cast.citizen)
    response = _apply_page(client, version, postal_address=ADDRESS, postal_phone="+84 987 000 111")
    assert response.status_code == 302, response.content.decode()[:2000]
    dossier = services.Dossier.objects.get(return_method="postal")
    assert dossier.postal_address == ADDRESS
    assert dossier.postal_contact.phone == "0987000111"


def test_phone_numbers_are_written_as_the_post_takes_them():
    assert normalise_phone("+84 912.345.678") == "0912345678"
    assert normalise_phone("84912345678") == "0912345678"
    assert normalise_phone("0912345678") == "0912345678"
    assert normalise_phone("12345") == "" and normalise_phone("09123\x00") == ""


# --- the tracking endpoint and the events ----------------------------------------------------------


def _shipment(cast, dossier=None) -> Shipment:
    dossier = dossier or filed(cast)
    return Shipment.objects.create(dossier=dossier, item_code="EB000000001VN",
                                   receiver_address=ADDRESS)  # fmt: skip


def _notify(client, body: bytes, secret: str = SECRET):
    return client.post(
        "/postal/tracking",
        body,
        content_type="application/json",
        HTTP_X_POSTAL_SIGNATURE=signature(body, secret),
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"\xff\xfe", "body"),
        (b"[1, 2]", "body"),
        (b'{"ItemCode": "EB1", "EventId": "1", "Status": "lost", "Time": "2026-01-01T08:00:00+07:00"}', "Status"),
        (b'{"ItemCode": "EB1\\u0000", "EventId": "1", "Status": "accepted", "Time": "2026-01-01T08:00:00+07:00"}', "ItemCode"),
        (b'{"ItemCode": "EB1", "EventId": "1", "Status": "accepted", "Time": "2026-01-01 08:00"}', "Time"),
    ],
)  # fmt: skip
def test_a_notification_that_is_not_an_event_is_a_json_400(client, body, field):
    response = _notify(client, body)
    assert response.status_code == 400
    assert response.json()["error"]["field"] == field
    assert response["Cache-Control"] == "no-store"


def test_an_unsigned_notification_is_a_json_401(client):
    response = client.post("/postal/tracking", b"{}", content_type="application/json")
    assert response.status_code == 401 and response.json()["error"]["code"] == "signature"


def test_an_event_of_an_unknown_parcel_is_a_json_404(client):
    event = {"ItemCode": "EB9", "EventId": "1", "Status": "accepted",
             "Time": "2026-01-01T08:00:00+07:00"}  # fmt: skip
    response = _notify(client, json.dumps(event).encode())
    assert response.status_code == 404 and response.json()["error"]["code"] == "unknown_item"


def test_only_post_is_allowed_on_the_tracking_endpoint(client):
    assert client.get("/postal/tracking").status_code == 405


def _event(event_id: str, status: str, minutes: int) -> tracking.Event:
    at = datetime.datetime(2026, 1, 5, 8, 0, tzinfo=datetime.UTC) + datetime.timedelta(
        minutes=minutes
    )
    return tracking.Event("EB000000001VN", event_id, status, at)


def test_events_never_move_a_shipment_backwards():
    cast = make_cast()
    shipment = _shipment(cast)
    apply = lambda e: tracking.apply_event(e, source="notification")  # noqa: E731
    assert apply(_event("3", "failed_attempt", 30)) is True
    assert apply(_event("2", "in_transit", 20)) is True  # older, same rank: kept, not applied
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.FAILED_ATTEMPT
    assert apply(_event("4", "in_transit", 40)) is True  # newer, same rank: the post tries again
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.IN_TRANSIT
    assert apply(_event("5", "delivered", 50)) is True
    assert apply(_event("6", "returned_to_sender", 60)) is True  # final: a delivered parcel stays
    assert apply(_event("5", "delivered", 50)) is False  # the same EventId again
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.DELIVERED
    assert shipment.delivered_at == _event("5", "delivered", 50).at
    assert shipment.accepted_at == _event("3", "failed_attempt", 30).at  # acceptance was missed
    assert shipment.events.count() == 5
    assert list(shipment.events.filter(applied=True).values_list("event_id", flat=True)) == [
        "3",
        "4",
        "5",
    ]


def test_both_dossier_pages_show_the_waybill_and_the_events():
    cast = make_cast()
    shipment = _shipment(cast)
    tracking.apply_event(
        tracking.Event("EB000000001VN", "9", "in_transit", timezone.now(), "Bưu cục Hạc Thành"),
        source="notification",
    )
    code = shipment.dossier.code
    for user, url in [
        (cast.citizen, reverse("portal:dossier", args=[code])),
        (cast.clerk, reverse("backoffice:dossier", args=[code])),
    ]:
        client = Client()
        client.force_login(user)
        html = client.get(url).content.decode()
        assert "EB000000001VN" in html and "Bưu cục Hạc Thành" in html, url
        assert "Đang vận chuyển" in html


def test_a_dossier_without_postal_return_shows_no_shipment_section():
    cast = make_cast()
    dossier = filed(cast, "counter")
    client = Client()
    client.force_login(cast.citizen)
    html = client.get(reverse("portal:dossier", args=[dossier.code])).content.decode()
    assert "Gửi kết quả qua bưu chính" not in html
