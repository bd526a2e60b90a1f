"""The dossier transition table (docs/lifecycle.md), as data.

Each action names the states it is allowed in, the state it leads to (None when it depends
on the dossier, e.g. the next workflow step) and who may take it. ``services.py`` enforces
the table; ``available_actions`` lists what a given user may do now.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tinhso.agencies.models import Role
from tinhso.dossiers.models import Status

APPLICANT = "applicant"  # the dossier's owner (or its filer)


@dataclass(frozen=True)
class ActionSpec:
    name: str
    label: str | Promise
    from_states: frozenset[str]
    to_state: str | None
    actors: frozenset[str]  # roles (Role values) or APPLICANT
    comment_required: bool = False
    # where the acting official's role must hold: "competent" (dossier.agency),
    # "receiving" (dossier.receiving_agency), "either", or "counter": either of them or any one-stop
    # counter of the province (``accounts.access.counter_agency_ids``; receipt anywhere, R-ACT-1)
    scope: str = "competent"
    public: bool = True  # shown in the citizen-readable history
    step_action: str | None = None  # must match the current workflow step's action
    # states in which any one-stop counter of the province may take the action (scope "counter"):
    # what a counter does with a dossier it found by its code at receipt (R-ACT-1)
    counter_from: frozenset[str] = frozenset()

    def scope_for(self, status: str) -> str:
        """The scope in which the acting official's role must hold for a dossier in ``status``."""
        return "counter" if status in self.counter_from else self.scope


def _s(*states: str) -> frozenset[str]:
    return frozenset(states)


