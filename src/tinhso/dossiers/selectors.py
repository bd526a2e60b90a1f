"""The single access layer for dossiers: who may see which dossier, and do what with it.

Every view and API endpoint loads dossiers through these functions; there is no second way.
Rules: a citizen sees their own dossiers; an official sees the dossiers of the agencies they
are assigned to (as the competent agency or the receiving one-stop counter); a platform
administrator sees all. Anything else is "not found", never "forbidden", so codes cannot be
probed.

One narrow exception, for receipt anywhere in the province (R-ACT-1): a clerk of a one-stop
counter may open a *submitted* dossier of any agency by its *exact* code, to receive it
(``dossier_for_receipt``, ``receipt_view``); never a list, and only what receipt needs.
"""

import hmac
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from tinhso.accounts.access import (
    AnyUser,
    agency_roles,
    counter_agency_ids,
    dossier_agency_ids,
    is_platform_admin,
)
from tinhso.accounts.models import User
from tinhso.agencies.models import Role
from tinhso.dossiers.models import STATUS_CODES, Dossier, HistoryEntry, Status
from tinhso.dossiers.workflow import ACTIONS, APPLICANT, ActionSpec, action_label, is_public
from tinhso.procedures.models import WorkflowStep


class DossierNotFound(Http404):
    """The dossier does not exist or the user may not see it: "not found" (404) either way."""


def visible_dossiers(user: AnyUser) -> QuerySet[Dossier]:
    base = Dossier.objects.select_related("procedure_version", "agency", "receiving_agency")
    if not user.is_authenticated:
        return base.none()
    if is_platform_admin(user):
        return base.all()
    agency_ids = dossier_agency_ids(user)
    condition = Q(applicant_id=user.pk) | Q(filed_by_id=user.pk, applicant__isnull=True)
    if agency_ids:
        condition |= Q(agency_id__in=agency_ids) | Q(receiving_agency_id__in=agency_ids)
    return base.filter(condition).exclude(Q(status="draft") & ~Q(filed_by_id=user.pk))


