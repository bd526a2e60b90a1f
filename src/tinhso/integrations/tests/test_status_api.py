"""GET /api/v1/integrations/status and POST /api/v1/integrations/requeue."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from tinhso.accounts.models import User
from tinhso.audit.models import AuditEntry
from tinhso.integrations.models import OutboxItem

STATUS = "/api/v1/integrations/status"
REQUEUE = "/api/v1/integrations/requeue"


def queued(key, **fields):
    return OutboxItem.objects.create(system="fake", operation="sync", key=key, **fields)


@pytest.fixture
def admin(db):
    return User.objects.create_user(
        "platform.admin", password="pw", kind=User.Kind.ADMIN, full_name="Quản trị"
    )


@pytest.mark.django_db
def test_operator_reads_each_systems_queue(client, fake, operator):
    sent_at = (timezone.now() - datetime.timedelta(minutes=5)).replace(microsecond=0)
    queued("A")
    queued("B", attempts=3)
    queued("C", status=OutboxItem.Status.DEAD)
    queued("D", status=OutboxItem.Status.SENT, sent_at=sent_at)
    client.force_login(operator)

    response = client.get(STATUS)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    (row,) = [s for s in response.json()["systems"] if s["name"] == "fake"]
    assert row == {
        "name": "fake",
        "label": "Hệ thống thử",
        "queued": 2,
        "failed": 1,
        "dead": 1,
        "last_success": row["last_success"],
    }
    assert datetime.datetime.fromisoformat(row["last_success"]) == sent_at


@pytest.mark.django_db
def test_platform_admin_reads_the_status(client, fake, admin):
    client.force_login(admin)
    assert client.get(STATUS).status_code == 200


@pytest.mark.django_db
def test_other_officials_get_403_with_the_json_error(client, fake, cast):
    client.force_login(cast.specialist)

    response = client.get(STATUS)

    assert response.status_code == 403
    assert response.json()["detail"] == "Bạn không có quyền xem tình trạng kết nối."


@pytest.mark.django_db
def test_anonymous_gets_401(client, fake):
    assert client.get(STATUS).status_code == 401


@pytest.mark.django_db
def test_requeue_by_api_needs_the_csrf_token_and_is_audited(fake, operator):
    dead = queued("A", status=OutboxItem.Status.DEAD)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(operator)

    refused = browser.post(REQUEUE, {"ids": [dead.pk]}, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["field"] == "csrf"
    dead.refresh_from_db()
    assert dead.status == OutboxItem.Status.DEAD

    browser.get("/lien-thong/")  # the page sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        REQUEUE, {"ids": [dead.pk]}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )

    assert response.status_code == 200
    assert response.json() == {"requeued": 1}
    dead.refresh_from_db()
    assert dead.status == OutboxItem.Status.QUEUED
    assert AuditEntry.objects.filter(action="integrations.requeue", actor=operator).exists()


@pytest.mark.django_db
def test_requeue_by_api_is_refused_to_other_officials(client, fake, cast):
    dead = queued("A", status=OutboxItem.Status.DEAD)
    client.force_login(cast.leader)

    response = client.post(REQUEUE, {"ids": [dead.pk]}, content_type="application/json")

    assert response.status_code == 403
    dead.refresh_from_db()
    assert dead.status == OutboxItem.Status.DEAD
