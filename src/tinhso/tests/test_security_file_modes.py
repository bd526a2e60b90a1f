"""Stored uploads are not readable by other users of the host (ASVS 12.4.1): files 0640 and
their directories 0750 on the filesystem storage, whatever the process umask."""

import os
import stat
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from tinhso.accounts.testing import token_request
from tinhso.dossiers.models import Attachment
from tinhso.testing import file_online, make_cast, pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def permissive_umask():
    """A umask that alone would leave files world-readable (0644) and directories 0755."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_an_uploaded_attachment_is_0640_in_a_0750_directory(settings, permissive_umask):
    assert settings.FILE_UPLOAD_PERMISSIONS == 0o640
    assert settings.FILE_UPLOAD_DIRECTORY_PERMISSIONS == 0o750
    cast = make_cast()
    dossier = file_online(cast)
    client = Client()
    token = client.post("/api/v1/auth/token", token_request("citizen1"), "application/json")
    before = set(Attachment.objects.values_list("pk", flat=True))
    response = client.post(
        f"/api/v1/dossiers/{dossier.code}/attachments",
        {"document": "CCCD", "file": pdf_upload()},
        HTTP_AUTHORIZATION=f"Bearer {token.json()['token']}",
    )
    assert response.status_code == 201, response.content
    attachment = Attachment.objects.exclude(pk__in=before).get()
    path = Path(default_storage.path(attachment.file.name))
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o750
