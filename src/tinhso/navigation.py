"""Which sections the signed-in user may open, for the links of the page header.

The pages check access themselves; this only hides links that would lead to a refusal. Computed lazily
so that pages which never render the header pay no query.
"""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from tinhso.accounts.access import held_roles
from tinhso.accounts.twofactor import needs_second_factor
from tinhso.agencies.models import Role
from tinhso.audit.access import can_read_audit
from tinhso.ioc.selectors import ioc_access


def _sections(request: HttpRequest) -> dict[str, bool]:
    user = request.user
    if not user.is_authenticated:
        return {"ioc": False, "audit": False, "otp_staff": False, "security_keys": False}
    held = held_roles(user)
    return {
        "ioc": ioc_access(user).any,
        "audit": can_read_audit(user),
        "otp_staff": user.is_superuser or Role.AGENCY_ADMIN in held,
        "security_keys": needs_second_factor(user),
    }


def sections(request: HttpRequest) -> dict[str, Any]:
    return {"sections": SimpleLazyObject(lambda: _sections(request))}
