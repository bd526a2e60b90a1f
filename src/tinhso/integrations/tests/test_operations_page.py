"""/lien-thong/: the operators' page of the outbox and its re-queue button."""

import pytest
from django.urls import reverse

from tinhso.audit.models import AuditEntry
from tinhso.integrations.models import OutboxItem

PAGE = "/lien-thong/"


def dead(key, error, system="fake"):
    return OutboxItem.objects.create(
        system=system,
        operation="sync",
        key=key,
        status=OutboxItem.Status.DEAD,
        attempts=3,
        last_error=error,
    )


@pytest.mark.django_db
def test_operator_sees_each_system_and_the_dead_letters(client, fake, operator):
    OutboxItem.objects.create(system="fake", operation="sync", key="Q1")
    first = dead("H61.2026.0001", "MaTTHC không tồn tại")
    client.force_login(operator)

    response = client.get(PAGE)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert 'data-system="fake"' in html and "Hệ thống thử" in html
    assert f'data-item="{first.pk}"' in html
    assert "MaTTHC không tồn tại" in html
    assert reverse("integrations:requeue", args=[first.pk]) in html


@pytest.mark.django_db
def test_dead_letters_filter_by_system_and_text(client, fake, operator):
    wanted = dead("H61.2026.0001", "MaTTHC không tồn tại")
    other_text = dead("H61.2026.0002", "Sai định dạng ngày")
    other_system = dead("H61.2026.0003", "MaTTHC không tồn tại", system="kho")
    client.force_login(operator)

    html = client.get(PAGE, {"he_thong": "fake", "tim": "mattHC"}).content.decode()

    assert f'data-item="{wanted.pk}"' in html
    assert f'data-item="{other_text.pk}"' not in html
    assert f'data-item="{other_system.pk}"' not in html
    by_code = client.get(PAGE, {"tim": "0002"}).content.decode()
    assert f'data-item="{other_text.pk}"' in by_code and f'data-item="{wanted.pk}"' not in by_code


@pytest.mark.django_db
def test_requeue_button_puts_the_item_back_and_is_audited(client, fake, operator):
    item = dead("H61.2026.0001", "MaTTHC không tồn tại")
    client.force_login(operator)

    response = client.post(reverse("integrations:requeue", args=[item.pk]), {"next": PAGE})

    assert response.status_code == 302 and response["Location"] == PAGE
    item.refresh_from_db()
    assert item.status == OutboxItem.Status.QUEUED
    entry = AuditEntry.objects.get(action="integrations.requeue")
    assert entry.actor_id == operator.pk and entry.details["ids"] == [item.pk]
    page = client.get(PAGE).content.decode()
    assert "Đã đưa thông điệp" in page


@pytest.mark.django_db
def test_requeue_ignores_an_outside_next_address(client, fake, operator):
    item = dead("H61.2026.0001", "lỗi")
    client.force_login(operator)

    response = client.post(
        reverse("integrations:requeue", args=[item.pk]), {"next": "https://evil.example/"}
    )

    assert response["Location"] == reverse("integrations:overview")


@pytest.mark.django_db
def test_a_specialist_gets_404_and_cannot_requeue(client, fake, cast):
    item = dead("H61.2026.0001", "lỗi")
    client.force_login(cast.specialist)

    assert client.get(PAGE).status_code == 404
    assert client.post(reverse("integrations:requeue", args=[item.pk])).status_code == 404
    item.refresh_from_db()
    assert item.status == OutboxItem.Status.DEAD


@pytest.mark.django_db
def test_anonymous_visitors_go_to_the_login_page(client, fake):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert "next=/lien-thong/" in response["Location"]


@pytest.mark.django_db
def test_requeue_needs_post(client, fake, operator):
    item = dead("H61.2026.0001", "lỗi")
    client.force_login(operator)

    assert client.get(reverse("integrations:requeue", args=[item.pk])).status_code == 405
