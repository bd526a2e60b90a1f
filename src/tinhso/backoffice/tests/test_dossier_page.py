"""The dossier page: what officials see, who may see it, and the files it links to."""

import pytest
import time_machine
from django.urls import reverse

from tinhso.documents.models import IssuedSlip

from .conftest import act, at, file_online


@pytest.fixture
def received(cast, django_capture_on_commit_callbacks):
    with (
        time_machine.travel(at(2025, 11, 24, 9, 0), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        return act(cast.clerk, file_online(cast), "receive")


def page(client, dossier):
    return client.get(reverse("backoffice:dossier", args=[dossier.code]))


def test_official_sees_applicant_form_data_with_titles_history_and_deadlines(cast, received, login):
    with time_machine.travel(at(2025, 11, 25, 9, 0), tick=False):
        response = page(login(cast.specialist), received)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nguyễn Văn An" in html and "an@example.vn" in html and "083095001234" in html
    assert (
        "<dt>Họ và tên người được cấp</dt>" in html and "02/03/1995" in html
    )  # schema title, local date
    assert "Tiếp nhận hồ sơ" in html and "ttpvhcc.clerk" in html  # history with its actor
    assert "27/11/2025 09:00" in html  # appointment
    assert "2 ngày làm việc" in html  # remaining working time
    assert (
        "Thẩm định" in html and "1 ngày 4 giờ" in html
    )  # current step and its budget (50% of 3 days)
    assert "Hoàn thành bước xử lý" in html  # the action this specialist can take


def test_official_of_another_agency_gets_404(cast, received, login):
    assert page(login(cast.other_specialist), received).status_code == 404
    assert page(login(cast.other_clerk), received).status_code == 404


def test_citizen_gets_404_even_on_their_own_dossier(cast, received, login):
    client = login(cast.citizen)
    assert page(client, received).status_code == 404
    assert client.get(reverse("backoffice:inbox")).status_code == 404


def test_anonymous_visitor_is_sent_to_the_login_page(client, cast, received):
    response = page(client, received)
    assert response.status_code == 302 and reverse("portal:login") in response["Location"]


def test_unknown_code_gets_404(cast, login):
    assert (
        login(cast.clerk).get(reverse("backoffice:dossier", args=["khong-co"])).status_code == 404
    )


def test_attachment_download_serves_the_file_to_officials_only(cast, received, login):
    attachment = received.attachments.get()
    url = reverse("backoffice:attachment", args=[received.code, attachment.pk])
    response = login(cast.specialist).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert login(cast.other_specialist).get(url).status_code == 404


def test_attachment_of_another_dossier_is_not_served_under_this_code(cast, received, login):
    with time_machine.travel(at(2025, 11, 24, 10, 0), tick=False):
        other = file_online(cast)
    url = reverse("backoffice:attachment", args=[received.code, other.attachments.get().pk])
    assert login(cast.clerk).get(url).status_code == 404


def test_issued_receipt_slip_is_listed_and_downloadable(cast, received, login):
    slip = IssuedSlip.objects.get(dossier=received, kind="receipt")
    client = login(cast.clerk)
    html = page(client, received).content.decode()
    url = reverse("backoffice:slip", args=[received.code, slip.pk])
    assert url in html and "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" in html
    response = client.get(url)
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_control_slip_is_rendered_on_demand(cast, received, login):
    response = login(cast.leader).get(reverse("backoffice:control_slip", args=[received.code]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_platform_admin_sees_any_dossier_without_actions(cast, received, login, django_user_model):
    admin = django_user_model.objects.create_superuser(
        "root", password="pw", email="root@example.vn"
    )
    html = page(login(admin), received).content.decode()
    assert received.code in html
    assert "Bạn không có thao tác nào" in html


def test_official_who_is_also_the_applicant_elsewhere_does_not_see_it_here(cast, login):
    with time_machine.travel(at(2025, 11, 24, 9, 0), tick=False):
        own = file_online(
            cast, citizen=cast.other_specialist
        )  # a Sở Xây dựng official files privately
    assert page(login(cast.other_specialist), own).status_code == 404
