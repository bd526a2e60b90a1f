"""Who may enter the back office, and how its views load a dossier.

The back office is for officials: a signed-in user handling dossiers at some agency (see
``selectors.DOSSIER_ROLES``), or the platform administrator. Everyone else gets "not found"
(never "forbidden"), like the dossier selectors, so the pages cannot be probed.
"""

import functools
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from tinhso.accounts.models import User
from tinhso.agencies.models import Role
from tinhso.dossiers import selectors
from tinhso.dossiers.models import Dossier

P = ParamSpec("P")
R = TypeVar("R", bound=HttpResponseBase)
View = Callable[Concatenate[HttpRequest, P], R]


def is_staff_member(user: Any) -> bool:
    """True for the platform administrator and for anyone handling dossiers somewhere (clerk,
    specialist, leader, agency administrator). Auditors and security staff hold an assignment
    too, but have their own audit pages and never enter the dossier back office."""
    return selectors.is_platform_admin(user) or bool(selectors.dossier_agency_ids(user))


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


def clerk_agency_ids(user: User) -> set[int]:
    """Agencies where ``user`` works at the counter (receives dossiers)."""
    return {
        agency_id
        for agency_id, roles in selectors.agency_roles(user).items()
        if Role.CLERK in roles
    }


def dossier_for_official(user: User, code: str) -> Dossier:
    """The dossier ``code`` if ``user`` works on it (or is the platform administrator), else 404.

    Loading goes through ``selectors.dossier_for_user``; on top of it the back office requires
    a role at the competent or the receiving agency, so an official who happens to be the
    applicant of a dossier elsewhere does not see it here.
    """
    try:
        dossier = selectors.dossier_for_user(user, code)
    except selectors.DossierNotFound:
        raise Http404 from None
    if not (selectors.is_platform_admin(user) or selectors.roles_on(user, dossier, "either")):
        raise Http404
    return dossier
