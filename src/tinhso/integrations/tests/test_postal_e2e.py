"""Postal return end to end against the in-project sandbox post over real HTTP (issue 17, spec §9):
the order through the outbox, the tracking notifications to ``/postal/tracking``, the poll."""

import json

import pytest
import requests
from django.utils import timezone

from tinhso.audit.models import AuditEntry
from tinhso.dossiers.models import HistoryEntry, Status
from tinhso.integrations import outbox
from tinhso.integrations.models import IntegrationLog, OutboxItem
from tinhso.integrations.postal import tracking
from tinhso.integrations.postal.models import Shipment, ShipmentStatus
from tinhso.integrations.postal.views import signature
from tinhso.integrations.tests.postal_support import ADDRESS, result_ready
from tinhso.sandboxes.national import post_views
from tinhso.testing import make_cast

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "e2e-postal-secret"


@pytest.fixture
def post(sandbox, settings):
    settings.TINHSO_POSTAL_ENABLED = True
    settings.TINHSO_POSTAL_URL = "{site_url}/sandbox/national/post"
    settings.TINHSO_POSTAL_TOKEN_URL = ""
    settings.TINHSO_POSTAL_USERNAME = "buudien-e2e"
    settings.TINHSO_POSTAL_PASSWORD = "e2e-password"
    settings.TINHSO_POSTAL_WEBHOOK_SECRET = SECRET
    settings.TINHSO_POSTAL_SANDBOX_SECRET = ""
    settings.TINHSO_POSTAL_SANDBOX_NOTIFICATION_URL = "{site_url}/postal/tracking"
    settings.TINHSO_POSTAL_READ_TIMEOUT = 10.0
    assert requests.post(f"{sandbox}/reset", json={}, timeout=5).status_code == 200
    yield sandbox
    post_views.wait_for_notifications()


def knobs(sandbox, **values):
    response = requests.post(f"{sandbox}/faults", json=values, timeout=5)
    assert response.status_code == 200, response.text


