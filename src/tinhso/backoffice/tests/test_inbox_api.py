"""GET /api/v1/inbox: the back-office tabs for integrators, paged by key, counted up to a cap."""

import secrets

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.accounts.api import _hash
from tinhso.accounts.models import ApiToken
from tinhso.backoffice import inbox
from tinhso.dossiers.models import Dossier, Status

from .conftest import act, at, file_online

URL = "/api/v1/inbox"


def bearer(user) -> dict[str, str]:
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, key_hash=_hash(key))
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def received(cast, n: int) -> list[Dossier]:
    """``n`` department dossiers received at the same moment: equal deadlines, ties broken by id."""
    with time_machine.travel(at(2025, 11, 24, 8, 0), tick=False):
        return [act(cast.clerk, file_online(cast), "receive") for _ in range(n)]


def test_specialist_reads_the_processing_tab_with_its_count(cast, client):
    dossiers = received(cast, 2)
    with time_machine.travel(at(2025, 11, 24, 9, 0), tick=False):
        response = client.get(URL, {"tab": "processing"}, **bearer(cast.specialist))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["tab"] == "processing"
    assert (body["count"], body["count_capped"], body["next"]) == (2, False, None)
    assert [item["code"] for item in body["items"]] == [d.code for d in dossiers]
    first = body["items"][0]
    assert first["status"] == Status.RECEIVED and first["due_at"]
    assert first["procedure"] == cast.province_procedure.procedure.code
    assert "no-store" in response["Cache-Control"]


def test_clerk_sees_new_dossiers_and_other_agencies_stay_out(cast, client):
    with time_machine.travel(at(2025, 11, 24, 8, 0), tick=False):
        new = file_online(cast)
        other = file_online(cast, citizen=cast.other_citizen, version=cast.commune_procedure)
    body = client.get(URL, {"tab": "new"}, **bearer(cast.clerk)).json()
    assert [item["code"] for item in body["items"]] == [new.code]
    assert other.agency_id != cast.centre.pk
    specialist = client.get(URL, {"tab": "new"}, **bearer(cast.specialist)).json()
    assert (specialist["count"], specialist["items"]) == (0, [])  # not a clerk: no new tab


def test_citizens_are_refused_with_403_json(cast, client):
    response = client.get(URL, **bearer(cast.citizen))
    assert response.status_code == 403
    assert response.json()["detail"] == "Chỉ cán bộ xử lý hồ sơ mới xem được hộp hồ sơ."
    assert client.get(URL).status_code == 401


def test_the_cursor_walks_every_dossier_once_in_deadline_order(cast, client, monkeypatch):
    dossiers = received(cast, 5)
    monkeypatch.setattr(inbox, "PAGE_SIZE", 2)
    headers = bearer(cast.specialist)
    seen: list[str] = []
    cursor = None
    with time_machine.travel(at(2025, 11, 24, 9, 0), tick=False):
        for _page in range(5):
            params = {"tab": "processing", **({"cursor": cursor} if cursor else {})}
            body = client.get(URL, params, **headers).json()
            assert body["count"] == 5
            seen += [item["code"] for item in body["items"]]
            cursor = body["next"]
            if cursor is None:
                break
    assert seen == [d.code for d in dossiers]


def test_a_dossier_without_deadline_comes_last_and_is_paged_too(cast, client, monkeypatch):
    dossiers = received(cast, 3)
    Dossier.objects.filter(pk=dossiers[0].pk).update(due_at=None)
    monkeypatch.setattr(inbox, "PAGE_SIZE", 1)
    headers = bearer(cast.specialist)
    seen, cursor = [], None
    for _page in range(4):
        body = client.get(URL, {"tab": "processing", "cursor": cursor or ""}, **headers).json()
        seen += [item["code"] for item in body["items"]]
        cursor = body["next"]
        if cursor is None:
            break
    assert seen == [dossiers[1].code, dossiers[2].code, dossiers[0].code]


def test_the_count_is_exact_up_to_the_cap_then_capped(cast, client, monkeypatch):
    received(cast, 4)
    headers = bearer(cast.specialist)
    monkeypatch.setattr(inbox, "COUNT_CAP", 4)
    body = client.get(URL, {"tab": "processing"}, **headers).json()
    assert (body["count"], body["count_capped"]) == (4, False)
    monkeypatch.setattr(inbox, "COUNT_CAP", 3)
    body = client.get(URL, {"tab": "processing"}, **headers).json()
    assert (body["count"], body["count_capped"]) == (3, True)
    assert len(body["items"]) == 4


@pytest.mark.parametrize("cursor", ["not-a-cursor", "W10:forged:signature"])
def test_a_forged_cursor_is_a_400(cast, client, cursor):
    received(cast, 1)
    response = client.get(URL, {"tab": "processing", "cursor": cursor}, **bearer(cast.specialist))
    assert response.status_code == 400
    assert response.json()["field"] == "cursor"


def test_a_cursor_of_another_tab_is_a_400(cast, client, monkeypatch):
    received(cast, 2)
    monkeypatch.setattr(inbox, "PAGE_SIZE", 1)
    headers = bearer(cast.specialist)
    cursor = client.get(URL, {"tab": "processing"}, **headers).json()["next"]
    assert cursor
    response = client.get(URL, {"tab": "overdue", "cursor": cursor}, **headers)
    assert response.status_code == 400 and response.json()["field"] == "cursor"


def test_an_agency_the_official_does_not_work_at_is_refused(cast, client):
    response = client.get(URL, {"agency": cast.commune.pk}, **bearer(cast.specialist))
    assert response.status_code == 400 and response.json()["field"] == "agency"


def test_closed_dossiers_add_no_query_and_are_left_out_of_every_query(cast, client):
    """The page's queries read open dossiers only: history does not make them more numerous,
    and every query that reads dossiers says so."""
    received(cast, 2)
    headers = bearer(cast.specialist)

    def measured() -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, {"tab": "processing"}, **headers).status_code == 200
        return [q["sql"] for q in queries.captured_queries]

    measured()  # the token's first use is recorded once
    before = measured()
    closed = received(cast, 6)
    Dossier.objects.filter(pk__in=[d.pk for d in closed]).update(status=Status.RETURNED)
    after = measured()
    assert len(after) == len(before), "\n".join([*before, "----", *after])
    dossier_reads = [sql for sql in after if 'FROM "dossiers_dossier"' in sql]
    # the capped count; per side (the agency filed to, the agency received at) the page's ordered
    # reads of dossiers with a due date and of those without; last, the page's rows by id
    assert len(dossier_reads) == 1 + 2 * 2 + 1
    # each names the processing tab's open statuses, no closed one
    in_progress = "IN ('received', 'processing', 'supplement_requested', 'awaiting_payment')"
    assert all("'returned'" not in sql and in_progress in sql for sql in dossier_reads)
