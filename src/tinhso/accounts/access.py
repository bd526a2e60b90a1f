"""Who a signed-in person is at work: the access primitives every app builds its rules on.

These read only users and staff assignments (``tinhso.agencies``), never what the apps above
handle (dossiers, payments, the audit log …): the back office, the operations centre, the audit
pages and the open-data publisher all ask the same questions here and add their own rules on top.

- ``is_platform_admin``: the superuser or an account of kind "admin";
- ``agency_roles``: agency id → the roles held there today (cached on the user object);
- ``DOSSIER_ROLES``: the roles that handle dossiers;
- ``counter_agency_ids``: the one-stop counters where the user is a clerk (receipt anywhere in the
  province, R-ACT-1);
- ``staff_required`` / ``official``: the view decorator of the officials' pages and the typed user
  it guarantees. Everyone else gets "not found" (never "forbidden"), so the pages cannot be probed.
"""

import functools
from collections import defaultdict
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.utils import timezone

from tinhso.accounts.models import User
from tinhso.agencies.models import Agency, Role, StaffAssignment

AnyUser = User | AnonymousUser
P = ParamSpec("P")
R = TypeVar("R", bound=HttpResponseBase)
View = Callable[Concatenate[HttpRequest, P], R]

# Roles that handle dossiers. Auditors and security staff hold an assignment too, but read the audit
# log only: their role never opens an agency's dossiers.
DOSSIER_ROLES = frozenset({Role.CLERK, Role.SPECIALIST, Role.LEADER, Role.AGENCY_ADMIN})


def is_platform_admin(user: Any) -> bool:
    return bool(
        user.is_authenticated
        and (user.is_superuser or getattr(user, "kind", "") == User.Kind.ADMIN)
    )


def agency_roles(user: Any) -> dict[int, set[str]]:
    """Map agency id -> roles the user holds there today (cached on the user object)."""
    if not user.is_authenticated:
        return {}
    cached: dict[int, set[str]] | None = getattr(user, "_agency_roles", None)
    if cached is None:
        cached = defaultdict(set)
        today = timezone.localdate()
        assignments = StaffAssignment.objects.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=today),
            Q(valid_to__isnull=True) | Q(valid_to__gt=today),
            user_id=user.pk,
        )
        for agency_id, role in assignments.values_list("agency_id", "role"):
            cached[agency_id].add(role)
        cached = dict(cached)
        user._agency_roles = cached
    return cached


def held_roles(user: Any) -> set[str]:
    """Every role the user holds today, at any agency."""
    return {role for roles in agency_roles(user).values() for role in roles}


def dossier_agency_ids(user: Any) -> list[int]:
    """Agencies where the user handles dossiers (clerk, specialist, leader, agency admin)."""
    return [pk for pk, roles in agency_roles(user).items() if roles & DOSSIER_ROLES]


def staff_agencies(user: Any) -> QuerySet[Agency]:
    return Agency.objects.filter(pk__in=dossier_agency_ids(user))


def clerk_agency_ids(user: Any) -> set[int]:
    """Agencies where ``user`` works at the counter (receives dossiers)."""
    return {agency_id for agency_id, roles in agency_roles(user).items() if Role.CLERK in roles}


# Agencies whose clerks are one-stop counters of the province: the provincial public-administration
# service centre and the commune People's Committees (the commune centre). R-ACT-1 (Resolution
# 27/NQ-CP): any of them receives a dossier of any procedure, for any address in the province.
COUNTER_KINDS = frozenset({Agency.Kind.ONE_STOP_CENTRE, Agency.Kind.COMMUNE_COMMITTEE})


def counter_agency_ids(user: Any) -> list[int]:
    """The one-stop counters (``COUNTER_KINDS``) where ``user`` is a clerk today, in id order
    (cached on the user object): such a clerk receives any submitted dossier of the province."""
    clerk_at = clerk_agency_ids(user)
    if not clerk_at:
        return []
    cached: list[int] | None = getattr(user, "_counter_agency_ids", None)
    if cached is None:
        cached = sorted(
            Agency.objects.filter(
                pk__in=clerk_at, kind__in=COUNTER_KINDS, is_active=True
            ).values_list("pk", flat=True)
        )
        user._counter_agency_ids = cached
    return cached


def is_staff_member(user: Any) -> bool:
    """True for the platform administrator and for anyone handling dossiers somewhere (clerk,
    specialist, leader, agency administrator). Auditors and security staff hold an assignment
    too, but have their own audit pages and never enter the dossier back office."""
    return is_platform_admin(user) or bool(dossier_agency_ids(user))


def staff_required(view: View[P, R]) -> View[P, R]:
    """Sign-in required (redirect to the login page); then officials only, others get 404."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> R:
        if not is_staff_member(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def official(request: HttpRequest) -> User:
    """The signed-in official of a view wrapped in ``staff_required``."""
    user = request.user
    assert isinstance(user, User)
    return user
