"""Every action in every state: allowed exactly where the transition table says, for the right role."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier, HistoryEntry, Status
from tinhso.dossiers.workflow import ACTIONS
from tinhso.testing import FORM_DATA, make_cast

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime.datetime(2025, 6, 10, 9, 0, tzinfo=TZ)
STEP_FOR = {"receive": 1, "complete_step": 2, "approve": 3, "send_back": 3, "issue_result": 4}
# The cast member allowed to take each action on a department dossier received by the centre.
ACTOR = {
    "receive": "clerk",
    "refuse": "clerk",
    "request_supplement": "specialist",
    "supplement": "citizen",
    "complete_step": "specialist",
    "approve": "leader",
    "send_back": "leader",
    "issue_result": "clerk",
    "return_result": "clerk",
    "request_payment": "specialist",
    "confirm_payment": "clerk",
    "apologize": "leader",
    "stop": "leader",
    "withdraw": "citizen",
    "claim": "specialist",
    "assign": "leader",
}
STATES = [s for s in Status.values if s != Status.DRAFT]


@pytest.fixture
def cast(db):
    return make_cast()


def dossier_in(cast, status: str, action: str) -> Dossier:
    version = cast.province_procedure
    dossier = Dossier.objects.create(
        code=f"T-{status}-{action}",
        procedure_version=version,
        agency=cast.dept,
        receiving_agency=cast.centre,
        applicant=cast.citizen,
        filed_by=cast.citizen,
        status=status,
        applicant_name="Nguyễn Văn An",
        applicant_phone="+84912345678",
        data=FORM_DATA,
        fee_amount=100000,
        step_position=STEP_FOR.get(action, 2),
        submitted_at=NOW,
        received_at=None if status == "submitted" else NOW,
        clock_started_at=None if status == "submitted" else NOW,
        due_at=None if status == "submitted" else NOW + datetime.timedelta(days=7),
        resume_status="submitted"
        if (status == "supplement_requested" and action == "refuse")
        else ("processing" if status in ("supplement_requested", "awaiting_payment") else ""),
        # 5 working days, as the due date of a running clock: one new date suits both for an apology
        remaining_minutes=2400 if status in ("supplement_requested", "awaiting_payment") else None,
    )
    dossier.attachments.create(
        document_code="TK",
        file="x.pdf",
        original_name="x.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        uploaded_by=cast.citizen,
    )
    return dossier


def request_for(cast, action: str) -> services.ActionRequest:
    return services.ActionRequest(
        action=action,
        comment="Lý do cụ thể",
        items=["Bản sao giấy tờ"],
        new_due_at=NOW + datetime.timedelta(days=8),  # one working day after the due date
        assignee=cast.specialist,
    )


@pytest.mark.parametrize("status", STATES)
@pytest.mark.parametrize("action", sorted(ACTIONS.keys() - {"submit"}))
def test_action_allowed_only_in_its_states(cast, action, status):
    spec = ACTIONS[action]
    dossier = dossier_in(cast, status, action)
    user = getattr(cast, ACTOR[action])
    before = HistoryEntry.objects.count()
    with time_machine.travel(NOW, tick=False):
        if status in spec.from_states:
            result = services.perform_action(
                user=user, dossier=dossier, request=request_for(cast, action)
            )
            assert HistoryEntry.objects.count() == before + 1
            if spec.to_state is not None:
                assert result.status == spec.to_state
        else:
            with pytest.raises(services.ActionNotAllowed):
                services.perform_action(
                    user=user, dossier=dossier, request=request_for(cast, action)
                )
            assert Dossier.objects.get(pk=dossier.pk).status == status
            assert HistoryEntry.objects.count() == before


WRONG_ACTORS = ["other_citizen", "other_clerk", "other_specialist", "other_leader", "commune_clerk"]


# Clerks of a one-stop counter (a commune's here) receive any dossier of the province (R-ACT-1),
# or at receipt ask for a supplement or refuse it: the actions open to them on another agency's
# dossier, in the states the table gives them (``counter_from``; test_receipt_anywhere.py).
COUNTER_CLERKS = {"other_clerk", "commune_clerk"}


def first_state(action: str) -> str:
    return sorted(ACTIONS[action].from_states)[0]


def open_to_counters(action: str) -> bool:
    return ACTIONS[action].scope_for(first_state(action)) == "counter"


@pytest.mark.parametrize(
    ("action", "who"),
    [
        (action, who)
        for action in sorted(ACTIONS.keys() - {"submit"})
        for who in WRONG_ACTORS
        if not (open_to_counters(action) and who in COUNTER_CLERKS)
    ],
)
def test_action_refused_to_other_agencies_and_citizens(cast, action, who):
    state = first_state(action)
    dossier = dossier_in(cast, state, action)
    with time_machine.travel(NOW, tick=False), pytest.raises(services.ActionNotAllowed):
        services.perform_action(
            user=getattr(cast, who), dossier=dossier, request=request_for(cast, action)
        )
    assert Dossier.objects.get(pk=dossier.pk).status == state


@pytest.mark.parametrize(
    ("action", "wrong_role"),
    [
        ("receive", "specialist"),
        ("complete_step", "leader"),
        ("approve", "specialist"),
        ("issue_result", "leader"),
        ("stop", "specialist"),
        ("apologize", "specialist"),
        ("refuse", "citizen"),
        ("return_result", "citizen"),
    ],
)
def test_action_refused_to_wrong_role_of_right_agency(cast, action, wrong_role):
    state = sorted(ACTIONS[action].from_states)[0]
    dossier = dossier_in(cast, state, action)
    with time_machine.travel(NOW, tick=False), pytest.raises(services.ActionNotAllowed):
        services.perform_action(
            user=getattr(cast, wrong_role), dossier=dossier, request=request_for(cast, action)
        )


@pytest.mark.parametrize("action", ["refuse", "request_supplement", "stop", "apologize"])
def test_reason_is_mandatory(cast, action):
    state = sorted(ACTIONS[action].from_states)[0]
    dossier = dossier_in(cast, state, action)
    with time_machine.travel(NOW, tick=False), pytest.raises(services.InvalidInput) as info:
        services.perform_action(
            user=getattr(cast, ACTOR[action]),
            dossier=dossier,
            request=services.ActionRequest(action=action, comment="  "),
        )
    assert info.value.field == "comment"


def test_assigned_dossier_cannot_be_completed_by_another_specialist(cast):
    from tinhso.accounts.models import User
    from tinhso.agencies.models import Role, StaffAssignment

    second = User.objects.create_user("stp.specialist2", password="pw", kind="official")
    StaffAssignment.objects.create(user=second, agency=cast.dept, role=Role.SPECIALIST)
    dossier = dossier_in(cast, "processing", "complete_step")
    with time_machine.travel(NOW, tick=False):
        services.perform_action(
            user=cast.leader,
            dossier=dossier,
            request=services.ActionRequest(action="assign", assignee=cast.specialist),
        )
        with pytest.raises(services.ActionNotAllowed):
            services.perform_action(
                user=second, dossier=dossier, request=services.ActionRequest(action="complete_step")
            )
        services.perform_action(
            user=cast.specialist,
            dossier=dossier,
            request=services.ActionRequest(action="complete_step"),
        )
