"""The counter's "Tra cứu CSDL quốc gia về dân cư" (spec §7, §11.4 scenario 8) against the
sandbox's population database over real HTTP: the confirmed fields and the address mismatch
shown to the clerk, the empty fields pre-filled, the dossier linked to the lookup, the paper-proof
path when the database does not answer, and no part of the answer kept in the database."""

import re

import pytest
import requests
from django.urls import reverse

from tinhso.audit.models import AuditEntry
from tinhso.dossiers.models import Dossier
from tinhso.integrations.models import IntegrationLog
from tinhso.integrations.population.models import PopulationLookup
from tinhso.integrations.tests.conftest import sandbox  # noqa: F401  (the live sandbox fixture)
from tinhso.testing import pdf_upload

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = reverse("backoffice:counter_new") + "?thu_tuc=2.000001"


def form(**overrides):
    data = {
        "name": "",
        "personal_id": "083301004567",
        "phone": "0987 654 321",
        "email": "",
        "address": "45 Ấp 3, phường An Hội",
        "receive_now": "",
        "data.ho_ten": "Lê Văn Dũng",
        "data.ngay_sinh": "2025-10-01",
        "data.so_ban": "2",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def hidden_lookup(html: str) -> str:
    match = re.search(r'name="population_lookup" value="(\d+)"', html)
    assert match, "the lookup id is carried in the form"
    return match.group(1)


def test_scenario_8_the_clerk_sees_the_address_mismatch_and_files_with_the_lookup(
    sandbox,  # noqa: F811
    cast,
    login,
):
    client = login(cast.clerk)
    assert "Tra cứu CSDL quốc gia về dân cư" in client.get(PAGE).content.decode()

    response = client.post(PAGE, form(tra_cuu_dan_cu="1"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Thông tin đã xác thực từ CSDL quốc gia về dân cư" in html
    assert "78 Ấp 5, Phường An Hội, Tỉnh Vĩnh Long" in html  # permanent residence
    assert "Không khớp với thông tin đã khai:</strong> Nơi thường trú" in html
    assert 'value="Trần Thị Bích"' in html  # the empty name filled from the lookup
    assert 'value="45 Ấp 3, phường An Hội"' in html  # the declared address kept as typed
    assert 'value="Lê Văn Dũng"' in html  # the declaration survives the lookup
    lookup_id = hidden_lookup(html)

    filed = client.post(
        PAGE,
        form(name="Trần Thị Bích", population_lookup=lookup_id, **{"doc.TK": pdf_upload()}),
    )

    assert filed.status_code == 302, filed.content.decode()[:2000]
    dossier = Dossier.objects.get()
    row = PopulationLookup.objects.get()
    assert str(row.pk) == lookup_id
    assert row.dossier == dossier and row.requested_by == cast.clerk
    assert (row.outcome, row.personal_id) == ("found", "083301004567")
    assert row.comparison == {"address": "mismatched"}
    assert row.fields_copied == ["name"]
    assert row.fields_sent == ["SoDinhDanh"]
    # No raw answer anywhere: not on the lookup row, the integration log or the audit log.
    stored = " ".join(
        str(value)
        for model in (PopulationLookup, IntegrationLog, AuditEntry)
        for item in model.objects.values()
        for value in item.values()
    )
    for raw in ("78 Ấp 5", "Tỉnh Vĩnh Long", "20010720", "CongdanCollection", "Envelope"):
        assert raw not in stored


def test_when_the_database_does_not_answer_the_clerk_goes_on_with_paper_proof(
    sandbox,  # noqa: F811
    cast,
    login,
    settings,
):
    settings.TINHSO_DANCU_READ_TIMEOUT = 0.5
    for knobs in ({"DANCU_UNAVAILABLE": True}, {"service": "dancu", "TIMEOUT_SECONDS": 1.5}):
        assert requests.post(f"{sandbox}/faults", json=knobs, timeout=5).status_code == 200
    client = login(cast.clerk)

    response = client.post(PAGE, form(name="Trần Thị Bích", tra_cuu_dan_cu="1"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Không tra cứu được CSDL quốc gia về dân cư." in html
    assert "giấy tờ bản giấy" in html
    filed = client.post(
        PAGE,
        form(
            name="Trần Thị Bích",
            population_lookup=hidden_lookup(html),
            **{"doc.TK": pdf_upload()},
        ),
    )
    assert filed.status_code == 302
    row = PopulationLookup.objects.get()
    assert row.dossier == Dossier.objects.get()
    assert (row.outcome, row.failure) == ("unavailable", "timeout")  # "lookup failed"


def test_a_malformed_id_is_reported_on_the_field_and_nothing_is_sent(cast, login):
    response = login(cast.clerk).post(PAGE, form(personal_id="0831", tra_cuu_dan_cu="1"))
    assert response.status_code == 400
    assert "Số định danh cá nhân phải gồm đúng 12 chữ số." in response.content.decode()
    assert not PopulationLookup.objects.exists()


def test_a_lookup_of_another_clerk_or_another_person_is_not_linked(
    sandbox,  # noqa: F811
    cast,
    login,
):
    other = login(cast.commune_clerk)
    theirs = hidden_lookup(other.post(PAGE, form(tra_cuu_dan_cu="1")).content.decode())
    client = login(cast.clerk)
    filed = client.post(
        PAGE, form(name="Trần Thị Bích", population_lookup=theirs, **{"doc.TK": pdf_upload()})
    )
    assert filed.status_code == 302
    own = hidden_lookup(
        client.post(PAGE, form(personal_id="083095001234", tra_cuu_dan_cu="1")).content.decode()
    )
    client.post(PAGE, form(name="Trần Thị Bích", population_lookup=own, **{"doc.TK": pdf_upload()}))
    assert Dossier.objects.count() == 2
    assert not PopulationLookup.objects.filter(dossier__isnull=False).exists()
