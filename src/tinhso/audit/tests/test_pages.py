"""Who may open the audit pages, what they show, and the audited JSON-lines export."""

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tinhso.accounts.models import User
from tinhso.agencies.models import Role, StaffAssignment
from tinhso.audit.models import AuditEntry, SecurityAlert
from tinhso.audit.services import log_event
from tinhso.testing import make_cast

pytestmark = pytest.mark.django_db

PAGES = [
    ("get", "/backoffice/kiem-soat/"),
    ("get", "/backoffice/kiem-soat/xuat.jsonl"),
    ("get", "/backoffice/kiem-soat/soc/"),
    ("post", "/backoffice/kiem-soat/soc/kiem-tra/"),
]


@pytest.fixture
def people() -> dict[str, User]:
    cast = make_cast()
    people = {"citizen": cast.citizen, "clerk": cast.clerk, "leader": cast.leader}
    for name, role in (("auditor", Role.AUDITOR), ("security", Role.SECURITY)):
        user = User.objects.create_user(name, kind=User.Kind.OFFICIAL, email=f"{name}@x.vn")
        StaffAssignment.objects.create(user=user, agency=cast.other_dept, role=role)
        people[name] = user
    people["admin"] = User.objects.create_superuser("root", password="pw")
    return people


def status(client: Client, user: User | None, method: str, url: str) -> int:
    client.logout()
    if user is not None:
        client.force_login(user)
    response = getattr(client, method)(url)
    return int(response.status_code)


def test_anonymous_is_sent_to_login(client: Client, people: dict[str, User]) -> None:
    for method, url in PAGES:
        assert status(client, None, method, url) == 302


@pytest.mark.parametrize("who", ["citizen", "clerk", "leader"])
def test_citizens_and_ordinary_officials_get_not_found(
    client: Client, people: dict[str, User], who: str
) -> None:
    for method, url in PAGES:
        assert status(client, people[who], method, url) == 404, url


def test_auditor_reads_the_log_but_not_the_soc_page(
    client: Client, people: dict[str, User]
) -> None:
    auditor = people["auditor"]
    assert status(client, auditor, "get", "/backoffice/kiem-soat/") == 200
    assert status(client, auditor, "get", "/backoffice/kiem-soat/xuat.jsonl") == 200
    assert status(client, auditor, "get", "/backoffice/kiem-soat/soc/") == 404
    assert status(client, auditor, "post", "/backoffice/kiem-soat/soc/kiem-tra/") == 404


@pytest.mark.parametrize("who", ["security", "admin"])
def test_security_staff_and_admins_use_every_page(
    client: Client, people: dict[str, User], who: str
) -> None:
    for method, url in PAGES:
        assert status(client, people[who], method, url) in (200, 302), url
    assert status(client, people[who], "get", "/backoffice/kiem-soat/soc/") == 200


def test_search_finds_who_touched_a_dossier_newest_first_with_keyset_pages(
    client: Client, people: dict[str, User]
) -> None:
    clerk, leader = people["clerk"], people["leader"]
    for i in range(55):
        log_event(action="dossier.view", actor=clerk if i % 2 else leader, target="dossier:H61.X")
    log_event(action="dossier.view", actor=clerk, target="dossier:OTHER")
    client.force_login(people["auditor"])
    page = client.get("/backoffice/kiem-soat/", {"target": "H61.X"})
    rows = page.context["entries"]
    assert len(rows) == 50 and all(row.target == "dossier:H61.X" for row in rows)
    assert [row.pk for row in rows] == sorted((row.pk for row in rows), reverse=True)
    second = client.get("/backoffice/kiem-soat/" + page.context["next_url"])
    assert len(second.context["entries"]) == 5 and second.context["next_url"] == ""
    assert {r.pk for r in rows}.isdisjoint({r.pk for r in second.context["entries"]})
    mine = client.get("/backoffice/kiem-soat/", {"actor": clerk.username, "action": "dossier."})
    assert {row.actor_id for row in mine.context["entries"]} == {clerk.pk}
    searches = AuditEntry.objects.filter(action="audit.search", actor=people["auditor"])
    assert searches.count() == 3


