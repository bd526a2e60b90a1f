"""GET /api/v1/ioc/summary and /api/v1/ioc/index766: figures, errors and who may call them."""

import pytest
import time_machine

from tinhso.ioc.tests.conftest import NOW

pytestmark = pytest.mark.django_db
SUMMARY = "/api/v1/ioc/summary"
INDEX = "/api/v1/ioc/index766"


def get(client, user, url, **params):
    if user is not None:
        client.force_login(user)
    with time_machine.travel(NOW, tick=False):
        return client.get(url, params)


def test_province_leader_gets_province_summary_with_numerators(client, july, province_leader):
    response = get(client, province_leader, SUMMARY, **{"from": "2025-07-01", "to": "2025-07-31"})
    assert response.status_code == 200
    body = response.json()["summary"]
    assert body["received"] == 4 and body["resolved"] == 2 and body["withdrawn"] == 1
    assert body["in_progress"] == 1 and body["in_progress_overdue"] == 0
    assert body["on_time_rate"] == {"numerator": 1, "denominator": 2, "value": 0.5}
    assert body["online_rate"]["numerator"] == 3 and body["online_rate"]["denominator"] == 4
    assert response.json()["previous"]["from"] == "2025-05-31"


def test_province_leader_may_scope_to_a_unit(client, july, province_leader):
    response = get(
        client,
        province_leader,
        SUMMARY,
        **{"from": "2025-07-01", "to": "2025-07-31", "unit": "28777"},
    )
    assert response.status_code == 200
    assert response.json()["summary"]["received"] == 1  # only the An Hội applicant's dossier


def test_agency_leader_sees_own_agency_only(client, cast, july):
    own = get(
        client, cast.leader, SUMMARY, **{"from": "2025-07-01", "to": "2025-07-31", "agency": "stp"}
    )
    assert own.status_code == 200 and own.json()["summary"]["received"] == 3
    assert get(client, cast.leader, SUMMARY, agency=str(cast.other_dept.pk)).status_code == 403
    assert get(client, cast.leader, SUMMARY).status_code == 403  # the whole province


@pytest.mark.parametrize("who", ["specialist", "clerk", "citizen", "other_leader_of_nothing"])
def test_others_are_forbidden(client, cast, who):
    user = getattr(cast, who, None) or cast.commune_specialist
    assert get(client, user, SUMMARY).status_code == 403
    assert get(client, user, INDEX, period="2025-07").status_code == 403


def test_anonymous_gets_401(client):
    assert get(client, None, SUMMARY).status_code == 401
    assert get(client, None, INDEX, period="2025-07").status_code == 401


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"from": "2025-13-01"}, 400, "from"),
        ({"to": "hôm qua"}, 400, "to"),
        ({"from": "2025-08-01", "to": "2025-07-01"}, 400, "from"),
        ({"agency": "khong-co"}, 404, "agency"),
        ({"unit": "99999"}, 404, "unit"),
    ],
)
def test_bad_input_gives_json_error(client, province_leader, params, status, field):
    response = get(client, province_leader, SUMMARY, **params)
    assert response.status_code == status
    assert response.json()["field"] == field and response.json()["detail"]


def test_index766_for_province_leader_and_agency_leader(client, cast, july, province_leader):
    body = get(client, province_leader, INDEX, period="2025-07", level="agency").json()
    assert {r["label"] for r in body["rows"]} == {"Sở Tư pháp", "UBND phường Phú Khương"}
    dept = next(r for r in body["rows"] if r["label"] == "Sở Tư pháp")
    assert sorted(r["rank"] for r in body["rows"]) == [1, 2] and len(dept["groups"]) == 6
    first = next(i for i in dept["indicators"] if i["id"] == "2.1")
    assert first["numerator"] == 2 and first["denominator"] == 3 and first["formula"]
    own = get(client, cast.leader, INDEX, period="2025-07").json()
    assert [r["label"] for r in own["rows"]] == ["Sở Tư pháp"]
    assert get(client, cast.leader, INDEX, period="2025-07", level="unit").status_code == 403
    assert get(client, province_leader, INDEX, period="07-2025").status_code == 400
    assert get(client, province_leader, INDEX, period="2025-07", level="x").status_code == 400
