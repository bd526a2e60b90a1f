"""Which sections the signed-in user may open, for the links of the page header.

The pages check access themselves; this only hides links that would lead to a refusal. Computed lazily
so that pages which never render the header pay no query.
"""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def _sections(request: HttpRequest) -> dict[str, bool]:
    from tinhso.accounts.access import held_roles
    from tinhso.accounts.twofactor import needs_second_factor
    from tinhso.agencies.models import Role
    from tinhso.audit.access import can_read_audit
    from tinhso.ioc.selectors import ioc_access

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


def home_url(user: Any) -> str:
    """Where a user lands after signing in when no ``next`` page was asked for: the back office for
    those who handle dossiers, the audit log for auditors and security staff, the operations centre
    for leaders of an agency without dossiers, and the citizen's own dossiers otherwise."""
    from django.urls import reverse

    from tinhso.accounts.access import is_staff_member
    from tinhso.audit.access import can_read_audit
    from tinhso.ioc.selectors import ioc_access

    if is_staff_member(user):
        return reverse("backoffice:inbox")
    if can_read_audit(user):
        return reverse("audit:search")
    if ioc_access(user).any:
        return reverse("ioc:dashboard")
    return reverse("portal:my_dossiers")
