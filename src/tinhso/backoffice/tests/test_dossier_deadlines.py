"""The dossier page shows both appointments after an apology, the letter's number, and flags a
supplement whose response period has run out; the apology form is the leader's only."""

import time_machine
from django.urls import reverse

from tinhso.dossiers import services
from tinhso.testing import pdf_upload
from tinhso.uploads import check_upload

from .conftest import act, at, file_online


def page(client, dossier, when):
    with time_machine.travel(when, tick=False):
        response = client.get(reverse("backoffice:dossier", args=[dossier.code]))
    assert response.status_code == 200
    return response.content.decode()


def received(cast):
    with time_machine.travel(at(2025, 6, 10, 9, 0), tick=False):
        return act(cast.clerk, file_online(cast), "receive")  # due Fri 13/6/2025 09:00


def test_after_an_apology_the_page_shows_both_dates_and_the_letter_number(cast, login):
    dossier = received(cast)
    with time_machine.travel(at(2025, 6, 11, 9, 0), tick=False):
        act(
            cast.leader,
            dossier,
            "apologize",
            comment="Cần xác minh",
            new_due_at=at(2025, 6, 17, 9, 0),
        )
    html = page(login(cast.specialist), dossier, at(2025, 6, 11, 10, 0))
    assert "17/06/2025 09:00" in html and "13/06/2025 09:00" in html
    assert "Hẹn trả ban đầu (tính tiến độ, Chỉ số 766)" in html
    assert "Số 1/2025/STP-XL" in html


def test_without_an_apology_there_is_no_second_date(cast, login):
    dossier = received(cast)
    html = page(login(cast.specialist), dossier, at(2025, 6, 11, 10, 0))
    assert "Hẹn trả ban đầu" not in html


def test_only_the_leader_is_offered_the_apology_form(cast, login):
    dossier = received(cast)
    leader = page(login(cast.leader), dossier, at(2025, 6, 11, 10, 0))
    assert 'name="action" value="apologize"' in leader
    specialist = page(login(cast.specialist), dossier, at(2025, 6, 11, 10, 0))
    assert 'name="action" value="apologize"' not in specialist


def test_a_specialist_posting_the_apology_form_is_refused(cast, login):
    dossier = received(cast)
    client = login(cast.specialist)
    with time_machine.travel(at(2025, 6, 11, 10, 0), tick=False):
        response = client.post(
            reverse("backoffice:act", args=[dossier.code]),
            {
                "action": "apologize",
                "apologize-comment": "Chậm",
                "apologize-new_due_at": "2025-06-16T09:00",
            },
        )
    assert response.status_code == 302  # the page no longer offers it: back with the message
    dossier.refresh_from_db()
    assert not dossier.apologized


def test_the_leader_sees_the_rule_next_to_the_date_field(cast, login):
    dossier = received(cast)
    client = login(cast.leader)
    with time_machine.travel(at(2025, 6, 11, 10, 0), tick=False):
        response = client.post(
            reverse("backoffice:act", args=[dossier.code]),
            {
                "action": "apologize",
                "apologize-comment": "Chậm",
                "apologize-new_due_at": "2025-06-14T09:00",  # Saturday
            },
        )
    assert response.status_code == 400
    assert "là ngày nghỉ" in response.content.decode()


def test_an_expired_supplement_period_is_flagged_on_the_page(cast, login):
    dossier = received(cast)
    with time_machine.travel(at(2025, 6, 11, 9, 0), tick=False):
        act(cast.specialist, dossier, "request_supplement", comment="Thiếu", items=["Bản sao"])
    client = login(cast.specialist)
    before = page(client, dossier, at(2025, 6, 25, 9, 0))  # the period ends Wed 25/6 09:00
    assert "<dt>Hạn nộp bổ sung</dt>" in before and "25/06/2025 09:00" in before
    assert "Đã quá hạn nộp bổ sung" not in before
    after = page(client, dossier, at(2025, 6, 25, 9, 30))
    assert "Đã quá hạn nộp bổ sung" in after and "Quá hạn nộp bổ sung (hạn" in after
    with time_machine.travel(at(2025, 6, 26, 9, 0), tick=False):
        services.supplement_dossier(
            user=cast.citizen,
            dossier=dossier,
            document_code="CCCD",
            uploads=[check_upload(pdf_upload())],
        )
    done = page(client, dossier, at(2025, 6, 26, 10, 0))
    assert "<dt>Hạn nộp bổ sung</dt>" not in done and "Đã quá hạn nộp bổ sung" not in done


def counter_supplement(client, dossier, when, **fields):
    data = {"action": "supplement", "supplement-comment": "Công dân nộp tại quầy"}
    data |= {f"supplement-{k}": v for k, v in fields.items()}
    with time_machine.travel(when, tick=False):
        return client.post(reverse("backoffice:act", args=[dossier.code]), data)


def test_the_clerk_supplements_at_the_counter_with_a_scanned_file(cast, login):
    dossier = received(cast)
    with time_machine.travel(at(2025, 6, 11, 9, 0), tick=False):
        act(cast.specialist, dossier, "request_supplement", comment="Thiếu", items=["Căn cước"])
    client = login(cast.clerk)
    empty = counter_supplement(client, dossier, at(2025, 6, 12, 9, 0))
    assert empty.status_code == 400
    assert "chưa có giấy tờ nào mới" in empty.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == "supplement_requested"
    upload = pdf_upload("can-cuoc.pdf")
    done = counter_supplement(client, dossier, at(2025, 6, 12, 9, 5), document="CCCD", file=upload)
    assert done.status_code == 302, done.content.decode()[:2000]
    dossier.refresh_from_db()
    assert dossier.status == "processing"  # 5 → 4 (R-ST-3)
    added = dossier.attachments.get(document_code="CCCD")
    assert added.digitised and added.uploaded_by == cast.clerk


def test_the_supplement_form_takes_a_file(cast, login):
    dossier = received(cast)
    with time_machine.travel(at(2025, 6, 11, 9, 0), tick=False):
        act(cast.specialist, dossier, "request_supplement", comment="Thiếu", items=["Căn cước"])
    html = page(login(cast.clerk), dossier, at(2025, 6, 11, 10, 0))
    assert 'enctype="multipart/form-data"' in html and 'name="supplement-file"' in html
