"""Round trips of the two hottest public operations, locked: filing (POST /api/v1/dossiers) and
the public lookup (GET /api/v1/lookup/{code}, SQL statements and cache round trips); and the
lookup's cache following the dossier.

The statements are counted on the API through the test client, as a client would call it, and
listed by kind (verb, table) so that a new statement says where it comes from.
"""

import json
import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from ninja.responses import NinjaJSONEncoder

from tinhso.accounts.models import User
from tinhso.accounts.testing import bearer_header as bearer
from tinhso.dossiers import services
from tinhso.dossiers.api import DossierOut, LookupOut, dossier_out
from tinhso.dossiers.models import Dossier, HistoryEntry
from tinhso.dossiers.selectors import public_lookup
from tinhso.procedures import cache as catalogue_cache
from tinhso.testing import FORM_DATA, PDF_BYTES, make_cast

RIGHT = "5678"  # the last digits of the cast citizen's phone


@pytest.fixture
def cast(db):
    return make_cast()


@pytest.fixture(autouse=True)
def _fresh_caches():
    cache.clear()
    catalogue_cache.clear()
    yield
    cache.clear()
    catalogue_cache.clear()


def file(client, auth):
    return client.post(
        "/api/v1/dossiers",
        {"procedure": "2.000001", "data": FORM_DATA},
        content_type="application/json",
        **auth,
    )


_TABLE = re.compile(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', re.IGNORECASE)
_NESTED = re.compile(r"\([^()]*\)")


def kinds(queries: CaptureQueriesContext) -> list[tuple[str, str]]:
    """(verb, main table) of each statement: ("SELECT", "accounts_apitoken") …"""
    found = []
    for query in queries.captured_queries:
        sql = query["sql"].strip()
        verb = sql.split()[0].upper()
        outer = sql
        while _NESTED.search(outer):  # leave the subqueries (and value lists) out
            outer = _NESTED.sub("", outer)
        table = _TABLE.search(outer)
        found.append((verb, table.group(1) if table and verb != "RELEASE" else ""))
    return found


# The statements of one filing by a citizen, through the API, when the process already holds the
# procedure version (every filing after the first of a process, until the catalogue changes).
FILING = [
    ("SELECT", "accounts_apitoken"),  # the bearer token and its user (accounts.api)
    ("SELECT", "procedures_procedureversion"),  # the version in force + the catalogue stamp
    ("SAVEPOINT", ""),  # the use case's transaction (BEGIN outside a test)
    ("INSERT", "dossiers_dailycounter"),  # the day's number, as late as it can be
    ("INSERT", "dossiers_dossier"),  # the dossier, with its code and history sequence
    ("INSERT", "dossiers_historyentry"),  # its first history row …
    ("INSERT", "audit_auditstreamhead"),  # … audited: the stream head, upserted and locked,
    ("INSERT", "audit_auditentry"),  # the audit entry,
    ("UPDATE", "audit_auditstreamhead"),  # the head moved on
    ("INSERT", "dossiers_dossierevent"),  # the dossier-changed event (ADR 0009)
    ("RELEASE", ""),  # the commit (COMMIT outside a test)
    ("SELECT", "agencies_staffassignment"),  # the caller's roles, once, for available_actions
]


def test_filing_through_the_api_makes_twelve_statements(
    client, cast, django_capture_on_commit_callbacks
):
    auth = bearer(client, "citizen1")
    assert file(client, auth).status_code == 201  # the token's first use and the version loaded
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=False) as after_commit,
    ):
        response = file(client, auth)
    assert response.status_code == 201, response.content
    assert kinds(queries) == FILING
    assert len(queries.captured_queries) == 12
    # After the commit: one enqueue of the events' dispatch, whatever subscribes to them.
    assert len(after_commit) == 1
    body = response.json()
    dossier = Dossier.objects.get(code=body["code"])
    assert dossier.history_seq == 1 and dossier.applicant_unit_id == cast.citizen.commune_id
    assert [h["action"] for h in body["history"]] == ["submit"]
    assert body["attachments"] == [] and "withdraw" in body["available_actions"]


