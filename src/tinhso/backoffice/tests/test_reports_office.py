"""The officials' report pages: the inbox by urgency and the dispatch queue, the handling page
(full report, the reporter's contact, photos, history, similar reports), the actions through
its forms with errors in Vietnamese, merging, and who may see what."""

import datetime

import pytest
from django.utils import timezone

from tinhso.agencies.models import Role
from tinhso.audit.models import AuditEntry
from tinhso.reports import services
from tinhso.reports.models import Category, Report
from tinhso.reports.tests.conftest import PHU_KHUONG, jpeg, offset
from tinhso.testing import make_cast, make_staff

S = Report.Status
INBOX = "/backoffice/phan-anh/"


@pytest.fixture
def cast(db):
    cast = make_cast()
    Category.objects.create(code="duong-hu-hong", name="Ổ gà, hư hỏng đường", agency=cast.dept)
    Category.objects.create(
        code="quy-dinh-hanh-chinh", name="Kiến nghị về quy định hành chính", located=False
    )
    return cast


def file_now(user, category="duong-hu-hong", text="Ổ gà lớn giữa đường", place=PHU_KHUONG, **kw):
    lat, lon = place if place else (None, None)
    data = services.NewReport(category=category, description=text, lat=lat, lon=lon, **kw)
    return services.file_report(data=data, reporter=user, now=timezone.now())


def page(report: Report) -> str:
    return f"{INBOX}{report.public_id}/"


def act(client, report: Report, action: str, **fields):
    return client.post(f"{page(report)}thao-tac/", {"action": action, **fields})


# --- access ----------------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in_and_citizens_get_404(cast, client):
    report = file_now(cast.citizen)
    for url in (INBOX, page(report)):
        response = client.get(url)
        assert response.status_code == 302 and "next=" in response["Location"]
    posted = act(client, report, "acknowledge")
    assert posted.status_code == 302 and "next=" in posted["Location"]
    client.force_login(cast.citizen)  # the reporter herself: the portal is her page, not this
    assert client.get(INBOX).status_code == 404
    assert client.get(page(report)).status_code == 404
    assert act(client, report, "acknowledge").status_code == 404
    assert Report.objects.get(pk=report.pk).status == S.RECEIVED


def test_other_agencies_staff_get_404_and_do_not_see_it_listed(cast, client):
    report = file_now(cast.citizen, photos=[jpeg()])
    photo = report.photos.get()
    client.force_login(cast.other_leader)
    assert client.get(page(report)).status_code == 404
    assert client.get(f"{page(report)}anh/{photo.pk}/").status_code == 404
    assert act(client, report, "answer", comment="Trả lời hộ").status_code == 404
    assert report.public_id not in client.get(INBOX).content.decode()
    assert Report.objects.get(pk=report.pk).status == S.RECEIVED


def test_unknown_or_garbled_ids_are_404(cast, client):
    client.force_login(cast.leader)
    assert client.get(f"{INBOX}PA-KHONGCO/").status_code == 404
    assert client.get(f"{INBOX}PA-%C3%A2%FF/").status_code == 404
    assert client.get(f"{INBOX}%00/").status_code == 400  # refused by the input middleware


# --- the inbox -------------------------------------------------------------------------------


def test_inbox_tabs_with_due_soon_and_overdue_badges(cast, client, settings):
    settings.TINHSO_DUE_SOON_WORKING_HOURS = 8
    calm = file_now(cast.citizen, text="Ổ gà thứ nhất")
    late = file_now(cast.citizen, text="Ổ gà thứ hai")
    soon = file_now(cast.citizen, text="Ổ gà thứ ba")
    now = timezone.now()
    Report.objects.filter(pk=late.pk).update(due_at=now - datetime.timedelta(hours=1))
    Report.objects.filter(pk=soon.pk).update(due_at=now + datetime.timedelta(minutes=30))
    client.force_login(cast.leader)

    everything = client.get(INBOX)
    assert everything.status_code == 200 and everything["Cache-Control"] == "no-store"
    body = everything.content.decode()
    for report in (calm, late, soon):
        assert report.public_id in body
    assert "Quá hạn" in body and "Sắp đến hạn" in body and "ngày" in body
    assert "Hàng chờ điều phối" not in body  # a department leader is no dispatcher

    overdue = client.get(INBOX, {"tab": "qua-han"}).content.decode()
    assert late.public_id in overdue and calm.public_id not in overdue
    assert soon.public_id not in overdue
    due_soon = client.get(INBOX, {"tab": "sap-den-han"}).content.decode()
    assert soon.public_id in due_soon and calm.public_id not in due_soon
    assert late.public_id not in due_soon


def test_dispatchers_see_the_queue(cast, client):
    queued = file_now(cast.citizen, category="quy-dinh-hanh-chinh", place=None)
    routed = file_now(cast.citizen)
    client.force_login(cast.clerk)  # a clerk of the one-stop centre
    queue = client.get(INBOX, {"tab": "dieu-phoi"}).content.decode()
    assert "Hàng chờ điều phối" in queue
    assert queued.public_id in queue and routed.public_id not in queue
    client.force_login(cast.leader)  # the tab falls back to all open reports, queue hidden
    fallback = client.get(INBOX, {"tab": "dieu-phoi"}).content.decode()
    assert queued.public_id not in fallback and routed.public_id in fallback