def test_entry_page_shows_chain_fields(client: Client, people: dict[str, User]) -> None:
    entry = log_event(action="auth.login", actor=people["clerk"], details={"k": "<b>x</b>"})
    client.force_login(people["auditor"])
    body = client.get(f"/backoffice/kiem-soat/ban-ghi/{entry.pk}/").content.decode()
    assert entry.hash in body and "&lt;b&gt;x&lt;/b&gt;" in body and "<b>x</b>" not in body


def test_export_streams_json_lines_and_is_itself_audited(
    client: Client, people: dict[str, User]
) -> None:
    log_event(action="auth.login_failed", actor=None, target="user:a", outcome="failure")
    log_event(action="dossier.view", actor=people["clerk"], target="dossier:H61.Y")
    client.force_login(people["auditor"])
    response = client.get("/backoffice/kiem-soat/xuat.jsonl", {"action": "dossier.view"})
    assert response["Content-Type"].startswith("application/x-ndjson")
    lines = [
        json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()
    ]
    assert [line["event"]["action"] for line in lines] == ["dossier.view"]
    assert lines[0]["user"]["name"] == people["clerk"].username
    assert lines[0]["tinhso"]["target"] == "dossier:H61.Y" and len(lines[0]["tinhso"]["hash"]) == 64
    export = AuditEntry.objects.get(action="export.download")
    assert export.actor_id == people["auditor"].pk
    assert export.details == {"filters": {"action": "dossier.view"}}


def test_soc_page_lists_officials_without_second_factor_and_failed_logins(
    client: Client, people: dict[str, User]
) -> None:
    log_event(action="auth.login_failed", actor=None, target="user:x", outcome="failure")
    client.force_login(people["security"])
    response = client.get("/backoffice/kiem-soat/soc/")
    overview: Any = response.context["o"]
    assert sum(count for _label, count in overview.failed_logins_by_hour) == 1
    if overview.without_second_factor is not None:
        assert people["clerk"] in overview.without_second_factor
        assert people["citizen"] not in overview.without_second_factor
    assert b'id="soc-failed-logins"' in response.content


def test_verify_now_records_a_check_shown_on_the_soc_page(
    client: Client, people: dict[str, User]
) -> None:
    client.force_login(people["security"])
    client.post("/backoffice/kiem-soat/soc/kiem-tra/")
    page = client.get("/backoffice/kiem-soat/soc/")
    assert page.context["o"].last_check.ok is True
    assert AuditEntry.objects.filter(action="audit.verify", actor=people["security"]).exists()
    assert not SecurityAlert.objects.exists()


def test_auditor_lands_on_the_audit_log_after_signing_in(db):
    from tinhso.accounts.models import User
    from tinhso.accounts.testing import enrol, fresh_code
    from tinhso.agencies.models import Agency, Role, StaffAssignment

    agency = Agency.objects.create(code="000.00.08.H61", slug="skhcn", name="Sở KH&CN")
    user = User.objects.create_user("kiemtoan", password="pw", kind=User.Kind.OFFICIAL)
    StaffAssignment.objects.create(user=user, agency=agency, role=Role.AUDITOR)
    enrol(user)
    client = Client()
    response = client.post("/dang-nhap/", {"username": "kiemtoan", "password": "pw"})
    assert response["Location"] == reverse("audit:search")
    asked = client.get(response["Location"])  # the second factor comes first
    assert asked["Location"].startswith(reverse("accounts:otp_verify"))
    response = client.post(asked["Location"], {"otp": fresh_code(user)})
    assert response["Location"] == reverse("audit:search")
    assert client.get(response["Location"]).status_code == 200
