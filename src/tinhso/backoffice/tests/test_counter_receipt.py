"""The counter page for receipt anywhere in the province (R-ACT-1): find a dossier filed online by
its exact code, see only what receipt needs, receive it; the competent agency gets it."""

import time_machine
from django.urls import reverse

from tinhso.audit.models import AuditEntry
from tinhso.dossiers.models import Dossier, Status

from .conftest import at, file_online

NEW = reverse("backoffice:counter_new")
FIND = reverse("backoffice:counter_find")
INBOX = reverse("backoffice:inbox")


def test_a_clerk_of_another_commune_finds_receives_and_the_specialist_sees_it(
    cast, login, client, django_capture_on_commit_callbacks
):
    with time_machine.travel(at(2025, 11, 24, 9, 0), tick=False):
        dossier = file_online(cast, version=cast.commune_procedure)  # Phú Khương's citizen
    login(cast.other_clerk)  # An Hội's counter
    with time_machine.travel(at(2025, 11, 24, 9, 30), tick=False):
        found = client.get(FIND, {"ma": dossier.code})
    page = found.content.decode()
    assert found.status_code == 200
    assert "Nguyễn Văn An" in page and "Tờ khai" in page and "đã đính kèm" in page
    assert cast.commune.name in page  # the competent commune
    for private in ("083095001234", "0912", "Đồng Khởi", "Lê Văn"):  # no data beyond receipt
        assert private not in page
    assert AuditEntry.objects.filter(
        action="dossier.view", target=f"dossier:{dossier.code}", details__view="receipt"
    ).exists()
    with (
        time_machine.travel(at(2025, 11, 24, 9, 31), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        received = client.post(reverse("backoffice:counter_receive", args=[dossier.code]))
    assert received.status_code == 302
    assert received["Location"] == reverse("backoffice:counter_done", args=[dossier.code])
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED
    assert (dossier.agency, dossier.receiving_agency) == (cast.commune, cast.other_commune)
    done = client.get(received["Location"])
    assert done.status_code == 200  # the receiving counter now sees it, with its receipt
    assert dossier.code in client.get(NEW).content.decode().split('id="bo-received-here"')[1]
    login(cast.commune_specialist)
    with time_machine.travel(at(2025, 11, 24, 10, 0), tick=False):
        inbox = client.get(INBOX, {"tab": "dang-xu-ly"})
    assert dossier.code in inbox.content.decode()


def test_an_unknown_or_inexact_code_finds_nothing_and_is_audited(cast, login, client):
    with time_machine.travel(at(2025, 11, 24, 9, 0), tick=False):
        dossier = file_online(cast, version=cast.commune_procedure)
    login(cast.other_clerk)
    response = client.get(FIND, {"ma": dossier.code[:-2]})
    assert response.status_code == 404
    assert "Không có hồ sơ" in response.content.decode()
    assert AuditEntry.objects.filter(action="dossier.view", outcome="failure").exists()


def test_a_dossier_of_the_clerks_own_agency_opens_its_full_page(cast, login, client):
    with time_machine.travel(at(2025, 11, 24, 9, 0), tick=False):
        dossier = file_online(cast, version=cast.commune_procedure)
    login(cast.commune_clerk)
    response = client.get(FIND, {"ma": dossier.code})
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:dossier", args=[dossier.code])


def test_the_full_dossier_page_stays_closed_to_the_foreign_counter_before_receipt(
    cast, login, client
):
    with time_machine.travel(at(2025, 11, 24, 9, 0), tick=False):
        dossier = file_online(cast, version=cast.commune_procedure)
    login(cast.other_clerk)
    assert client.get(reverse("backoffice:dossier", args=[dossier.code])).status_code == 404
    refused = client.post(
        reverse("backoffice:act", args=[dossier.code]), {"action": "refuse", "comment": "x"}
    )
    assert refused.status_code == 404
    assert Dossier.objects.get(pk=dossier.pk).status == Status.SUBMITTED


def test_a_specialist_cannot_use_the_counter_search(cast, login, client):
    with time_machine.travel(at(2025, 11, 24, 9, 0), tick=False):
        dossier = file_online(cast, version=cast.commune_procedure)
    login(cast.other_specialist)
    assert client.get(FIND, {"ma": dossier.code}).status_code == 404
    post = client.post(reverse("backoffice:counter_receive", args=[dossier.code]))
    assert post.status_code == 404
    assert Dossier.objects.get(pk=dossier.pk).status == Status.SUBMITTED


def test_missing_documents_are_shown_and_receipt_is_refused_with_the_reason(cast, login, client):
    from tinhso.dossiers import services
    from tinhso.testing import FORM_DATA

    with time_machine.travel(at(2025, 11, 24, 9, 0), tick=False):
        dossier, _created = services.file_dossier(
            user=cast.citizen,
            version=cast.commune_procedure,
            data=FORM_DATA,
            applicant=services.Applicant.from_user(cast.citizen),
        )
    login(cast.other_clerk)
    assert "còn thiếu" in client.get(FIND, {"ma": dossier.code}).content.decode()
    response = client.post(reverse("backoffice:counter_receive", args=[dossier.code]))
    assert response.status_code == 409
    assert "Chưa đủ thành phần hồ sơ" in response.content.decode()
    assert Dossier.objects.get(pk=dossier.pk).status == Status.SUBMITTED


def incomplete(cast):
    """Filed online for Phú Khương without its required declaration."""
    from tinhso.dossiers import services
    from tinhso.testing import FORM_DATA

    with time_machine.travel(at(2025, 11, 24, 9, 0), tick=False):
        dossier, _created = services.file_dossier(
            user=cast.citizen,
            version=cast.commune_procedure,
            data=FORM_DATA,
            applicant=services.Applicant.from_user(cast.citizen),
        )
    return dossier


def test_the_foreign_counter_guides_the_applicant_to_complete_an_incomplete_dossier(
    cast, login, client, django_capture_on_commit_callbacks
):
    from tinhso.documents.models import IssuedSlip

    dossier = incomplete(cast)
    login(cast.other_clerk)
    url = reverse("backoffice:counter_receive", args=[dossier.code])
    page = client.get(FIND, {"ma": dossier.code}).content.decode()
    assert "Phát hành phiếu yêu cầu bổ sung" in page and "Phát hành phiếu từ chối tiếp nhận" in page
    with (
        time_machine.travel(at(2025, 11, 24, 9, 30), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            url,
            {
                "action": "request_supplement",
                "items": "Tờ khai có chữ ký\n\n",
                "comment": "Nộp bổ sung tờ khai tại bất kỳ quầy nào trong tỉnh.",
            },
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:dossier", args=[dossier.code])
    dossier.refresh_from_db()
    assert dossier.status == Status.SUPPLEMENT_REQUESTED
    assert (dossier.agency, dossier.receiving_agency) == (cast.commune, cast.other_commune)
    entry = dossier.history.get(action="request_supplement")
    assert entry.agency == cast.other_commune and entry.details["items"] == ["Tờ khai có chữ ký"]
    assert IssuedSlip.objects.filter(dossier=dossier, kind="supplement").exists()
    assert client.get(response["Location"]).status_code == 200  # the counter now holds it


def test_the_foreign_counter_refuses_with_its_reason_and_never_without(cast, login, client):
    dossier = incomplete(cast)
    login(cast.other_clerk)
    url = reverse("backoffice:counter_receive", args=[dossier.code])
    without = client.post(url, {"action": "refuse", "comment": "  "})
    assert without.status_code == 400 and "lý do" in without.content.decode()
    assert Dossier.objects.get(pk=dossier.pk).status == Status.SUBMITTED
    with time_machine.travel(at(2025, 11, 24, 9, 30), tick=False):
        refused = client.post(url, {"action": "refuse", "comment": "Không thuộc thẩm quyền"})
    assert refused.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.REFUSED and dossier.receiving_agency == cast.other_commune


def test_once_received_the_foreign_counter_can_no_longer_act_on_it(cast, login, client):
    from .conftest import act

    with time_machine.travel(at(2025, 11, 24, 9, 0), tick=False):
        dossier = act(
            cast.commune_clerk, file_online(cast, version=cast.commune_procedure), "receive"
        )
    login(cast.other_clerk)
    response = client.post(
        reverse("backoffice:counter_receive", args=[dossier.code]),
        {"action": "request_supplement", "items": "Bản sao", "comment": "Thiếu"},
    )
    assert response.status_code == 404
    assert Dossier.objects.get(pk=dossier.pk).status == Status.RECEIVED
