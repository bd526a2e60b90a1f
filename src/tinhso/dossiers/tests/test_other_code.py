"""A dossier keeps the code another system issued (R-NAT-102) and is found by either code, the
other system's first (R-NAT-101): the API, the back office and the public lookup. Also the
intake problems an arriving dossier may carry (R-NAT-053)."""

import pytest
from django.db import IntegrityError
from django.urls import reverse

from tinhso.accounts.testing import bearer_header
from tinhso.dossiers import selectors, services
from tinhso.dossiers.models import Dossier
from tinhso.testing import FORM_DATA, make_cast

pytestmark = pytest.mark.django_db

NATIONAL = "000.00.12.H61-261208-9001"


@pytest.fixture
def cast():
    return make_cast()


def file_national(cast, code: str = NATIONAL, issuer: str = "dvcqg", **extra) -> Dossier:
    """A dossier as the national channel files it: no account, the national code kept."""
    dossier, _created = services.file_dossier(
        user=cast.other_citizen,  # stands for the channel's account here
        version=cast.province_procedure,
        data=extra.pop("data", FORM_DATA),
        applicant=services.Applicant(name="Lê Thị Cúc", phone="0911222333"),
        agency=cast.dept,
        other_code=code,
        other_code_issuer=issuer,
        **extra,
    )
    return dossier


def test_the_clerk_finds_the_dossier_by_its_national_code_in_the_api(client, cast):
    dossier = file_national(cast)
    auth = bearer_header(client, cast.clerk.username)
    response = client.get(f"/api/v1/dossiers/{NATIONAL}", **auth)
    assert response.status_code == 200, response.content
    assert response.json()["code"] == dossier.code
    assert client.get(f"/api/v1/dossiers/{dossier.code}", **auth).json()["code"] == dossier.code


def test_an_official_of_another_agency_does_not_find_it_by_either_code(client, cast):
    dossier = file_national(cast)
    auth = bearer_header(client, cast.other_specialist.username)
    for code in (NATIONAL, dossier.code):
        assert client.get(f"/api/v1/dossiers/{code}", **auth).status_code == 404


def test_the_national_code_is_looked_up_before_ours(cast):
    ours = file_national(cast, code="")
    assert ours.code
    national = file_national(cast, code=ours.code)  # the same text, issued by the portal
    assert selectors.by_code(Dossier.objects.all(), ours.code).first() == national
    assert selectors.dossier_by_code(ours.code) == national
    assert selectors.dossier_by_code(national.code) == national
    assert not selectors.by_code(Dossier.objects.all(), "  ").exists()


def test_the_public_lookup_accepts_the_national_code(client, cast):
    dossier = file_national(cast)
    found = client.get(f"/api/v1/lookup/{NATIONAL}", {"phone_last4": "2333"})
    assert found.status_code == 200, found.content
    assert found.json()["code"] == dossier.code
    assert [step["status_code"] for step in found.json()["history"]] == [1]
    assert client.get(f"/api/v1/lookup/{NATIONAL}", {"phone_last4": "0000"}).status_code == 404


def test_the_other_code_is_unique_per_issuer_and_searchable(cast):
    dossier = file_national(cast)
    assert "261208-9001" in dossier.search_text
    with pytest.raises(IntegrityError):
        file_national(cast)
    assert file_national(cast, issuer="lgsp").other_code == NATIONAL
    assert Dossier.objects.filter(other_code=NATIONAL).count() == 2


def test_form_errors_can_be_kept_as_intake_problems_instead_of_refusing(cast):
    data = {"so_ban": "hai"}
    with pytest.raises(services.InvalidInput):
        file_national(cast, data=data)
    dossier = file_national(cast, data=data, keep_form_errors=True, intake_problems=["Tệp lỗi"])
    assert dossier.status == "submitted" and dossier.data == data
    assert dossier.intake_problems[0] == "Tệp lỗi"
    assert len(dossier.intake_problems) == 4  # the file, the name and birth date, the count
    assert dossier.fee_amount == cast.province_procedure.fee_for(True)


def test_the_back_office_page_shows_both_codes_and_the_intake_problems(client, cast):
    dossier = file_national(cast, intake_problems=["Tệp “don.pdf” không được nhận."])
    client.force_login(cast.clerk)
    page = client.get(reverse("backoffice:dossier", args=[NATIONAL]))
    assert page.status_code == 200
    html = page.content.decode()
    assert dossier.code in html and NATIONAL in html
    assert "Hồ sơ có vấn đề khi tiếp nhận" in html and "don.pdf" in html
    inbox = client.get(reverse("backoffice:inbox")).content.decode()
    assert NATIONAL in inbox
