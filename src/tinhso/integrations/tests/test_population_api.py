"""``GET /api/v1/citizens/lookup`` against the sandbox's population database over real HTTP
(spec §7, issue 17's contract): confirmed fields and mismatches for a clerk, ``found: false``,
``available: false`` within the read timeout, 403/400, and nothing of the answer kept."""

import time

import pytest
import requests

from tinhso.accounts.models import User
from tinhso.audit.models import AuditEntry
from tinhso.integrations.models import IntegrationLog
from tinhso.integrations.population import client as wire
from tinhso.integrations.population.models import PopulationLookup
from tinhso.testing import make_cast

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/citizens/lookup"


def knobs(sandbox: str, **values) -> None:
    response = requests.post(f"{sandbox}/faults", json=values, timeout=5)
    assert response.status_code == 200, response.text


def test_a_clerk_gets_the_confirmed_fields_and_the_address_mismatch(sandbox, client):
    cast = make_cast()
    client.force_login(cast.clerk)

    response = client.get(
        URL,
        {
            "personal_id": "083301004567",
            "name": "trần thị  bích",
            "birth_date": "2001-07-20",
            "address": "45 Ấp 3, phường An Hội",
        },
    )

    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["available"] is True and body["found"] is True
    person = body["person"]
    assert person["name"] == "Trần Thị Bích"
    assert person["birth_date"] == "2001-07-20"
    assert person["sex"] == "female"
    assert person["permanent_residence"]["text"] == "78 Ấp 5, Phường An Hội, Tỉnh Vĩnh Long"
    assert person["current_residence"]["detail"] == "45 Ấp 3"
    assert body["checked"] == {"name": "matched", "birth_date": "matched", "address": "mismatched"}
    assert body["mismatches"] == ["address"]
    row = PopulationLookup.objects.get()
    assert row.request_id == body["request_id"] and row.request_id.startswith("VLG_DVC_")
    assert (row.personal_id, row.outcome, row.requested_by) == ("083301004567", "found", cast.clerk)
    assert row.fields_sent == ["SoDinhDanh", "HoVaTen", "NgayThangNam"]
    assert row.mismatches == ["address"]
    entry = AuditEntry.objects.get(action="population.lookup")
    assert entry.actor == cast.clerk and entry.target == f"population_lookup:{row.pk}"


def test_an_unknown_id_answers_found_false(sandbox, client):
    client.force_login(make_cast().clerk)
    body = client.get(URL, {"personal_id": "083095009999"}).json()
    assert body["found"] is False and body["available"] is True
    assert "person" not in body
    assert PopulationLookup.objects.get().outcome == "not_found"


def test_the_platform_admin_may_look_up(sandbox, client):
    admin = User.objects.create_user("platform.admin", password="pw", kind=User.Kind.ADMIN)
    client.force_login(admin)
    assert client.get(URL, {"personal_id": "083095001234"}).json()["found"] is True


def test_citizens_and_non_counter_officials_are_refused(sandbox, client):
    cast = make_cast()
    for user in (cast.citizen, cast.specialist):
        client.force_login(user)
        response = client.get(URL, {"personal_id": "083095001234"})
        assert response.status_code == 403
        assert "detail" in response.json()
    client.logout()
    assert client.get(URL, {"personal_id": "083095001234"}).status_code == 401
    assert not PopulationLookup.objects.exists()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"personal_id": "12345"}, "personal_id"),
        ({"personal_id": "999095001234"}, "personal_id"),  # no such province prefix
        ({"personal_id": "083095001234", "birth_date": "20/07/2001"}, "birth_date"),
    ],
)
def test_malformed_input_is_a_400_with_a_json_error_and_nothing_sent(sandbox, client, query, field):
    client.force_login(make_cast().clerk)
    response = client.get(URL, query)
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert not PopulationLookup.objects.exists()


def test_an_unavailable_database_answers_available_false_within_the_read_timeout(
    sandbox, client, settings
):
    settings.TINHSO_DANCU_READ_TIMEOUT = 0.5
    knobs(sandbox, DANCU_UNAVAILABLE=True)
    knobs(sandbox, service="dancu", TIMEOUT_SECONDS=2)
    client.force_login(make_cast().clerk)

    started = time.monotonic()
    response = client.get(URL, {"personal_id": "083095001234"})
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert response.json() == {"available": False, "request_id": response.json()["request_id"]}
    assert elapsed < 1.9
    row = PopulationLookup.objects.get()
    assert (row.outcome, row.failure) == ("unavailable", "timeout")
    assert IntegrationLog.objects.get(system="dancu").outcome == "unavailable"


def test_a_request_the_database_refuses_is_unavailable_not_a_server_error(
    sandbox, client, monkeypatch
):
    # A request id the database has already seen within 24 hours (S-8) is answered with
    # error_code -1: the API answers 200 "unavailable" and the row records why.
    used = requests.post(
        f"{sandbox}/dancu/lookup",
        json={"SoDinhDanh": "083095001234", "MaYeuCau": "VLG_DVC_REPLAYED"},
        timeout=5,
    )
    assert used.json()["error_code"] == "0"
    monkeypatch.setattr(wire, "new_request_id", lambda: "VLG_DVC_REPLAYED")
    client.force_login(make_cast().clerk)

    response = client.get(URL, {"personal_id": "083095001234"})

    assert response.status_code == 200
    assert response.json()["available"] is False
    row = PopulationLookup.objects.get()
    assert (row.outcome, row.failure) == ("unavailable", "error_code:-1")


def test_no_part_of_the_answer_is_kept_in_the_database(sandbox, client):
    client.force_login(make_cast().clerk)
    client.get(URL, {"personal_id": "083301004567", "address": "45 Ấp 3, phường An Hội"})
    stored = " ".join(
        str(value)
        for model in (PopulationLookup, IntegrationLog, AuditEntry)
        for row in model.objects.values()
        for value in row.values()
    )
    for secret in (
        "Bích",
        "BICH",
        "78 Ấp 5",
        "An Hội",
        "20010720",
        "CongdanCollection",
        "Envelope",
    ):
        assert secret not in stored
