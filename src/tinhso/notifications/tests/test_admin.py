import pytest

from tinhso.dossiers.models import Status
from tinhso.notifications.events import Event
from tinhso.notifications.models import Delivery
from tinhso.notifications.services import notify_applicant
from tinhso.notifications.tests.factories import add_history, make_dossier, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def test_delivery_list_shows_recipients_masked(admin_client_):
    dossier = make_dossier()
    entry = add_history(dossier, action="receive", to_status=Status.RECEIVED)
    notify_applicant(dossier_id=dossier.pk, event=Event.RECEIVED, history_seq=entry.seq)

    page = admin_client_.get("/admin/notifications/delivery/").content.decode()

    assert "ng***@example.vn" in page and "+8491•••••78" in page
    assert "nguyenvanan@example.vn" not in page and "0912345678" not in page
    assert dossier.code in page


def test_deliveries_cannot_be_added_changed_or_deleted(admin_client_):
    dossier = make_dossier()
    entry = add_history(dossier, action="receive", to_status=Status.RECEIVED)
    [delivery, _] = notify_applicant(
        dossier_id=dossier.pk, event=Event.RECEIVED, history_seq=entry.seq
    )

    assert admin_client_.get("/admin/notifications/delivery/add/").status_code == 403
    detail = admin_client_.post(
        f"/admin/notifications/delivery/{delivery.pk}/change/", {"status": "failed"}
    )
    assert detail.status_code == 403
    assert (
        admin_client_.post(
            f"/admin/notifications/delivery/{delivery.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert Delivery.objects.get(pk=delivery.pk).status == Delivery.Status.SENT


def test_delivery_detail_shows_the_full_recipient_read_only(admin_client_):
    dossier = make_dossier()
    entry = add_history(dossier, action="receive", to_status=Status.RECEIVED)
    [email, _] = notify_applicant(
        dossier_id=dossier.pk, event=Event.RECEIVED, history_seq=entry.seq
    )

    response = admin_client_.get(f"/admin/notifications/delivery/{email.pk}/change/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "nguyenvanan@example.vn" in page
    assert 'name="recipient"' not in page
