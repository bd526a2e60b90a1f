"""Receipt anywhere in the province (R-ACT-1, Resolution 27/NQ-CP): any one-stop counter receives a
dossier of any procedure for any address; the platform routes it to the competent agency."""

import datetime
import secrets
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tinhso.accounts.api import _hash
from tinhso.accounts.models import ApiToken
from tinhso.agencies.models import Role
from tinhso.dossiers import selectors, services
from tinhso.dossiers.models import Dossier, HistoryEntry, Status
from tinhso.testing import FORM_DATA, make_cast, make_staff, pdf_upload
from tinhso.uploads import check_upload

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime.datetime(2025, 11, 24, 9, 0, tzinfo=TZ)


@pytest.fixture
def cast(db):
    return make_cast()


def bearer(user) -> dict[str, str]:
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, key_hash=_hash(key))
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def file_online(cast, citizen, version) -> Dossier:
    dossier, _created = services.file_dossier(
        user=citizen,
        version=version,
        data=FORM_DATA,
        applicant=services.Applicant.from_user(citizen),
        files=[services.NewFile("TK", check_upload(pdf_upload()))],
    )
    return dossier


def act(client, auth, code: str, action: str, **body):
    return client.post(
        f"/api/v1/dossiers/{code}/actions",
        {"action": action} | body,
        content_type="application/json",
        **auth,
    )


def test_clerk_of_another_commune_receives_it_and_the_competent_specialist_gets_it(cast, client):
    """The contract: Phú Khương's dossier, received at An Hội's counter, lands in the inbox of
    Phú Khương's specialist; An Hội keeps it as received there."""
    with time_machine.travel(NOW, tick=False):
        dossier = file_online(cast, cast.citizen, cast.commune_procedure)
        assert (dossier.agency, dossier.receiving_agency) == (cast.commune, cast.commune)
        before = client.get(
            "/api/v1/inbox", {"tab": "processing"}, **bearer(cast.commune_specialist)
        )
        response = act(client, bearer(cast.other_clerk), dossier.code, "receive")
        after = client.get(
            "/api/v1/inbox", {"tab": "processing"}, **bearer(cast.commune_specialist)
        )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["status_code"]) == ("received", 2)
    assert before.json()["items"] == []
    assert [item["code"] for item in after.json()["items"]] == [dossier.code]
    dossier.refresh_from_db()
    assert dossier.agency == cast.commune  # the competent commune processes it
    assert dossier.receiving_agency == cast.other_commune  # the counter that received it
    entry = HistoryEntry.objects.get(dossier=dossier, action="receive")
    assert (entry.actor, entry.actor_role, entry.agency) == (
        cast.other_clerk,
        "clerk",
        cast.other_commune,
    )
    # The specialist of the competent commune takes the next step.
    with time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False):
        step = act(client, bearer(cast.commune_specialist), dossier.code, "complete_step")
    assert step.status_code == 200, step.content
    assert step.json()["status"] == "processing"


def test_a_provincial_centre_clerk_receives_a_commune_dossier_too(cast):
    with time_machine.travel(NOW, tick=False):
        dossier = file_online(cast, cast.other_citizen, cast.commune_procedure)
        received = services.receive_dossier(user=cast.clerk, dossier=dossier)
    assert received.status == Status.RECEIVED
    assert (received.agency, received.receiving_agency) == (cast.other_commune, cast.centre)


def test_a_commune_counter_receives_a_provincial_dossier_for_the_department(cast):
    with time_machine.travel(NOW, tick=False):
        dossier = file_online(cast, cast.citizen, cast.province_procedure)
        received = services.receive_dossier(user=cast.commune_clerk, dossier=dossier)
    assert (received.agency, received.receiving_agency) == (cast.dept, cast.commune)
    assert selectors.dossier_for_official(cast.specialist, dossier.code) == received


def test_the_filing_counter_still_receives_where_it_was_filed(cast):
    with time_machine.travel(NOW, tick=False):
        dossier = file_online(cast, cast.citizen, cast.province_procedure)
        received = services.receive_dossier(user=cast.clerk, dossier=dossier)
    assert received.receiving_agency == cast.centre
    assert HistoryEntry.objects.get(dossier=dossier, action="receive").agency == cast.centre


def test_a_department_clerk_is_no_counter_and_gets_404(cast, client):
    department_clerk = make_staff("sxd.clerk", cast.other_dept, Role.CLERK)
    with time_machine.travel(NOW, tick=False):
        dossier = file_online(cast, cast.citizen, cast.commune_procedure)
        response = act(client, bearer(department_clerk), dossier.code, "receive")
    assert response.status_code == 404
    assert Dossier.objects.get(pk=dossier.pk).status == Status.SUBMITTED