def test_the_first_filing_of_a_process_loads_the_version_once(client, cast):
    auth = bearer(client, "citizen1")
    assert file(client, auth).status_code == 201
    catalogue_cache.clear()  # as in a process that has filed nothing yet
    with CaptureQueriesContext(connection) as first:
        assert file(client, auth).status_code == 201
    with CaptureQueriesContext(connection) as second:
        assert file(client, auth).status_code == 201
    loaded = [
        ("SELECT", "procedures_procedureversion"),  # the version, procedure, field …
        ("SELECT", "procedures_requireddocument"),  # its documents
        ("SELECT", "procedures_workflowstep"),  # its workflow steps
        ("SELECT", "agencies_agency"),  # its competent agencies
    ]
    assert kinds(first) == [*FILING[:2], *loaded, *FILING[2:]]
    assert kinds(second) == FILING


def test_filing_with_an_agency_named_by_code_reads_no_agency(client, cast):
    auth = bearer(client, "citizen1")
    assert file(client, auth).status_code == 201
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            "/api/v1/dossiers",
            {"procedure": "2.000001", "data": FORM_DATA, "agency": cast.dept.slug},
            content_type="application/json",
            **auth,
        )
    assert response.status_code == 201, response.content
    assert response.json()["agency"] == cast.dept.code
    assert kinds(queries) == FILING
    unknown = client.post(
        "/api/v1/dossiers",
        {"procedure": "2.000001", "data": FORM_DATA, "agency": "khong-co"},
        content_type="application/json",
        **auth,
    )
    assert unknown.status_code == 400 and unknown.json()["field"] == "agency"
    elsewhere = client.post(
        "/api/v1/dossiers",
        {"procedure": "2.000001", "data": FORM_DATA, "agency": cast.other_dept.code},
        content_type="application/json",
        **auth,
    )
    assert elsewhere.status_code == 400 and elsewhere.json()["field"] == "agency"


def receive(client, code: str, citizen: dict[str, str]):
    """The citizen attaches the declaration, then the centre's clerk receives the dossier."""
    attached = client.post(
        f"/api/v1/dossiers/{code}/attachments",
        {"document": "TK", "file": SimpleUploadedFile("to-khai.pdf", PDF_BYTES)},
        **citizen,
    )
    assert attached.status_code == 201, attached.content
    received = client.post(
        f"/api/v1/dossiers/{code}/actions",
        {"action": "receive"},
        content_type="application/json",
        **bearer(client, "ttpvhcc.clerk"),
    )
    assert received.status_code == 200, received.content
    return received


def _lookup(client, code: str, digits: str = RIGHT):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/v1/lookup/{code}", {"phone_last4": digits})
    return response, kinds(queries)


KEY = ("SELECT", "dossiers_dossier")  # id, history sequence, last save and phone of the code
VIEW = ("SELECT", "dossiers_historyentry")  # the history joined with the public dossier columns


def test_lookup_is_two_statements_on_a_miss_and_one_on_a_hit(client, cast):
    code = file(client, bearer(client, "citizen1")).json()["code"]
    missed, on_miss = _lookup(client, code)
    hit, on_hit = _lookup(client, code)
    assert missed.status_code == hit.status_code == 200
    assert on_miss == [KEY, VIEW]
    assert on_hit == [KEY]
    assert hit.json() == missed.json()
    assert hit.json()["status"] == "submitted"


def test_a_dossier_change_is_seen_by_the_next_lookup(client, cast):
    citizen = bearer(client, "citizen1")
    code = file(client, citizen).json()["code"]
    before, _ = _lookup(client, code)
    assert before.json()["status"] == "submitted"
    receive(client, code, citizen)
    after, statements = _lookup(client, code)
    assert statements == [KEY, VIEW]  # the kept answer is for the dossier before the change
    body = after.json()
    assert body["status"] == "received" and body["due_at"] is not None
    assert [step["status_code"] for step in body["history"]] == [1, 2]
    again, statements = _lookup(client, code)
    assert statements == [KEY] and again.json() == body


