"""TINHSO_STORAGE=s3: files go to an S3-compatible bucket (moto's server, over HTTP) and come back
only through the views that check access (docs/deployment.md, "File storage")."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from django.test import Client
from django.urls import reverse

from tinhso.documents.models import IssuedSlip
from tinhso.dossiers import services
from tinhso.dossiers.models import Attachment
from tinhso.results.models import ResultDocument
from tinhso.results.tests.conftest import to_result_ready
from tinhso.results.verification import verify_pdf
from tinhso.stores.models import StoredDocument
from tinhso.testing import FORM_DATA, PDF_BYTES, file_online, make_cast, pdf_upload
from tinhso.uploads import check_upload

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


@pytest.fixture
def cast(db):
    return make_cast()


@pytest.fixture
def signing(settings):
    """The demo signer, as the results tests use it (the PKI is the session's, in tmp)."""
    settings.TINHSO_SIGNER_DEFAULT = "demo"
    settings.TINHSO_TSA_URL = ""
    settings.TINHSO_TRUST_ROOTS = []
    settings.TINHSO_SITE_URL = "https://dichvucong.example.vn"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def downloaded(response) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def files_on_disk(root) -> list[Path]:
    return [path for path in Path(root).rglob("*") if path.is_file()]


def test_an_attachment_is_a_private_object_served_only_to_its_owner(cast, s3_storage, settings):
    dossier = file_online(cast)
    attachment = dossier.attachments.get()
    key = s3_storage.key(attachment.file.name)

    assert s3_storage.object_keys() == [key]
    assert s3_storage.read(key) == PDF_BYTES
    assert files_on_disk(settings.MEDIA_ROOT) == []

    url = reverse("portal:attachment", args=[dossier.code, attachment.pk])
    assert downloaded(logged_in(cast.citizen).get(url)) == PDF_BYTES
    assert logged_in(cast.other_citizen).get(url).status_code == 404

    # The object itself: refused to anyone without credentials, no grant to everyone.
    anonymous = requests.get(f"{s3_storage.endpoint}/{s3_storage.name}/{key}", timeout=10)
    assert anonymous.status_code == 403
    grants = s3_storage.client.get_object_acl(Bucket=s3_storage.name, Key=key)["Grants"]
    assert all(grant["Grantee"].get("URI") != ALL_USERS for grant in grants)
    # The storage never signs a link to it either: the admin's "url" is the unrouted /media/ path.
    assert attachment.file.url == f"/media/{attachment.file.name}"
    assert Client().get(attachment.file.url).status_code == 404


def test_the_same_name_twice_makes_two_objects_not_one_overwritten(cast, s3_storage):
    first = file_online(cast)
    second = file_online(cast)
    names = {first.attachments.get().file.name, second.attachments.get().file.name}
    assert len(names) == 2
    assert len(s3_storage.object_keys()) == 2


def test_slips_and_the_signed_result_are_stored_in_the_bucket_and_downloaded_through_their_views(
    cast, s3_storage, signing, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dossier = to_result_ready(cast)
    slips = list(IssuedSlip.objects.filter(dossier=dossier))
    result = ResultDocument.objects.get(dossier=dossier)
    assert slips and result.is_signed

    kept = StoredDocument.objects.get(owner=cast.citizen)  # the result, in the citizen's store
    stored = [dossier.attachments.get().file.name, result.file.name, kept.file.name]
    stored += [slip.file.name for slip in slips]
    assert s3_storage.object_keys() == sorted(s3_storage.key(name) for name in stored)
    assert files_on_disk(settings.MEDIA_ROOT) == []

    owner, outsider = logged_in(cast.citizen), logged_in(cast.other_citizen)
    for slip in slips:
        url = reverse("portal:slip", args=[dossier.code, slip.pk])
        content = downloaded(owner.get(url))
        assert content == s3_storage.read(s3_storage.key(slip.file.name))
        assert hashlib.sha256(content).hexdigest() == slip.sha256
        assert outsider.get(url).status_code == 404

    signed = downloaded(Client().get(reverse("results:download", args=[result.public_token])))
    assert signed == s3_storage.read(s3_storage.key(result.file.name))
    assert hashlib.sha256(signed).hexdigest() == result.sha256
    assert verify_pdf(signed).status == "valid"

    url = reverse("stores:download", args=[kept.pk])
    assert downloaded(owner.get(url)) == signed
    assert outsider.get(url).status_code == 404


def test_a_filing_that_fails_after_writing_a_file_leaves_no_object_behind(cast, s3_storage):
    bucket = s3_storage
    bucket.client.put_bucket_versioning(
        Bucket=bucket.name, VersioningConfiguration={"Status": "Enabled"}
    )
    with pytest.raises(services.InvalidInput):
        services.file_dossier(
            user=cast.citizen,
            version=cast.province_procedure,
            data=FORM_DATA,
            applicant=services.Applicant.from_user(cast.citizen),
            files=[
                services.NewFile("TK", check_upload(pdf_upload("to-khai.pdf"))),
                services.NewFile("KHONG-CO", check_upload(pdf_upload("thua.pdf"))),
            ],
        )
    assert Attachment.objects.count() == 0
    assert bucket.object_keys() == []
    # The first file did reach the bucket before the failure, and was deleted: a delete marker.
    history = bucket.client.list_object_versions(Bucket=bucket.name)
    written = [version["Key"] for version in history.get("Versions", [])]
    deleted = [marker["Key"] for marker in history.get("DeleteMarkers", [])]
    assert len(written) == 1 and deleted == written
    assert written[0].startswith(f"{bucket.prefix}/dossiers/")


def test_tinhso_storage_s3_in_the_environment_selects_the_private_s3_storage(tmp_path):
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("TINHSO_")
    }
    environment |= {
        "DJANGO_SETTINGS_MODULE": "tinhso.settings",
        "TINHSO_VAR_DIR": str(tmp_path),
        "TINHSO_STORAGE": "s3",
        "TINHSO_S3_BUCKET": "ho-so",
        "TINHSO_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
        "TINHSO_S3_PREFIX": "/tinhso/",
    }
    script = (
        "import json; "
        "from django.core.files.storage import storages; "
        "s = storages['default']; "
        "print(json.dumps({'backend': type(s).__module__ + '.' + type(s).__name__, "
        "'bucket': s.bucket_name, 'endpoint': s.endpoint_url, 'location': s.location, "
        "'acl': s.default_acl, 'signed': s.querystring_auth, 'overwrite': s.file_overwrite, "
        "'style': s.addressing_style, 'url': s.url('dossiers/1/a.pdf')}))"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {
        "backend": "tinhso.storage.PrivateS3Storage",
        "bucket": "ho-so",
        "endpoint": "http://127.0.0.1:9000",
        "location": "tinhso",
        "acl": None,
        "signed": True,
        "overwrite": False,
        "style": "path",
        "url": "/media/dossiers/1/a.pdf",
    }

    environment["TINHSO_STORAGE_BACKEND"] = "django.core.files.storage.FileSystemStorage"
    both = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True, timeout=60
    )
    assert both.returncode != 0
    assert "TINHSO_STORAGE=s3 or TINHSO_STORAGE_BACKEND, not both" in both.stderr
