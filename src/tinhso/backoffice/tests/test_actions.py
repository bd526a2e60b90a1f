"""Every action form on the dossier page posts through the services and moves the dossier."""

import pytest
import time_machine
from django.urls import reverse

from tinhso.dossiers.models import Dossier, HistoryEntry

from .conftest import act, at, file_online


def post(client, dossier, action, **fields):
    data = {"action": action, **{f"{action}-{name}": value for name, value in fields.items()}}
    return client.post(reverse("backoffice:act", args=[dossier.code]), data)


@pytest.fixture
def submitted(cast):
    with time_machine.travel(at(2025, 11, 24, 8, 0), tick=False):
        return file_online(cast)


def test_straight_path_through_the_forms(cast, submitted, login):
    steps = [
        (cast.clerk, "receive", {}, "received"),
        (cast.specialist, "complete_step", {"comment": "Hồ sơ hợp lệ"}, "processing"),
        (cast.leader, "approve", {}, "processing"),
        (cast.clerk, "issue_result", {}, "result_ready"),
        (
            cast.clerk,
            "return_result",
            {"return_method": "postal", "postal_tracking": "EL123456789VN"},
            "returned",
        ),
    ]
    for hour, (user, action, fields, status) in enumerate(steps, start=9):
        client = login(user)
        with time_machine.travel(at(2025, 11, 24, hour, 0), tick=False):
            form_page = client.get(
                reverse("backoffice:dossier", args=[submitted.code])
            ).content.decode()
            assert f'name="action" value="{action}"' in form_page
            response = post(client, submitted, action, **fields)
        assert response.status_code == 302, response.content.decode()[:2000]
        assert response["Location"] == reverse("backoffice:dossier", args=[submitted.code])
        assert Dossier.objects.get(pk=submitted.pk).status == status
    dossier = Dossier.objects.get(pk=submitted.pk)
    assert dossier.return_method == "postal" and dossier.postal_tracking == "EL123456789VN"
    assert (
        HistoryEntry.objects.get(dossier=dossier, action="complete_step").comment == "Hồ sơ hợp lệ"
    )
    followed = login(cast.clerk).get(reverse("backoffice:dossier", args=[dossier.code]))
    assert "Đã thực hiện “Trả kết quả”" in followed.content.decode()


def test_refusal_without_a_comment_shows_the_error_and_keeps_the_status(cast, submitted, login):
    client = login(cast.clerk)
    response = post(client, submitted, "refuse", comment="  ")
    html = response.content.decode()
    assert response.status_code == 400
    assert "Vui lòng nhập lý do" in html
    assert 'id="thao-tac-refuse" open' in html  # the form with the error stays open
    assert Dossier.objects.get(pk=submitted.pk).status == "submitted"
    response = post(client, submitted, "refuse", comment="Không thuộc thẩm quyền")
    assert response.status_code == 302
    assert Dossier.objects.get(pk=submitted.pk).status == "refused"


def test_supplement_request_takes_one_item_per_line(cast, submitted, login):
    client = login(cast.clerk)
    response = post(
        client,
        submitted,
        "request_supplement",
        comment="Thiếu giấy tờ",
        items="Bản sao CCCD\n\n  Giấy chứng nhận kết hôn  \n",
    )
    assert response.status_code == 302
    entry = HistoryEntry.objects.get(dossier=submitted, action="request_supplement")
    assert entry.details["items"] == ["Bản sao CCCD", "Giấy chứng nhận kết hôn"]
    assert Dossier.objects.get(pk=submitted.pk).status == "supplement_requested"


def test_supplement_request_without_items_is_refused_next_to_the_items_field(
    cast, submitted, login
):
    response = post(login(cast.clerk), submitted, "request_supplement", comment="Thiếu", items="")
    assert response.status_code == 400
    assert "Hãy liệt kê ít nhất một giấy tờ" in response.content.decode()
    assert Dossier.objects.get(pk=submitted.pk).status == "submitted"


