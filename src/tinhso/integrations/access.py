"""Who may see and operate the integration layer: the integration operators (role
``integration``, platform-wide like the auditors of issue 5: the assignment's agency is where the
person works) and the platform administrator. Everyone else signed in gets 404 on the pages and
403 on the API; anonymous visitors go to the login page."""

import functools
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from tinhso.accounts.access import held_roles, is_platform_admin
from tinhso.agencies.models import Role

P = ParamSpec("P")
R = TypeVar("R", bound=HttpResponseBase)


def can_operate_integrations(user: Any) -> bool:
    return is_platform_admin(user) or Role.INTEGRATION in held_roles(user)


def integration_required(
    view: Callable[Concatenate[HttpRequest, P], R],
) -> Callable[Concatenate[HttpRequest, P], R]:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> R:
        if not can_operate_integrations(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(wrapped)
