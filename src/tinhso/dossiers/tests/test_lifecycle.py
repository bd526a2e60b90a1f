"""The straight path and the detours, through the services, with real deadlines."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier, HistoryEntry, Pause
from tinhso.testing import FORM_DATA, make_cast, pdf_upload
from tinhso.uploads import check_upload

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db(transaction=False)


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TZ)


def act(user, dossier, action, **kw):
    return services.perform_action(
        user=user, dossier=dossier, request=services.ActionRequest(action=action, **kw)
    )


def file_online(cast, version=None):
    version = version or cast.province_procedure
    dossier, created = services.file_dossier(
        user=cast.citizen,
        version=version,
        data=FORM_DATA,
        applicant=services.Applicant.from_user(cast.citizen),
        files=[services.NewFile("TK", check_upload(pdf_upload()))],
    )
    assert created
    return dossier


@pytest.fixture
def cast(db):
    return make_cast()


def test_submitted_dossier_gets_code_of_receiving_unit_and_status_1(cast):
    with time_machine.travel(at(2025, 11, 25, 9, 0), tick=False):
        dossier = file_online(cast)
    assert dossier.code == "000.00.01.H61-251125-0001"
    assert dossier.status == "submitted" and dossier.status_code == 1
    assert dossier.agency == cast.dept and dossier.receiving_agency == cast.centre
    assert dossier.fee_amount == 100000  # the online fee
    assert dossier.attachments.get().sha256


def test_straight_path_to_returned_with_deadline_and_history(
    cast, django_capture_on_commit_callbacks
):
    with time_machine.travel(at(2025, 6, 10, 8, 0), tick=False):
        dossier = file_online(cast)
    with (
        time_machine.travel(at(2025, 6, 10, 9, 0), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        dossier = act(cast.clerk, dossier, "receive")
    assert dossier.status == "received"
    assert dossier.due_at == at(2025, 6, 13, 9, 0)  # E1: 3 working days
    with time_machine.travel(at(2025, 6, 11, 10, 0), tick=False):
        dossier = act(cast.specialist, dossier, "complete_step", comment="Hồ sơ hợp lệ")
    assert dossier.status == "processing" and dossier.status_code == 4
    with time_machine.travel(at(2025, 6, 12, 10, 0), tick=False):
        dossier = act(cast.leader, dossier, "approve")
    with time_machine.travel(at(2025, 6, 12, 15, 0), tick=False):
        dossier = act(cast.clerk, dossier, "issue_result")
    assert dossier.status == "result_ready" and dossier.timeliness == "early"
    with (
        time_machine.travel(at(2025, 6, 13, 8, 0), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        dossier = act(
            cast.clerk,
            dossier,
            "return_result",
            return_method="postal",
            postal_tracking="EL123456789VN",
        )
    assert dossier.status == "returned" and dossier.status_code == 10
    assert dossier.postal_tracking == "EL123456789VN"
    actions = list(HistoryEntry.objects.filter(dossier=dossier).values_list("action", "to_status"))
    assert actions == [
        ("submit", "submitted"),
        ("receive", "received"),
        ("complete_step", "processing"),
        ("approve", "processing"),
        ("issue_result", "result_ready"),
        ("return_result", "returned"),
    ]
    assert any(dossier.code in m.subject for m in mail.outbox)  # received + returned notices


def test_supplement_pauses_and_resumes_the_clock_like_example_e5(cast):
    version = cast.province_procedure
    version.processing_days = 5
    version.fee_online = None
    version.save()
    with time_machine.travel(at(2025, 6, 2, 7, 30), tick=False):
        dossier = file_online(cast)
    with time_machine.travel(at(2025, 6, 2, 8, 0), tick=False):
        dossier = act(cast.clerk, dossier, "receive")
    assert dossier.due_at == at(2025, 6, 9, 8, 0)
    with time_machine.travel(at(2025, 6, 4, 10, 0), tick=False):
        dossier = act(
            cast.specialist,
            dossier,
            "request_supplement",
            comment="Thiếu bản sao",
            items=["Bản sao giấy chứng nhận kết hôn"],
        )
    assert dossier.status == "supplement_requested" and dossier.status_code == 5
    assert dossier.remaining_minutes == 22 * 60
    with time_machine.travel(at(2025, 6, 9, 14, 0), tick=False):
        # a supplement brings a document (an empty one is refused: test_supplement_rules.py)
        services.add_attachment(
            user=cast.citizen,
            dossier=dossier,
            document_code="CCCD",
            upload=check_upload(pdf_upload()),
        )
        dossier = act(cast.citizen, dossier, "supplement")
    assert dossier.status == "processing" and dossier.status_code == 4  # 5 → 4 (R-ST-3)
    assert dossier.due_at == at(2025, 6, 12, 10, 0)
    pause = Pause.objects.get(dossier=dossier)
    assert pause.ended_at == at(2025, 6, 9, 14, 0) and pause.items == [
        "Bản sao giấy chứng nhận kết hôn"
    ]


def test_apology_moves_the_date_once_and_keeps_the_original(cast):
    with time_machine.travel(at(2025, 6, 10, 8, 0), tick=False):
        dossier = act(cast.clerk, file_online(cast), "receive")
    new_date = at(2025, 6, 18, 8, 0)  # at most the procedure's 3 working days after the due date
    with time_machine.travel(at(2025, 6, 11, 9, 0), tick=False):
        dossier = act(
            cast.leader, dossier, "apologize", comment="Cần xác minh thêm", new_due_at=new_date
        )
        assert dossier.due_at == new_date and dossier.original_due_at == at(2025, 6, 13, 8, 0)
        with pytest.raises(services.ActionNotAllowed):
            act(
                cast.leader,
                dossier,
                "apologize",
                comment="Lần hai",
                new_due_at=at(2025, 6, 25, 17, 0),
            )


def test_apology_refused_later_than_one_working_day_before_due(cast):
    with time_machine.travel(at(2025, 6, 10, 8, 0), tick=False):
        dossier = act(cast.clerk, file_online(cast), "receive")  # due Fri 13/6 08:00
    # E8 reading: the end of the last working day before the due date (Thu 12/6 17:00)
    with (
        time_machine.travel(at(2025, 6, 13, 7, 30), tick=False),
        pytest.raises(services.ActionNotAllowed),
    ):
        act(cast.leader, dossier, "apologize", comment="Muộn", new_due_at=at(2025, 6, 20, 17, 0))
    assert Dossier.objects.get(pk=dossier.pk).apologized is False


def test_late_completion_is_classified_late(cast):
    with time_machine.travel(at(2025, 6, 10, 8, 0), tick=False):
        dossier = act(cast.clerk, file_online(cast), "receive")
    with time_machine.travel(at(2025, 6, 16, 9, 0), tick=False):
        dossier = act(cast.specialist, dossier, "complete_step")
        dossier = act(cast.leader, dossier, "approve")
        dossier = act(cast.clerk, dossier, "issue_result")
    assert dossier.timeliness == "late"
    late_steps = HistoryEntry.objects.filter(dossier=dossier, action="complete_step").get()
    assert late_steps.step_outcome == "late" and late_steps.step_name == "Thẩm định"


def test_prepayment_procedure_waits_for_payment_after_receipt(cast):
    version = cast.province_procedure
    version.requires_payment_before_processing = True
    version.save()
    with time_machine.travel(at(2025, 6, 10, 8, 0), tick=False):
        dossier = act(cast.clerk, file_online(cast), "receive")
    assert dossier.status == "awaiting_payment" and dossier.status_code == 6
    with time_machine.travel(at(2025, 6, 11, 8, 0), tick=False):
        dossier = act(cast.clerk, dossier, "confirm_payment")
    assert dossier.status == "processing" and dossier.status_code == 4  # 6 → 4 (R-ST-3)
    assert dossier.due_at == at(2025, 6, 16, 8, 0)  # one working day of waiting added


def test_commune_procedure_defaults_to_the_applicants_commune(cast):
    dossier = file_online(cast, cast.commune_procedure)
    assert dossier.agency == cast.commune and dossier.receiving_agency == cast.commune
    assert dossier.code.startswith("000.28756.H61-")


def test_rating_only_after_return_and_only_once(cast):
    with time_machine.travel(at(2025, 6, 10, 8, 0), tick=False):
        dossier = file_online(cast)
        with pytest.raises(services.ActionNotAllowed):
            services.rate_dossier(user=cast.citizen, dossier=dossier, score=5)
        for user, action in [
            (cast.clerk, "receive"),
            (cast.specialist, "complete_step"),
            (cast.leader, "approve"),
            (cast.clerk, "issue_result"),
            (cast.clerk, "return_result"),
        ]:
            dossier = act(user, dossier, action)
    rating = services.rate_dossier(user=cast.citizen, dossier=dossier, score=4, comment="Nhanh")
    assert rating.score == 4
    with pytest.raises(services.ActionNotAllowed):
        services.rate_dossier(user=cast.citizen, dossier=dossier, score=5)
    with pytest.raises(services.ActionNotAllowed):
        services.rate_dossier(user=cast.other_citizen, dossier=dossier, score=1)


def test_counter_dossier_has_no_owner_and_clerk_acts_as_clerk(cast):
    dossier, _ = services.file_dossier(
        user=cast.clerk,
        version=cast.province_procedure,
        data=FORM_DATA,
        channel=1,
        applicant=services.Applicant(name="Lê Văn Cường", phone="+84901234567"),
        files=[services.NewFile("TK", check_upload(pdf_upload()), digitised=True)],
    )
    entry = HistoryEntry.objects.get(dossier=dossier, action="submit")
    assert (
        entry.actor_role == "clerk" and dossier.filed_by == cast.clerk and dossier.applicant is None
    )
    assert dossier.attachments.get().digitised is True
    from tinhso.dossiers.selectors import is_owner

    assert not is_owner(cast.clerk, dossier)


def test_expired_staff_assignment_gives_no_access(cast):
    from tinhso.agencies.models import StaffAssignment
    from tinhso.dossiers.selectors import DossierNotFound, dossier_for_user

    dossier = file_online(cast)
    StaffAssignment.objects.filter(user=cast.clerk).update(valid_to=datetime.date(2020, 1, 1))
    cast.clerk.refresh_from_db()
    with pytest.raises(DossierNotFound):
        dossier_for_user(cast.clerk, dossier.code)


def test_postal_return_records_address_and_tracking(cast):
    with time_machine.travel(at(2025, 6, 10, 8, 0), tick=False):
        dossier = file_online(cast)
        for user, action in [
            (cast.clerk, "receive"),
            (cast.specialist, "complete_step"),
            (cast.leader, "approve"),
            (cast.clerk, "issue_result"),
        ]:
            dossier = act(user, dossier, action)
        with pytest.raises(services.InvalidInput):
            act(cast.clerk, dossier, "return_result", return_method="postal")
        dossier = act(
            cast.clerk,
            dossier,
            "return_result",
            return_method="postal",
            postal_tracking="EL1VN",
            postal_address="Số 5, ấp Phú Hòa, xã Giao Long",
        )
    assert (dossier.return_method, dossier.postal_tracking) == ("postal", "EL1VN")
    assert dossier.postal_address == "Số 5, ấp Phú Hòa, xã Giao Long"