def by_code(queryset: QuerySet[Dossier], code: str) -> QuerySet[Dossier]:
    """The dossiers of ``queryset`` known by ``code``: our code or the code another system issued
    (``other_code``, R-NAT-102), the other system's first (R-NAT-101: a dossier filed on the
    national portal is known to its applicant by the national code). One statement, both columns
    indexed; take ``.first()``. An empty code matches nothing."""
    code = code.strip()
    if not code:
        return queryset.none()
    national_first = Case(
        When(other_code=code, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return queryset.filter(Q(other_code=code) | Q(code=code)).order_by(national_first, "pk")


def dossier_for_user(user: AnyUser, code: str) -> Dossier:
    dossier = by_code(visible_dossiers(user), code).first()
    if dossier is None:
        raise DossierNotFound(code)
    return dossier


def dossier_for_official(user: User, code: str) -> Dossier:
    """The dossier ``code`` if ``user`` works on it (or is the platform administrator), else
    ``DossierNotFound``: on top of ``dossier_for_user`` the officials' pages require a role at the
    competent or the receiving agency, so an official who happens to be the applicant of a dossier
    elsewhere does not see it there."""
    dossier = dossier_for_user(user, code)
    if not (is_platform_admin(user) or roles_on(user, dossier, "either")):
        raise DossierNotFound(code)
    return dossier


def dossier_for_receipt(user: AnyUser, code: str) -> Dossier:
    """A submitted dossier of any agency of the province, by its exact code, for a clerk of a
    one-stop counter (R-ACT-1: any counter receives any dossier), else ``DossierNotFound``.
    Only ``receive`` may be taken on it and only ``receipt_view`` shown; once received here, the
    counter is its receiving agency and the ordinary rules apply."""
    if not user.is_authenticated or not counter_agency_ids(user):
        raise DossierNotFound(code)
    dossier = by_code(
        Dossier.objects.select_related("procedure_version", "agency", "receiving_agency").filter(
            status=Status.SUBMITTED
        ),
        code,
    ).first()
    if dossier is None:
        raise DossierNotFound(code)
    return dossier


# What a counter does with a submitted dossier it found by its code (R-ACT-1): receive it, guide
# the applicant to complete it, or refuse it.
COUNTER_ACTIONS = frozenset({"receive", "request_supplement", "refuse"})


def dossier_for_action(user: AnyUser, code: str, action: str) -> Dossier:
    """The dossier to act on: ``dossier_for_user``, and for a counter's actions at receipt a
    submitted dossier found province-wide by a counter clerk (``dossier_for_receipt``)."""
    try:
        return dossier_for_user(user, code)
    except DossierNotFound:
        if action not in COUNTER_ACTIONS:
            raise
        return dossier_for_receipt(user, code)


def receipt_view(dossier: Dossier) -> dict[str, Any]:
    """What a counter needs to receive a dossier filed for another agency: the procedure, the
    competent agency, the applicant's name, the channel and the documents (present or missing);
    never the form's data, the applicant's identifiers or the history."""
    present = set(dossier.attachments.values_list("document_code", flat=True))
    return {
        "code": dossier.code,
        "procedure_name": dossier.procedure_version.name,
        "procedure_code": dossier.procedure_version.procedure.code,
        "agency": dossier.agency.name,
        "receiving_agency": dossier.receiving_agency.name,
        "applicant_name": dossier.applicant_name,
        "channel": dossier.get_channel_display(),
        "submitted_at": dossier.submitted_at,
        "documents": [
            {"name": d.name, "required": d.required, "present": d.code in present}
            for d in dossier.procedure_version.documents.all()
        ],
    }


def dossier_by_code(code: str) -> Dossier:
    """Any filed dossier by its code, for a caller whose right to every dossier was checked
    first (the collecting account's accountants match a bank credit to any dossier:
    ``tinhso.payments.selectors``). Drafts are nobody's but their author's: DossierNotFound."""
    dossier = by_code(Dossier.objects.exclude(status="draft"), code).first()
    if dossier is None:
        raise DossierNotFound(code)
    return dossier


def draft_for_user(user: AnyUser, pk: int) -> Dossier:
    dossier = visible_dossiers(user).filter(pk=pk, status="draft", filed_by_id=user.pk).first()
    if dossier is None:
        raise DossierNotFound(str(pk))
    return dossier


def is_owner(user: AnyUser, dossier: Dossier) -> bool:
    """The applicant with an account. A dossier entered at the counter for someone without an
    account has no owner: the clerk who typed it in acts as a clerk, never as the applicant."""
    if not user.is_authenticated or dossier.applicant_id is None:
        return False
    return bool(dossier.applicant_id == user.pk)


def roles_on(user: AnyUser, dossier: Dossier, scope: str) -> set[str]:
    roles = agency_roles(user)
    result: set[str] = set()
    if scope in ("competent", "either"):
        result |= roles.get(dossier.agency_id, set())
    if scope in ("receiving", "either", "counter"):
        result |= roles.get(dossier.receiving_agency_id, set())
    if scope == "counter" and counter_agency_ids(user):
        result.add(Role.CLERK)
    return result


@dataclass(frozen=True)
class Capacity:
    """What a user holds on one dossier, worked out once for every action checked against it
    (``available_actions`` checks the whole transition table)."""

    user_id: int | None
    owner: bool
    competent: frozenset[str]
    receiving: frozenset[str]
    counter: frozenset[str] = frozenset()  # {clerk} at a one-stop counter of the province

    def roles(self, scope: str) -> frozenset[str]:
        if scope == "competent":
            return self.competent
        if scope == "receiving":
            return self.receiving
        if scope == "counter":
            return self.competent | self.receiving | self.counter
        return self.competent | self.receiving


def capacity(user: AnyUser, dossier: Dossier) -> Capacity:
    if not user.is_authenticated:
        return Capacity(None, False, frozenset(), frozenset())
    roles = agency_roles(user)
    return Capacity(
        user_id=user.pk,
        owner=is_owner(user, dossier),
        competent=frozenset(roles.get(dossier.agency_id, ())),
        receiving=frozenset(roles.get(dossier.receiving_agency_id, ())),
        counter=frozenset({Role.CLERK}) if counter_agency_ids(user) else frozenset(),
    )


def current_step(dossier: Dossier) -> WorkflowStep | None:
    steps = getattr(dossier, "_steps", None)
    if steps is None:
        steps = list(dossier.procedure_version.steps.all())
        dossier._steps = steps  # type: ignore[attr-defined]
    for step in steps:
        if step.position == dossier.step_position:
            return step
    return None


def acting_role(
    user: AnyUser, dossier: Dossier, spec: ActionSpec, held: Capacity | None = None
) -> str | None:
    """The capacity in which ``user`` may take ``spec`` on ``dossier`` now, or None. ``held``:
    the user's ``capacity`` on the dossier when the caller has it already."""
    if dossier.status not in spec.from_states or not user.is_authenticated:
        return None
    if spec.step_action is not None:
        step = current_step(dossier)
        if step is None or step.action != spec.step_action:
            return None
        allowed = {step.role} & set(spec.actors)
    else:
        allowed = set(spec.actors)
    if (
        spec.name == "refuse"
        and dossier.status == "supplement_requested"
        and dossier.resume_status != "submitted"
    ):
        return None
    if held is None:
        held = capacity(user, dossier)
    if APPLICANT in allowed and held.owner:
        return APPLICANT
    roles = held.roles(spec.scope_for(dossier.status)) & allowed
    if not roles:
        return None
    if spec.name in ("complete_step", "approve", "send_back") and dossier.assignee_id not in (
        None,
        user.pk,
    ):
        return None
    return sorted(roles)[0]


def available_actions(user: AnyUser, dossier: Dossier) -> list[str]:
    held = capacity(user, dossier)
    return [
        name for name, spec in ACTIONS.items() if acting_role(user, dossier, spec, held) is not None
    ]


def public_lookup_key(code: str, phone_last4: str) -> str | None:
    """Anonymous lookup, first step: when ``code`` is a filed dossier whose applicant's phone
    ends in ``phone_last4``, a key that changes whenever the dossier does (its id, history
    sequence and last save), under which its ``public_lookup`` answer may be kept; else None.

    One indexed statement reading four columns (the digits are compared here, never kept)."""
    row = list(
        by_code(Dossier.objects.exclude(status=Status.DRAFT), code).values_list(
            "pk", "history_seq", "updated_at", "applicant_phone"
        )[:1]
    )
    if not row:
        return None
    pk, seq, updated_at, phone = row[0]
    if len(phone) < 4 or not hmac.compare_digest(phone[-4:], phone_last4):
        return None
    return f"{pk}:{seq}:{updated_at.timestamp():.6f}"


def public_lookup(code: str, phone_last4: str) -> dict[str, Any] | None:
    """Anonymous lookup by dossier code plus the last four digits of the applicant's phone: the
    public view (``public_view``), or None when the code is unknown, a draft, or the digits do
    not match.

    One SQL statement: the dossier's history rows joined with the few dossier, procedure and
    agency columns the view shows (every filed dossier has at least its filing in the history;
    one without any is looked up by a second statement).
    """
    code = code.strip()
    if not code:
        return None
    entries = list(
        HistoryEntry.objects.filter(Q(dossier__code=code) | Q(dossier__other_code=code))
        .exclude(dossier__status=Status.DRAFT)
        .select_related("dossier__procedure_version", "dossier__agency")
        .only(
            "seq",
            "action",
            "to_status",
            "at",
            *(f"dossier__{name}" for name in _PUBLIC_DOSSIER_FIELDS),
            "dossier__procedure_version__name",
            "dossier__agency__name",
        )
        .order_by("seq")
    )
    dossier: Dossier | None
    if entries:
        # Two dossiers may answer to the code (ours, another's national code): the national
        # one is meant, as everywhere (``by_code``).
        owners = {e.dossier_id: e.dossier for e in entries}
        dossier = min(owners.values(), key=lambda d: (d.other_code != code, d.pk))
        entries = [e for e in entries if e.dossier_id == dossier.pk]
    else:
        dossier = by_code(
            Dossier.objects.select_related("procedure_version", "agency")
            .only(*_PUBLIC_DOSSIER_FIELDS, "procedure_version__name", "agency__name")
            .exclude(status=Status.DRAFT),
            code,
        ).first()
    if dossier is None or len(dossier.applicant_phone) < 4:
        return None
    if not hmac.compare_digest(dossier.applicant_phone[-4:], phone_last4):
        return None
    return public_view(dossier, entries)


_PUBLIC_DOSSIER_FIELDS = (
    "code",
    "other_code",
    "status",
    "applicant_phone",
    "submitted_at",
    "received_at",
    "due_at",
    "returned_at",
)


def public_view(dossier: Dossier, history: list[HistoryEntry]) -> dict[str, Any]:
    """What anyone with the code and the phone digits may see: status, dates and the
    citizen-readable steps; never a name, an identifier or a comment."""
    steps = []
    for entry in history:
        if not is_public(entry.action):
            continue
        steps.append(
            {
                "label": action_label(entry.action),
                "status_label": str(Status(entry.to_status).label),
                "status_code": STATUS_CODES.get(entry.to_status),
                "at": entry.at,
            }
        )
    return {
        "code": dossier.code,
        "procedure_name": dossier.procedure_version.name,
        "agency": dossier.agency.name,
        "status": dossier.status,
        "status_code": dossier.status_code,
        "status_label": dossier.get_status_display(),
        "submitted_at": dossier.submitted_at,
        "received_at": dossier.received_at,
        "due_at": dossier.due_at,
        "returned_at": dossier.returned_at,
        "history": steps,
    }


def online_payment_share() -> tuple[int, int]:
    """(dossiers paid on-line, dossiers with a fee to pay) — the scheme's "> 50% paid on-line" target and
    Decision 766 indicator 3.6. Drafts and dossiers refused at receipt owe nothing and are left out."""
    owing = Dossier.objects.filter(fee_amount__gt=0).exclude(status__in=["draft", "refused"])
    return owing.filter(paid_online=True).count(), owing.count()