S = Status
ACTIONS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in [
        ActionSpec("submit", _("Nộp hồ sơ"), _s(S.DRAFT), S.SUBMITTED, frozenset({APPLICANT})),
        ActionSpec(
            "receive",
            _("Tiếp nhận hồ sơ"),
            _s(S.SUBMITTED),
            None,
            frozenset({Role.CLERK}),
            # Any one-stop counter of the province receives any dossier (R-ACT-1, Resolution
            # 27/NQ-CP); the counter that receives it becomes its receiving agency.
            scope="counter",
            step_action="receive",
        ),
        ActionSpec(
            "refuse",
            _("Từ chối tiếp nhận"),
            _s(S.SUBMITTED, S.SUPPLEMENT_REQUESTED),
            S.REFUSED,
            frozenset({Role.CLERK}),
            comment_required=True,
            scope="either",
            # the counter that found the dossier by its code refuses it at receipt (R-ACT-1)
            counter_from=_s(S.SUBMITTED),
        ),
        ActionSpec(
            "request_supplement",
            _("Yêu cầu bổ sung, hoàn thiện hồ sơ"),
            _s(S.SUBMITTED, S.RECEIVED, S.PROCESSING),
            S.SUPPLEMENT_REQUESTED,
            frozenset({Role.CLERK, Role.SPECIALIST, Role.LEADER}),
            comment_required=True,
            scope="either",
            # the counter that found the dossier by its code guides the applicant (R-LC-2)
            counter_from=_s(S.SUBMITTED),
        ),
        ActionSpec(
            "supplement",
            _("Bổ sung hồ sơ"),
            _s(S.SUPPLEMENT_REQUESTED),
            None,
            frozenset({APPLICANT, Role.CLERK}),
            scope="either",
        ),
        ActionSpec(
            "complete_step",
            _("Hoàn thành bước xử lý"),
            _s(S.RECEIVED, S.PROCESSING),
            S.PROCESSING,
            frozenset({Role.SPECIALIST, Role.CLERK}),
            step_action="complete_step",
        ),
        ActionSpec(
            "approve",
            _("Phê duyệt"),
            _s(S.RECEIVED, S.PROCESSING),
            S.PROCESSING,
            frozenset({Role.LEADER}),
            step_action="approve",
        ),
        ActionSpec(
            "send_back",
            _("Trả lại để xử lý lại"),
            _s(S.RECEIVED, S.PROCESSING),
            S.PROCESSING,
            frozenset({Role.LEADER}),
            comment_required=True,
            step_action="approve",
            public=False,
        ),
        ActionSpec(
            "issue_result",
            _("Ban hành kết quả"),
            # 6 → 9 where the spec allows it: a fee asked for at the last step, paid at the counter
            # when the result is handed over (services._issue_result).
            _s(S.PROCESSING, S.AWAITING_PAYMENT),
            S.RESULT_READY,
            frozenset({Role.CLERK}),
            scope="either",
            step_action="issue_result",
        ),
        ActionSpec(
            "return_result",
            _("Trả kết quả"),
            _s(S.RESULT_READY),
            S.RETURNED,
            frozenset({Role.CLERK}),
            scope="either",
        ),
        ActionSpec(
            "request_payment",
            _("Yêu cầu thực hiện nghĩa vụ tài chính"),
            _s(S.RECEIVED, S.PROCESSING),
            S.AWAITING_PAYMENT,
            frozenset({Role.SPECIALIST, Role.LEADER}),
        ),
        ActionSpec(
            "confirm_payment",
            _("Xác nhận đã nộp phí, lệ phí"),
            _s(S.AWAITING_PAYMENT),
            None,
            frozenset({Role.CLERK}),
            scope="either",
        ),
        ActionSpec(
            "apologize",
            _("Xin lỗi và hẹn lại ngày trả kết quả"),
            _s(S.RECEIVED, S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.AWAITING_PAYMENT),
            None,
            # The agency's leader signs the letter (R-DL-11); a delegate holds a dated leader
            # assignment (StaffAssignment.valid_from/valid_to). Anyone else: 403.
            frozenset({Role.LEADER}),
            comment_required=True,
        ),
        ActionSpec(
            "stop",
            _("Dừng xử lý"),
            _s(S.RECEIVED, S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.AWAITING_PAYMENT),
            S.STOPPED,
            frozenset({Role.LEADER}),
            comment_required=True,
        ),
        ActionSpec(
            "withdraw",
            _("Rút hồ sơ"),
            _s(S.SUBMITTED, S.RECEIVED, S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.AWAITING_PAYMENT),
            S.WITHDRAWN,
            frozenset({APPLICANT, Role.CLERK}),
            scope="either",
        ),
        ActionSpec(
            "claim",
            _("Nhận xử lý"),
            _s(S.SUBMITTED, S.RECEIVED, S.PROCESSING),
            None,
            frozenset({Role.CLERK, Role.SPECIALIST, Role.LEADER}),
            scope="either",
            public=False,
        ),
        ActionSpec(
            "assign",
            _("Phân công xử lý"),
            _s(S.SUBMITTED, S.RECEIVED, S.PROCESSING),
            None,
            frozenset({Role.LEADER, Role.AGENCY_ADMIN}),
            scope="either",
            public=False,
        ),
    ]
}

# Events recorded in the history that are not actions a person takes.
SYSTEM_EVENTS = {
    "payment_received": _("Đã nhận thanh toán phí, lệ phí"),
    "result_revoked": _("Kết quả đã bị thu hồi"),
}

# Actions that hand the dossier over between people or units: one row each on the control slip.
HANDOVER_ACTIONS = frozenset(
    {"receive", "complete_step", "approve", "send_back", "issue_result", "return_result"}
)

# History comments written to the applicant (shown to them and in their data export); the comments
# of other actions are officials' internal notes.
APPLICANT_COMMENTS = frozenset(
    {"request_supplement", "refuse", "stop", "apologize", "withdraw", "result_revoked"}
)


def action_label(name: str) -> str:
    """The label of an action or system event, for any history display."""
    spec = ACTIONS.get(name)
    if spec is not None:
        return str(spec.label)
    return str(SYSTEM_EVENTS.get(name, name))


def is_public(name: str) -> bool:
    """Shown in the citizen-readable history (the lookup page and the applicant's dossier page)."""
    spec = ACTIONS.get(name)
    return spec.public if spec is not None else name in SYSTEM_EVENTS