def advance(sandbox, item_code, status, *, notify=True):
    response = requests.post(
        f"{sandbox}/post/advance",
        json={"ItemCode": item_code, "status": status, "notify": notify},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    post_views.wait_for_notifications()
    return response.json()


def held(sandbox, item_code):
    token = requests.post(
        f"{sandbox}/post/token",
        json={"username": "buudien-e2e", "password": "e2e-password"},
        timeout=5,
    ).json()["token"]
    response = requests.get(
        f"{sandbox}/post/orders/{item_code}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert response.status_code == 200, response.text
    return response.json()


def shipped(post):
    """A postal dossier at result_ready whose order the worker has created."""
    cast = make_cast()
    dossier = result_ready(cast)
    assert outbox.drain("buudien").sent == 1
    return cast, dossier, Shipment.objects.get(dossier=dossier)


def test_one_shipment_even_when_the_first_order_times_out_after_the_post_stored_it(post, settings):
    cast = make_cast()
    dossier = result_ready(cast)
    item = OutboxItem.objects.get(system="buudien", key=dossier.code)
    assert item.operation == "order"
    settings.TINHSO_POSTAL_READ_TIMEOUT = 1.0
    knobs(post, service="VNPost", TIMEOUT_RATE=1, TIMEOUT_AFTER_COMMIT=True, TIMEOUT_SECONDS=2)

    first = outbox.drain("buudien")
    assert (first.sent, first.retried) == (0, 1)
    item.refresh_from_db()
    assert item.status == "queued" and item.unknown_outcome
    assert not Shipment.objects.exists()  # we never heard the ItemCode …

    knobs(post, service="VNPost", TIMEOUT_RATE=None, TIMEOUT_AFTER_COMMIT=None)
    later = timezone.now() + timezone.timedelta(minutes=5)
    assert outbox.drain("buudien", now=later).sent == 1
    shipment = Shipment.objects.get(dossier=dossier)  # … and the retry got the same parcel
    state = held(post, shipment.item_code)
    assert state["OrderNumber"] == dossier.code and state["Status"] == "created"
    stored = json.loads((settings.TINHSO_NATIONAL_SANDBOX_DIR / "post.json").read_text())
    assert list(stored["orders"]) == [dossier.code]  # one order at the post
    assert shipment.receiver_address == ADDRESS
    dossier.refresh_from_db()
    assert dossier.status == Status.RESULT_READY  # not returned until the post takes the parcel
    logs = IntegrationLog.objects.filter(system="buudien", service="orders")
    assert [log.outcome for log in logs.order_by("id")] == ["timeout", "ok"]
    assert ADDRESS not in " ".join(logs.values_list("message", flat=True))
    assert outbox.drain("buudien", now=later).attempts == 0


def test_tracking_returns_the_dossier_by_post_and_records_the_delivery(post):
    _cast, dossier, shipment = shipped(post)
    accepted = advance(post, shipment.item_code, "accepted")
    shipment.refresh_from_db()
    dossier.refresh_from_db()
    assert shipment.status == ShipmentStatus.ACCEPTED
    assert dossier.status == Status.RETURNED
    assert (dossier.return_method, dossier.postal_tracking) == ("postal", shipment.item_code)
    assert dossier.returned_at is not None
    entry = HistoryEntry.objects.get(dossier=dossier, action="return_result")
    assert entry.actor.username == tracking.SYSTEM_USERNAME
    assert entry.details["postal_tracking"] == shipment.item_code

    in_transit = advance(post, shipment.item_code, "in_transit")
    advance(post, shipment.item_code, "delivered")
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.DELIVERED and shipment.delivered_at is not None
    assert list(shipment.events.values_list("status", flat=True)) == [
        "accepted",
        "in_transit",
        "delivered",
    ]

    # the post sends an old event again, and a late one out of order: nothing moves back
    for event in (accepted, in_transit):
        body = json.dumps(event).encode()
        response = requests.post(
            f"{post[: -len('/sandbox/national')]}/postal/tracking",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Postal-Signature": signature(body, SECRET),
            },
            timeout=5,
        )
        assert response.status_code == 200 and response.json()["duplicate"] is True
    late = {**in_transit, "EventId": "late-1", "Note": "trễ"}
    body = json.dumps(late).encode()
    response = requests.post(
        f"{post[: -len('/sandbox/national')]}/postal/tracking",
        data=body,
        headers={"Content-Type": "application/json", "X-Postal-Signature": signature(body, SECRET)},
        timeout=5,
    )
    assert response.status_code == 200 and response.json()["duplicate"] is False
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.DELIVERED
    assert shipment.events.count() == 4
    assert HistoryEntry.objects.filter(dossier=dossier, action="return_result").count() == 1
    received = IntegrationLog.objects.filter(system="buudien", service="tracking", direction="in")
    assert list(received.order_by("id").values_list("outcome", flat=True)) == [
        "applied", "applied", "applied", "duplicate", "duplicate", "applied",
    ]  # fmt: skip


def test_a_notification_with_a_bad_signature_is_refused(post):
    _cast, _dossier, shipment = shipped(post)
    event = {"ItemCode": shipment.item_code, "EventId": "x1", "Status": "delivered",
             "Time": timezone.now().isoformat()}  # fmt: skip
    body = json.dumps(event).encode()
    response = requests.post(
        f"{post[: -len('/sandbox/national')]}/postal/tracking",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Postal-Signature": signature(body, "wrong"),
        },
        timeout=5,
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "signature"
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.CREATED and not shipment.events.exists()


def test_the_poll_picks_up_an_event_whose_notification_was_missed(post):
    _cast, dossier, shipment = shipped(post)
    advance(post, shipment.item_code, "accepted", notify=False)
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.CREATED

    assert tracking.poll() == 1
    shipment.refresh_from_db()
    dossier.refresh_from_db()
    assert shipment.status == ShipmentStatus.ACCEPTED
    assert shipment.events.get().source == "poll"
    assert dossier.status == Status.RETURNED
    assert tracking.poll() == 0  # nothing new


def test_a_parcel_returned_to_the_sender_alerts_the_agency(post):
    _cast, dossier, shipment = shipped(post)
    advance(post, shipment.item_code, "accepted")
    knobs(post, service="VNPost", POSTAL_RETURN_TO_SENDER=True)
    advance(post, shipment.item_code, "delivered")  # the knob turns it into a return
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.RETURNED and shipment.returned_at is not None
    alert = AuditEntry.objects.get(action="postal.returned_to_sender")
    assert alert.target == f"dossier:{dossier.code}" and alert.outcome == "failure"


def test_an_unavailable_post_keeps_the_order_queued(post):
    cast = make_cast()
    knobs(post, service="VNPost", POSTAL_UNAVAILABLE=True)
    dossier = result_ready(cast)
    report = outbox.drain("buudien")
    assert (report.sent, report.retried) == (0, 1)
    assert not Shipment.objects.filter(dossier=dossier).exists()
    knobs(post, service="VNPost", POSTAL_UNAVAILABLE=None)
    assert outbox.drain("buudien", now=timezone.now() + timezone.timedelta(minutes=5)).sent == 1
    assert Shipment.objects.filter(dossier=dossier).count() == 1
