"""The store page (stores:list): the owner's documents with their facts, nobody else's."""

import pytest
from django.template.defaultfilters import filesizeformat
from django.urls import reverse

from tinhso.stores import services
from tinhso.stores.models import StoredDocument
from tinhso.testing import pdf_upload
from tinhso.uploads import check_upload

from .conftest import store_result

pytestmark = pytest.mark.django_db
URL = reverse("stores:list")


def test_store_requires_login(client, cast):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))


def test_store_lists_kind_issuer_number_date_size_and_download(citizen_client, cast):
    document = store_result(cast.citizen, cast, title="Giấy khai sinh của con")
    html = citizen_client.get(URL).content.decode()
    assert "Giấy khai sinh của con" in html
    assert "Kết quả giải quyết TTHC" in html
    assert "Sở Tư pháp" in html
    assert "123/GKS" in html
    assert "04/08/2025" in html
    assert filesizeformat(document.size) in html
    assert reverse("stores:download", args=[document.pk]) in html
    # issued results cannot be deleted, so no delete form
    assert reverse("stores:delete", args=[document.pk]) not in html
    assert 'action="/kho-giay-to/tai-len/"' in html and 'enctype="multipart/form-data"' in html


def test_store_shows_only_the_owners_documents(citizen_client, other_client, cast):
    store_result(cast.other_citizen, cast, title="Giấy tờ của Bích")
    assert "Giấy tờ của Bích" not in citizen_client.get(URL).content.decode()
    assert "Giấy tờ của Bích" in other_client.get(URL).content.decode()


def test_own_uploads_have_a_delete_form_and_revoked_documents_are_marked(citizen_client, cast):
    upload = services.store_upload(
        owner=cast.citizen, title="Căn cước", upload=check_upload(pdf_upload())
    )
    revoked = store_result(cast.citizen, cast, title="Giấy phép cũ")
    StoredDocument.objects.filter(pk=revoked.pk).update(revoked=True)
    html = citizen_client.get(URL).content.decode()
    assert reverse("stores:delete", args=[upload.pk]) in html
    assert "Đã thu hồi" in html
    assert "Ngày lưu" in html  # an upload has no issue date


def test_empty_store_says_so_and_the_nav_links_to_it(citizen_client, cast):
    html = citizen_client.get(URL).content.decode()
    assert "chưa có giấy tờ nào" in html
    assert f'<a href="{URL}" aria-current="page">Kho giấy tờ</a>' in html
