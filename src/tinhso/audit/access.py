"""Who may read the audit log and use the SOC page.

- search, entry detail, JSON-lines export: auditors, security staff, platform administrators;
- SOC page, alert acknowledgement, "verify now": security staff and platform administrators.

Everyone else signed in gets 404 (like the back office); anonymous users go to the login page.
The roles are platform-wide: the agency of the assignment is where the person works.
"""

import functools
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from tinhso.accounts.access import agency_roles, is_platform_admin
from tinhso.agencies.models import Role

P = ParamSpec("P")
R = TypeVar("R", bound=HttpResponseBase)


def platform_roles(user: Any) -> set[str]:
    roles: set[str] = set()
    for agency_role_set in agency_roles(user).values():
        roles |= agency_role_set
    return roles


def can_read_audit(user: Any) -> bool:
    return is_platform_admin(user) or bool(platform_roles(user) & {Role.AUDITOR, Role.SECURITY})


def can_operate_soc(user: Any) -> bool:
    return is_platform_admin(user) or Role.SECURITY in platform_roles(user)


def _guard(
    check: Callable[[Any], bool],
) -> Callable[[Callable[Concatenate[HttpRequest, P], R]], Callable[Concatenate[HttpRequest, P], R]]:
    def decorator(
        view: Callable[Concatenate[HttpRequest, P], R],
    ) -> Callable[Concatenate[HttpRequest, P], R]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> R:
            if not check(request.user):
                raise Http404
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


auditor_required = _guard(can_read_audit)
security_required = _guard(can_operate_soc)