def test_a_foreign_counter_acts_at_receipt_but_never_reads_or_lists_the_dossier(cast, client):
    """Receive, guide the applicant (supplement request) or refuse: what a counter does with a
    dossier it found by its code (R-ACT-1, R-LC-2); reading the dossier and listing other
    agencies' dossiers stay closed. The counter that acted becomes the receiving agency."""
    auth = bearer(cast.other_clerk)
    with time_machine.travel(NOW, tick=False):
        asked, refused = (file_online(cast, cast.citizen, cast.commune_procedure) for _ in "ab")
        read = client.get(f"/api/v1/dossiers/{asked.code}", **auth)
        listed = client.get("/api/v1/inbox", {"tab": "new"}, **auth)
        ask = act(
            client, auth, asked.code, "request_supplement", comment="Thiếu", items=["Tờ khai"]
        )
        refuse = act(client, auth, refused.code, "refuse", comment="Không thuộc thẩm quyền")
    assert read.status_code == 404
    assert listed.json()["items"] == []  # never a list of other agencies' dossiers
    assert (ask.status_code, refuse.status_code) == (200, 200)
    asked.refresh_from_db()
    refused.refresh_from_db()
    assert (asked.status, refused.status) == (Status.SUPPLEMENT_REQUESTED, Status.REFUSED)
    assert asked.receiving_agency == refused.receiving_agency == cast.other_commune


def test_the_code_must_be_exact_and_the_dossier_waiting_for_receipt(cast):
    with time_machine.travel(NOW, tick=False):
        dossier = file_online(cast, cast.citizen, cast.commune_procedure)
    for code in (dossier.code[:-1], dossier.code.lower() + "x", ""):
        with pytest.raises(selectors.DossierNotFound):
            selectors.dossier_for_receipt(cast.other_clerk, code)
    assert selectors.dossier_for_receipt(cast.other_clerk, dossier.code) == dossier
    with pytest.raises(selectors.DossierNotFound):  # citizens and specialists are no counter
        selectors.dossier_for_receipt(cast.other_citizen, dossier.code)
    with time_machine.travel(NOW, tick=False):
        services.receive_dossier(user=cast.commune_clerk, dossier=dossier)
    with pytest.raises(selectors.DossierNotFound):  # received: no longer open to every counter
        selectors.dossier_for_receipt(cast.other_clerk, dossier.code)


def test_a_second_receipt_by_another_counter_finds_nothing(cast, client):
    with time_machine.travel(NOW, tick=False):
        dossier = file_online(cast, cast.citizen, cast.commune_procedure)
        first = act(client, bearer(cast.other_clerk), dossier.code, "receive")
        second = act(client, bearer(cast.clerk), dossier.code, "receive")
        again = act(client, bearer(cast.other_clerk), dossier.code, "receive")
    assert first.status_code == 200
    assert second.status_code == 404  # the centre neither filed, received nor processes it
    assert again.status_code == 409  # received already
    assert Dossier.objects.get(pk=dossier.pk).receiving_agency == cast.other_commune


def test_receipt_view_shows_what_receipt_needs_and_nothing_else(cast):
    with time_machine.travel(NOW, tick=False):
        dossier = file_online(cast, cast.citizen, cast.commune_procedure)
    view = selectors.receipt_view(dossier)
    assert view["applicant_name"] == "Nguyễn Văn An"
    assert view["documents"] == [
        {"name": "Tờ khai", "required": True, "present": True},
        {"name": "Căn cước", "required": False, "present": False},
    ]
    text = repr(view)
    for private in ("083095001234", "+84912345678", "an@example.vn", "Đồng Khởi"):
        assert private not in text


def test_the_foreign_counter_acts_as_receiving_agency_after_receipt(cast):
    with time_machine.travel(NOW, tick=False):
        dossier = file_online(cast, cast.citizen, cast.commune_procedure)
        dossier = services.receive_dossier(user=cast.other_clerk, dossier=dossier)
    assert selectors.dossier_for_official(cast.other_clerk, dossier.code) == dossier
    # Processing belongs to the competent commune: the counter cannot do its steps.
    assert "complete_step" not in selectors.available_actions(cast.other_clerk, dossier)
    assert "complete_step" in selectors.available_actions(cast.commune_specialist, dossier)
