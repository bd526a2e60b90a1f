"""Supplements during processing (R-LC-6, R-DL-9, R-DL-10, spec Q-4): one request per dossier by
default, the leader's further request with its reason, no empty supplement, the response period."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tinhso.accounts.testing import bearer_header as api_token
from tinhso.backoffice import display
from tinhso.calendars.worktime import get_calendar
from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier, HistoryEntry, Pause
from tinhso.testing import FORM_DATA, bring_supplement, make_cast, pdf_upload
from tinhso.uploads import check_upload

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db(transaction=False)


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TZ)


MON_2_JUNE = at(2025, 6, 2, 8, 0)


@pytest.fixture
def cast(db):
    return make_cast()


def act(user, dossier, action, **kw):
    return services.perform_action(
        user=user, dossier=dossier, request=services.ActionRequest(action=action, **kw)
    )


def filed(cast, when=MON_2_JUNE):
    with time_machine.travel(when, tick=False):
        dossier, _ = services.file_dossier(
            user=cast.citizen,
            version=cast.province_procedure,
            data=FORM_DATA,
            applicant=services.Applicant.from_user(cast.citizen),
            files=[services.NewFile("TK", check_upload(pdf_upload()))],
        )
    return dossier


def received(cast, when=MON_2_JUNE):
    dossier = filed(cast, when)
    with time_machine.travel(when, tick=False):
        return act(cast.clerk, dossier, "receive")


def request(user, dossier, when, comment="Thiếu bản sao giấy khai sinh"):
    with time_machine.travel(when, tick=False):
        return act(user, dossier, "request_supplement", comment=comment, items=["Giấy khai sinh"])


def supplement(cast, dossier, when):
    with time_machine.travel(when, tick=False):
        return bring_supplement(cast, dossier)


def test_second_request_by_the_specialist_is_409_and_changes_nothing(cast):
    dossier = request(cast.specialist, received(cast), at(2025, 6, 3, 9, 0))
    dossier = supplement(cast, dossier, at(2025, 6, 4, 9, 0))
    before = HistoryEntry.objects.filter(dossier=dossier).count()
    with pytest.raises(services.ActionNotAllowed) as refused:
        request(cast.specialist, dossier, at(2025, 6, 5, 9, 0))
    assert refused.value.status == 409 and "tối đa 1 lần" in refused.value.message
    after = Dossier.objects.get(pk=dossier.pk)
    assert after.status == "processing" and after.remaining_minutes is None
    assert HistoryEntry.objects.filter(dossier=dossier).count() == before
    assert Pause.objects.filter(dossier=dossier).count() == 1


def test_the_leader_may_make_a_second_request_and_its_reason_is_recorded(cast):
    dossier = request(cast.specialist, received(cast), at(2025, 6, 3, 9, 0))
    dossier = supplement(cast, dossier, at(2025, 6, 4, 9, 0))
    dossier = request(cast.leader, dossier, at(2025, 6, 5, 9, 0), comment="Cần thêm sổ hộ khẩu cũ")
    assert dossier.status == "supplement_requested"
    entry = HistoryEntry.objects.filter(dossier=dossier, action="request_supplement").last()
    assert entry is not None and entry.actor == cast.leader
    assert entry.details["beyond_limit"] is True
    assert entry.details["reason"] == "Cần thêm sổ hộ khẩu cũ"
    assert entry.details["request_number"] == 2


def test_the_leader_s_further_request_needs_a_reason(cast):
    dossier = request(cast.specialist, received(cast), at(2025, 6, 3, 9, 0))
    dossier = supplement(cast, dossier, at(2025, 6, 4, 9, 0))
    with pytest.raises(services.InvalidInput) as refused:
        request(cast.leader, dossier, at(2025, 6, 5, 9, 0), comment="  ")
    assert refused.value.field == "comment"


def test_the_number_of_requests_is_a_setting(cast, settings):
    settings.TINHSO_SUPPLEMENT_REQUESTS_MAX = 2
    dossier = request(cast.specialist, received(cast), at(2025, 6, 3, 9, 0))
    dossier = supplement(cast, dossier, at(2025, 6, 3, 10, 0))
    dossier = request(cast.specialist, dossier, at(2025, 6, 3, 14, 0))
    assert (
        HistoryEntry.objects.get(
            dossier=dossier, action="request_supplement", details__request_number=2
        ).details.get("beyond_limit")
        is None
    )
    dossier = supplement(cast, dossier, at(2025, 6, 4, 9, 0))
    with pytest.raises(services.ActionNotAllowed):
        request(cast.specialist, dossier, at(2025, 6, 4, 10, 0))


def test_guidance_at_receipt_does_not_count_towards_the_limit(cast):
    dossier = filed(cast)
    dossier = request(cast.clerk, dossier, at(2025, 6, 2, 8, 30))  # at the counter, before receipt
    dossier = supplement(cast, dossier, at(2025, 6, 2, 9, 0))
    assert dossier.status == "submitted"
    with time_machine.travel(at(2025, 6, 2, 9, 30), tick=False):
        dossier = act(cast.clerk, dossier, "receive")
    dossier = request(cast.specialist, dossier, at(2025, 6, 3, 9, 0))
    assert dossier.status == "supplement_requested"
    entry = HistoryEntry.objects.filter(dossier=dossier, action="request_supplement").last()
    assert entry is not None and entry.details["request_number"] == 1


def test_an_empty_supplement_is_refused_with_400_and_the_dossier_keeps_waiting(cast):
    dossier = request(cast.specialist, received(cast), at(2025, 6, 3, 9, 0))
    with time_machine.travel(at(2025, 6, 4, 9, 0), tick=False):
        with pytest.raises(services.InvalidInput) as refused:
            services.supplement_dossier(
                user=cast.citizen, dossier=dossier, document_code="CCCD", uploads=[]
            )
        assert refused.value.status == 400 and refused.value.field == "files"
        with pytest.raises(services.InvalidInput):
            act(cast.citizen, dossier, "supplement", comment="Đã bổ sung")
        with pytest.raises(services.InvalidInput):  # the clerk cannot resume it empty either
            act(cast.clerk, dossier, "supplement")
    after = Dossier.objects.get(pk=dossier.pk)
    assert after.status == "supplement_requested" and after.remaining_minutes is not None
    assert Pause.objects.get(dossier=dossier).ended_at is None


def test_a_document_attached_before_the_request_does_not_make_a_supplement(cast):
    dossier = received(cast)  # its declaration was attached at filing
    dossier = request(cast.specialist, dossier, at(2025, 6, 3, 9, 0))
    with (
        time_machine.travel(at(2025, 6, 4, 9, 0), tick=False),
        pytest.raises(services.InvalidInput),
    ):
        act(cast.citizen, dossier, "supplement")


def test_a_document_attached_after_the_request_then_the_supplement_resumes(cast):
    dossier = request(cast.specialist, received(cast), at(2025, 6, 3, 9, 0))
    with time_machine.travel(at(2025, 6, 4, 9, 0), tick=False):
        services.add_attachment(
            user=cast.citizen,
            dossier=dossier,
            document_code="CCCD",
            upload=check_upload(pdf_upload()),
        )
        dossier = act(cast.citizen, dossier, "supplement")
    assert dossier.status == "processing" and dossier.supplement_due_at is None


def test_the_response_period_is_set_in_working_days_and_recorded(cast):
    # Tue 3/6/2025 09:00 + 10 working days (no holiday in between): Tue 17/6/2025 09:00.
    dossier = request(cast.specialist, received(cast), at(2025, 6, 3, 9, 0))
    assert dossier.supplement_due_at == at(2025, 6, 17, 9, 0)
    entry = HistoryEntry.objects.get(dossier=dossier, action="request_supplement")
    assert entry.details["respond_by"] == at(2025, 6, 17, 9, 0).isoformat()


def test_the_response_period_skips_holidays(cast, settings):
    settings.TINHSO_SUPPLEMENT_RESPONSE_DAYS = 2
    # Thu 28/8/2025 10:00 + 2 working days over the National Day holiday: Wed 3/9/2025 10:00.
    dossier = request(
        cast.specialist, received(cast, at(2025, 8, 28, 8, 0)), at(2025, 8, 28, 10, 0)
    )
    assert dossier.supplement_due_at == at(2025, 9, 3, 10, 0)


def test_no_response_period_when_the_setting_is_zero(cast, settings):
    settings.TINHSO_SUPPLEMENT_RESPONSE_DAYS = 0
    dossier = request(cast.specialist, received(cast), at(2025, 6, 3, 9, 0))
    assert dossier.supplement_due_at is None
    assert display.supplement_overdue(dossier, at(2026, 1, 5, 9, 0)) is False


def test_the_expired_response_period_is_flagged_in_the_deadline_display(cast):
    dossier = request(cast.specialist, received(cast), at(2025, 6, 3, 9, 0))
    cal = get_calendar()
    before = display.deadline(dossier, at(2025, 6, 17, 9, 0), cal)
    assert before.tone == "paused" and not before.supplement_overdue
    after = display.deadline(dossier, at(2025, 6, 17, 9, 1), cal)
    assert after.supplement_overdue and after.tone == "overdue"
    assert "Quá hạn nộp bổ sung" in after.label and "17/06/2025 09:00" in after.label
    assert after.remaining_minutes == dossier.remaining_minutes  # the clock itself stays paused


def test_a_late_supplement_is_still_accepted_and_the_flag_goes(cast):
    dossier = request(cast.specialist, received(cast), at(2025, 6, 3, 9, 0))
    dossier = supplement(cast, dossier, at(2025, 6, 20, 9, 0))
    assert dossier.status == "processing" and dossier.supplement_due_at is None
    flag = display.deadline(dossier, at(2025, 6, 20, 10, 0), get_calendar())
    assert not flag.supplement_overdue


# --- the API contract ------------------------------------------------------------------------------


def test_api_second_request_by_the_specialist_is_409(client, cast):
    dossier = request(cast.specialist, received(cast), at(2025, 6, 3, 9, 0))
    dossier = supplement(cast, dossier, at(2025, 6, 4, 9, 0))
    with time_machine.travel(at(2025, 6, 5, 9, 0), tick=False):
        response = client.post(
            f"/api/v1/dossiers/{dossier.code}/actions",
            {"action": "request_supplement", "items": ["Bản sao"], "comment": "Thiếu"},
            content_type="application/json",
            **api_token(client, "stp.specialist"),
        )
    assert response.status_code == 409 and response.json()["field"] == "action"


def test_api_empty_supplement_by_the_citizen_is_400(client, cast):
    dossier = request(cast.specialist, received(cast), at(2025, 6, 3, 9, 0))
    with time_machine.travel(at(2025, 6, 4, 9, 0), tick=False):
        response = client.post(
            f"/api/v1/dossiers/{dossier.code}/actions",
            {"action": "supplement", "comment": "Đã bổ sung"},
            content_type="application/json",
            **api_token(client, "citizen1"),
        )
    assert response.status_code == 400
    assert response.json()["field"] == "files" and "chưa có giấy tờ" in response.json()["detail"]
    assert Dossier.objects.get(pk=dossier.pk).status == "supplement_requested"
