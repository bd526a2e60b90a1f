import pytest

from tinhso.dossiers import services as dossier_services
from tinhso.testing import FORM_DATA, make_cast, pdf_upload
from tinhso.uploads import check_upload


@pytest.fixture
def world(db):
    cast = make_cast()
    dossier, _ = dossier_services.file_dossier(
        user=cast.citizen,
        version=cast.province_procedure,
        data=FORM_DATA,
        applicant=dossier_services.Applicant.from_user(cast.citizen),
        files=[dossier_services.NewFile("TK", check_upload(pdf_upload()))],
    )
    return cast, dossier


def test_clerk_records_counter_payment_and_owner_lists_it(client, world):
    cast, dossier = world
    client.force_login(cast.clerk)
    response = client.post(
        f"/api/v1/dossiers/{dossier.code}/payments",
        {"provider": "counter"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "succeeded" and response.json()["amount"] == 100000
    client.force_login(cast.citizen)
    listed = client.get(f"/api/v1/dossiers/{dossier.code}/payments").json()
    assert [p["status"] for p in listed] == ["succeeded"]
    again = client.post(
        f"/api/v1/dossiers/{dossier.code}/payments",
        {"provider": "counter"},
        content_type="application/json",
    )
    assert again.status_code == 409


def test_citizen_cannot_record_counter_payment_and_strangers_get_404(client, world):
    cast, dossier = world
    client.force_login(cast.citizen)
    refused = client.post(
        f"/api/v1/dossiers/{dossier.code}/payments",
        {"provider": "counter"},
        content_type="application/json",
    )
    assert refused.status_code == 409 and refused.json()["field"] == "provider"
    unknown = client.post(
        f"/api/v1/dossiers/{dossier.code}/payments",
        {"provider": "bitcoin"},
        content_type="application/json",
    )
    assert unknown.status_code == 400
    client.force_login(cast.other_citizen)
    assert client.get(f"/api/v1/dossiers/{dossier.code}/payments").status_code == 404