def test_apology_moves_the_appointment_to_the_local_date_entered(cast, submitted, login):
    with time_machine.travel(at(2025, 11, 24, 9, 0), tick=False):
        act(cast.clerk, submitted, "receive")
        response = post(
            login(cast.leader),
            submitted,
            "apologize",
            comment="Cần xác minh thêm",
            new_due_at="2025-12-01T16:30",
        )
    assert response.status_code == 302
    dossier = Dossier.objects.get(pk=submitted.pk)
    assert dossier.due_at == at(2025, 12, 1, 16, 30) and dossier.apologized
    assert dossier.original_due_at == at(2025, 11, 27, 9, 0)


def test_apology_with_an_unreadable_date_shows_a_form_error(cast, submitted, login):
    with time_machine.travel(at(2025, 11, 24, 9, 0), tick=False):
        act(cast.clerk, submitted, "receive")
        response = post(
            login(cast.leader), submitted, "apologize", comment="Lý do", new_due_at="mai"
        )
    assert response.status_code == 400
    assert Dossier.objects.get(pk=submitted.pk).apologized is False


def test_assign_offers_the_staff_of_the_dossier_agencies_and_sets_the_assignee(
    cast, submitted, login
):
    with time_machine.travel(at(2025, 11, 24, 9, 0), tick=False):
        act(cast.clerk, submitted, "receive")
    client = login(cast.leader)
    html = client.get(reverse("backoffice:dossier", args=[submitted.code])).content.decode()
    assert f'<option value="{cast.specialist.pk}">' in html
    assert f'<option value="{cast.other_specialist.pk}">' not in html  # Sở Xây dựng
    response = post(client, submitted, "assign", assignee=cast.specialist.pk)
    assert response.status_code == 302
    assert Dossier.objects.get(pk=submitted.pk).assignee == cast.specialist
    refused = post(client, submitted, "assign", assignee=cast.other_specialist.pk)
    assert refused.status_code == 400  # not a choice of the form
    assert Dossier.objects.get(pk=submitted.pk).assignee == cast.specialist


def test_claim_is_a_single_button(cast, submitted, login):
    with time_machine.travel(at(2025, 11, 24, 9, 0), tick=False):
        act(cast.clerk, submitted, "receive")
    client = login(cast.specialist)
    html = client.get(reverse("backoffice:dossier", args=[submitted.code])).content.decode()
    claim_form = html.split('id="thao-tac-claim"')[1].split("</form>")[0]
    assert "<textarea" not in claim_form and "<select" not in claim_form
    assert post(client, submitted, "claim").status_code == 302
    assert Dossier.objects.get(pk=submitted.pk).assignee == cast.specialist


def test_an_action_the_user_may_not_take_is_refused_with_a_message(cast, submitted, login):
    client = login(cast.specialist)  # receiving is the counter's job
    response = post(client, submitted, "receive")
    assert response.status_code == 302
    assert Dossier.objects.get(pk=submitted.pk).status == "submitted"
    followed = client.get(response["Location"]).content.decode()
    assert "bạn không có quyền" in followed


def test_return_by_post_without_a_tracking_number_is_refused(cast, submitted, login):
    with time_machine.travel(at(2025, 11, 24, 9, 0), tick=False):
        for user, action in (
            (cast.clerk, "receive"),
            (cast.specialist, "complete_step"),
            (cast.leader, "approve"),
            (cast.clerk, "issue_result"),
        ):
            act(user, submitted, action)
    response = post(
        login(cast.clerk), submitted, "return_result", return_method="postal", postal_tracking=""
    )
    assert response.status_code == 400
    assert "mã vận đơn" in response.content.decode()
    assert Dossier.objects.get(pk=submitted.pk).status == "result_ready"


def test_unknown_action_and_get_are_refused(cast, submitted, login):
    client = login(cast.clerk)
    assert post(client, submitted, "explode").status_code == 302
    assert client.get(reverse("backoffice:act", args=[submitted.code])).status_code == 405
    assert Dossier.objects.get(pk=submitted.pk).status == "submitted"


def test_official_of_another_agency_cannot_post_actions(cast, submitted, login):
    response = post(login(cast.other_clerk), submitted, "refuse", comment="Thử")
    assert response.status_code == 404
    assert Dossier.objects.get(pk=submitted.pk).status == "submitted"