def test_a_kept_answer_is_never_given_for_wrong_digits_and_they_still_count(client, cast, settings):
    settings.TINHSO_LOOKUP_FAILURES_PER_HOUR = 3
    code = file(client, bearer(client, "citizen1")).json()["code"]
    assert _lookup(client, code)[0].status_code == 200  # the answer is kept now
    for _ in range(3):
        wrong, statements = _lookup(client, code, "0000")
        assert wrong.status_code == 404 and statements == [KEY]
        assert code not in wrong.content.decode()
    locked, statements = _lookup(client, code)
    # over the limit: refused with the right digits too (the key statement runs, since the
    # failure counts are read in the same cache round trip as the kept answer)
    assert locked.status_code == 429 and statements == [KEY]
    assert code not in locked.content.decode()


class CountingCache:
    """Django's cache, with every call made through it recorded by method name."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __getattr__(self, name: str):
        method = getattr(cache, name)

        def call(*args, **kwargs):
            self.calls.append(name)
            return method(*args, **kwargs)

        return call


def test_a_lookup_makes_one_cache_round_trip_on_a_hit(client, cast, settings, monkeypatch):
    from tinhso.dossiers import lookup

    settings.TINHSO_LOOKUP_FAILURES_PER_HOUR = 3
    code = file(client, bearer(client, "citizen1")).json()["code"]
    counting = CountingCache()
    monkeypatch.setattr(lookup, "cache", counting)
    assert _lookup(client, code)[0].status_code == 200
    assert counting.calls == ["get_many", "set"]  # the answer was not kept yet: kept now
    counting.calls.clear()
    assert _lookup(client, code)[0].status_code == 200
    assert counting.calls == ["get_many"]  # failure counts and kept answer, together


def test_lookup_answers_follow_the_callers_language(client, cast):
    code = file(client, bearer(client, "citizen1")).json()["code"]
    vietnamese = client.get(f"/api/v1/lookup/{code}", {"phone_last4": RIGHT})
    english = client.get(
        f"/api/v1/lookup/{code}", {"phone_last4": RIGHT}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert vietnamese.json()["status_label"] == "Mới đăng ký"
    assert english.json()["status_label"] != "Mới đăng ký"


def _as_the_schema_writes_it(schema, data) -> object:
    return json.loads(json.dumps(schema.model_validate(data).model_dump(), cls=NinjaJSONEncoder))


def test_answers_written_without_validation_are_what_the_schema_would_write(client, cast):
    user = User.objects.get(username="citizen1")
    citizen = bearer(client, "citizen1")
    created = file(client, citizen)
    code = created.json()["code"]
    # the filing's answer, built from the rows just written, is what reading them back gives
    assert created.json() == _as_the_schema_writes_it(
        DossierOut, dossier_out(user, Dossier.objects.get(code=code))
    )
    acted = receive(client, code, citizen)
    read = client.get(f"/api/v1/dossiers/{code}", **citizen)
    looked_up = client.get(f"/api/v1/lookup/{code}", {"phone_last4": RIGHT})
    dossier = Dossier.objects.get(code=code)
    assert read.json() == _as_the_schema_writes_it(DossierOut, dossier_out(user, dossier))
    assert looked_up.json() == _as_the_schema_writes_it(LookupOut, public_lookup(code, RIGHT))
    assert looked_up.json()["history"] and read.json()["due_at"]
    for response in (created, acted, read, looked_up):
        assert response["Content-Type"] == "application/json; charset=utf-8"


def test_filing_in_a_service_call_answers_from_the_rows_it_wrote(cast):
    dossier, created = services.file_dossier(
        user=cast.citizen,
        version=cast.province_procedure,
        data=dict(FORM_DATA),
        applicant=services.Applicant.from_user(cast.citizen),
    )
    assert created
    with CaptureQueriesContext(connection) as queries:
        history = list(dossier.history.all())
        attachments = list(dossier.attachments.all())
    assert queries.captured_queries == []
    assert [(h.seq, h.action) for h in history] == [(1, "submit")] and attachments == []
    assert list(dossier.history.all()) == list(HistoryEntry.objects.filter(dossier=dossier))
