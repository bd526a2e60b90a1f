import pytest

from tinhso.documents import services
from tinhso.documents.tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tinhso.documents.tests.admin_urls")]


@pytest.fixture
def admin_client_(client):
    client.force_login(f.user(is_staff=True, is_superuser=True))
    return client


def test_admin_lists_slips_but_offers_no_add_change_or_delete(
    admin_client_, dossier, receipt_entry
):
    slip = services.issue_slip(dossier_id=dossier.pk, kind="receipt", history_seq=receipt_entry.seq)

    listing = admin_client_.get("/admin/documents/issuedslip/")
    detail = admin_client_.get(f"/admin/documents/issuedslip/{slip.pk}/change/")
    post = admin_client_.post(
        f"/admin/documents/issuedslip/{slip.pk}/change/", {"form_number": "99"}
    )

    assert listing.status_code == 200 and f.CODE in listing.content.decode()
    assert detail.status_code == 200
    assert post.status_code == 403
    assert admin_client_.get("/admin/documents/issuedslip/add/").status_code == 403
    assert admin_client_.post(f"/admin/documents/issuedslip/{slip.pk}/delete/").status_code == 403
