"""Deleting from the store (stores:delete): only the owner's own uploads, only if never reused."""

from pathlib import Path

import pytest
from django.urls import reverse

from tinhso.stores import services
from tinhso.stores.models import StoredDocument
from tinhso.testing import FORM_DATA, pdf_upload
from tinhso.uploads import check_upload

from .conftest import store_result

pytestmark = pytest.mark.django_db


def own_upload(cast):
    return services.store_upload(
        owner=cast.citizen, title="Căn cước", upload=check_upload(pdf_upload())
    )


def test_owner_deletes_an_upload_and_its_file(
    citizen_client, cast, django_capture_on_commit_callbacks
):
    document = own_upload(cast)
    path = Path(document.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        response = citizen_client.post(reverse("stores:delete", args=[document.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("stores:list")
    assert not StoredDocument.objects.filter(pk=document.pk).exists()
    assert not path.exists()
    page = citizen_client.get(reverse("stores:list")).content.decode()
    assert "Đã xóa “Căn cước” khỏi kho giấy tờ." in page


def test_an_issued_result_is_kept(citizen_client, cast):
    document = store_result(cast.citizen, cast)
    response = citizen_client.post(reverse("stores:delete", args=[document.pk]), follow=True)
    assert "giấy tờ do cơ quan cấp được lưu giữ" in response.content.decode()
    assert StoredDocument.objects.filter(pk=document.pk).exists()


def test_a_reused_upload_is_kept_and_offers_no_delete(citizen_client, cast):
    from tinhso.dossiers import services as dossier_services

    document = own_upload(cast)
    dossier_services.file_dossier(
        user=cast.citizen,
        version=cast.province_procedure,
        data=dict(FORM_DATA),
        applicant=dossier_services.Applicant.from_user(cast.citizen),
        files=[dossier_services.NewFile("TK", stored=document)],
    )
    page = citizen_client.get(reverse("stores:list")).content.decode()
    assert reverse("stores:delete", args=[document.pk]) not in page
    assert "1 hồ sơ" in page
    response = citizen_client.post(reverse("stores:delete", args=[document.pk]), follow=True)
    assert "đã được dùng trong hồ sơ" in response.content.decode()
    assert StoredDocument.objects.filter(pk=document.pk).exists()


def test_another_citizen_gets_404_and_nothing_is_deleted(other_client, cast):
    document = own_upload(cast)
    response = other_client.post(reverse("stores:delete", args=[document.pk]))
    assert response.status_code == 404
    assert StoredDocument.objects.filter(pk=document.pk).exists()


def test_delete_is_post_only(citizen_client, cast):
    document = own_upload(cast)
    assert citizen_client.get(reverse("stores:delete", args=[document.pk])).status_code == 405
    assert StoredDocument.objects.filter(pk=document.pk).exists()
