"""Media files are never served by URL, in any mode: downloads go through views that check access.

``tinhso.urls`` decides its routes when it is imported, so ``DEBUG=True`` set in a test does not
change the URLconf already loaded. The ``debug_urls`` fixture evaluates the module afresh with
``DEBUG`` on — as ``make run`` imports it — and makes it the URLconf of the test.
"""

import importlib.util
import sys
from collections.abc import Iterator
from types import ModuleType

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from tinhso.documents.services import issue_slip
from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier
from tinhso.testing import FORM_DATA, Cast, make_cast, pdf_upload
from tinhso.uploads import check_upload

pytestmark = pytest.mark.django_db

DEBUG_URLCONF = "tinhso_urls_under_debug"


@pytest.fixture
def debug_urls(settings) -> Iterator[ModuleType]:
    settings.DEBUG = True
    spec = importlib.util.find_spec("tinhso.urls")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules[DEBUG_URLCONF] = module
    settings.ROOT_URLCONF = DEBUG_URLCONF
    yield module
    del sys.modules[DEBUG_URLCONF]


@pytest.fixture
def cast(db) -> Cast:
    return make_cast()


def _received_dossier_with_slip(cast: Cast) -> tuple[Dossier, int]:
    dossier, _ = services.file_dossier(
        user=cast.citizen,
        version=cast.province_procedure,
        data=dict(FORM_DATA),
        applicant=services.Applicant.from_user(cast.citizen),
        files=[services.NewFile("TK", check_upload(pdf_upload("to-khai.pdf")))],
    )
    dossier = services.perform_action(
        user=cast.clerk, dossier=dossier, request=services.ActionRequest("receive")
    )
    slip = issue_slip(dossier_id=dossier.pk, kind="receipt", history_seq=dossier.history_seq)
    return dossier, slip.pk


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "path",
    ["/media/", "/media/slips/1/receipt-2.pdf", "/media/results/1/2025/00001.pdf", "/media/x"],
)
def test_no_route_answers_a_media_path_in_debug_mode(debug_urls, path):
    with pytest.raises(Resolver404):
        resolve(path, urlconf=DEBUG_URLCONF)


def test_stored_files_are_404_by_their_media_path_in_debug_mode(debug_urls, cast):
    dossier, slip_pk = _received_dossier_with_slip(cast)
    slip = dossier.slips.get(pk=slip_pk)
    attachment = dossier.attachments.get()
    owner = _signed_in(cast.citizen)
    for name in (slip.file.name, attachment.file.name):
        assert default_storage.exists(name)  # the file is there: only the route is missing
        for client in (Client(), owner):
            response = client.get(f"/media/{name}")
            assert response.status_code == 404, name
            assert b"%PDF" not in response.content


def test_slip_download_view_serves_its_owner_and_no_one_else_in_debug_mode(debug_urls, cast):
    dossier, slip_pk = _received_dossier_with_slip(cast)
    url = reverse("portal:slip", args=[dossier.code, slip_pk])
    response = _signed_in(cast.citizen).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    with dossier.slips.get(pk=slip_pk).file.open("rb") as stored:
        assert b"".join(response.streaming_content) == stored.read()
    assert _signed_in(cast.other_citizen).get(url).status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/dang-nhap/" in anonymous["Location"]
