"""A procedure the national TTHC database no longer lists is "not in use" (R-NAT-041, issue 16):
it is kept, its page says it takes no new dossiers, and filing one is refused in Vietnamese with
nothing saved; its publication decision is shown on the page while it has one."""

import datetime

import pytest

from tinhso.accounts.testing import bearer_header
from tinhso.dossiers.models import Dossier
from tinhso.procedures.models import Procedure
from tinhso.testing import FORM_DATA, make_cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(db):
    return make_cast()


def test_filing_a_procedure_not_in_use_is_refused_and_saves_nothing(client, cast):
    Procedure.objects.filter(code="2.000001").update(in_use=False)
    response = client.post(
        "/api/v1/dossiers",
        {"procedure": "2.000001", "data": FORM_DATA},
        content_type="application/json",
        **bearer_header(client, cast.citizen.username),
    )
    assert response.status_code == 409
    body = response.json()
    assert body["field"] == "procedure" and "ngừng áp dụng" in body["detail"]
    assert not Dossier.objects.exists()


def test_the_page_of_a_procedure_not_in_use_offers_no_filing(client, cast):
    version = cast.province_procedure
    version.decision_number = "1234/QĐ-UBND"
    version.decision_date = datetime.date(2026, 11, 2)
    version.published_on = datetime.date(2026, 11, 4)
    version.save()
    page = client.get("/thu-tuc/2.000001/").content.decode()
    assert "1234/QĐ-UBND (02/11/2026)" in page and "04/11/2026" in page
    assert "/thu-tuc/2.000001/nop/" in page
    Procedure.objects.filter(code="2.000001").update(in_use=False)
    from tinhso.procedures.cache import catalogue_changed

    catalogue_changed()
    page = client.get("/thu-tuc/2.000001/").content.decode()
    assert "ngừng áp dụng" in page and "/thu-tuc/2.000001/nop/" not in page