def test_dispatcher_routes_a_queued_report_through_the_form(cast, client):
    queued = file_now(cast.citizen, category="quy-dinh-hanh-chinh", place=None)
    client.force_login(cast.clerk)
    html = client.get(page(queued)).content.decode()
    assert 'value="transfer"' in html and 'value="answer"' not in html
    response = act(client, queued, "transfer", agency=cast.dept.pk, comment="Giao Sở Tư pháp")
    assert response.status_code == 302
    assert Report.objects.get(pk=queued.pk).agency == cast.dept
    assert client.get(page(queued)).status_code == 404  # no longer in the queue: not theirs


# --- the handling page -----------------------------------------------------------------------


def test_handling_page_shows_the_report_contact_photos_and_history(cast, client):
    report = file_now(cast.citizen, photos=[jpeg()], private=True)
    photo = report.photos.get()
    client.force_login(cast.specialist)
    response = client.get(page(report))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert report.description in html and cast.citizen.phone in html
    assert cast.citizen.email in html and "không công khai" in html
    assert f"{page(report)}anh/{photo.pk}/" in html and "/media/" not in html
    assert "Gửi phản ánh" in html  # the history
    assert AuditEntry.objects.filter(action="report.view", actor=cast.specialist).exists()
    image = client.get(f"{page(report)}anh/{photo.pk}/")
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert "no-store" in image["Cache-Control"]
    assert client.get(f"{page(report)}anh/{photo.pk + 999}/").status_code == 404


def test_actions_through_the_forms_to_the_close(cast, client):
    report = file_now(cast.citizen)
    clerk = make_staff("stp.clerk", cast.dept, Role.CLERK)
    client.force_login(clerk)
    assert act(client, report, "acknowledge").status_code == 302
    assert act(client, report, "assign", assignee=cast.specialist.username).status_code == 302
    report.refresh_from_db()
    assert report.status == S.ASSIGNED and report.assignee == cast.specialist

    client.force_login(cast.specialist)
    html = client.get(page(report)).content.decode()
    assert 'value="answer"' in html and 'value="close"' not in html
    assert act(client, report, "answer", comment="Đã vá ổ gà.").status_code == 302
    report.refresh_from_db()
    assert report.status == S.ANSWERED and report.answer == "Đã vá ổ gà."

    client.force_login(cast.leader)
    response = act(client, report, "close")
    assert response.status_code == 302 and response["Location"] == page(report)
    assert Report.objects.get(pk=report.pk).status == S.CLOSED
    assert "Đã thực hiện" in client.get(page(report)).content.decode()


def test_errors_are_shown_on_the_form_in_vietnamese(cast, client):
    report = file_now(cast.citizen)
    client.force_login(cast.leader)
    empty = act(client, report, "answer", comment="   ")
    assert empty.status_code == 400 and "Vui lòng nhập nội dung." in empty.content.decode()
    same = act(client, report, "transfer", agency=cast.dept.pk, comment="Chuyển")
    assert same.status_code == 400 and "Vui lòng chọn cơ quan" in same.content.decode()
    markup = act(client, report, "reject", comment="<script>x</script>")
    assert markup.status_code == 400 and "mã HTML" in markup.content.decode()
    nul = act(client, report, "answer", comment="Trả\x00lời")
    assert nul.status_code == 400
    unknown = act(client, report, "xoa")
    assert unknown.status_code == 302
    assert Report.objects.get(pk=report.pk).status == S.RECEIVED

    client.force_login(cast.specialist)  # specialists answer, they do not acknowledge
    refused = act(client, report, "acknowledge")
    assert refused.status_code == 403
    assert "không có quyền" in refused.content.decode()
    assert Report.objects.get(pk=report.pk).status == S.RECEIVED


def test_similar_reports_are_offered_and_merged(cast, client):
    survivor = file_now(cast.citizen, text="Ổ gà lớn trước chợ")
    duplicate = file_now(
        cast.other_citizen, text="Đường hư hỏng nặng", place=offset(PHU_KHUONG, 100)
    )
    far = file_now(cast.citizen, text="Cột điện nghiêng", place=offset(PHU_KHUONG, 3000))
    client.force_login(cast.leader)
    html = client.get(page(duplicate)).content.decode()
    assert f"Gộp vào {survivor.public_id}" in html
    assert f"Gộp vào {far.public_id}" not in html
    assert f"Gộp vào {duplicate.public_id}" not in html  # never itself
    response = act(client, duplicate, "merge", duplicate_of=survivor.public_id)
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == S.MERGED and duplicate.duplicate_of == survivor
    assert survivor.supporters.filter(user=cast.other_citizen).exists()
    missing = act(client, far, "merge", duplicate_of="PA-KHONGCO")
    assert missing.status_code == 400
    assert "Không tìm thấy phản ánh được gộp vào." in missing.content.decode()
