"""Downloading a stored document (stores:download): the owner only, after the access check."""

import pytest
from django.urls import reverse

from tinhso.testing import PDF_BYTES

from .conftest import store_result

pytestmark = pytest.mark.django_db


def test_owner_downloads_the_stored_bytes_as_an_attachment(citizen_client, cast):
    document = store_result(cast.citizen, cast, title="Giấy khai sinh")
    response = citizen_client.get(reverse("stores:download", args=[document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="giay-khai-sinh.pdf"'


def test_another_citizen_gets_404(other_client, cast):
    document = store_result(cast.citizen, cast)
    response = other_client.get(reverse("stores:download", args=[document.pk]))
    assert response.status_code == 404


def test_an_official_gets_404_too(client, cast):
    document = store_result(cast.citizen, cast)
    client.force_login(cast.clerk)
    assert client.get(reverse("stores:download", args=[document.pk])).status_code == 404


def test_anonymous_is_sent_to_login(client, cast):
    document = store_result(cast.citizen, cast)
    response = client.get(reverse("stores:download", args=[document.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))


def test_unknown_id_is_404(citizen_client, cast):
    assert citizen_client.get(reverse("stores:download", args=[999999])).status_code == 404
