"""Who may see and change the programme pages.

Seeing: the leaders the operations centre admits (``tinhso.ioc.selectors.ioc_access``), every
official (staff of any agency — the departments that report need to see what they report on) and
the platform administrator. Changing a target's value, a task's progress or a sector's file: the
specialists, leaders and agency administrators of the agency responsible for it, and the platform
administrator.
"""

from typing import Any

from tinhso.accounts.access import agency_roles, is_platform_admin
from tinhso.agencies.models import Agency, Role
from tinhso.ioc.selectors import ioc_access

EDITING_ROLES = {Role.SPECIALIST, Role.LEADER, Role.AGENCY_ADMIN}


def sees_all(user: Any) -> bool:
    if not user.is_authenticated:
        return False
    return is_platform_admin(user) or bool(ioc_access(user).sees_all)


def can_view(user: Any) -> bool:
    if not user.is_authenticated:
        return False
    if is_platform_admin(user) or agency_roles(user):
        return True
    access = ioc_access(user)
    return bool(access.sees_all or access.agency_ids)


def can_edit_for(user: Any, agency: Agency | None) -> bool:
    if not user.is_authenticated:
        return False
    if is_platform_admin(user):
        return True
    if agency is None:
        return False
    return bool(agency_roles(user).get(agency.pk, set()) & EDITING_ROLES)


def allows_agency(user: Any, agency_id: int | None) -> bool:
    """May ``user`` see figures of ``agency_id`` (None: province-wide figures)?"""
    if is_platform_admin(user):
        return True
    access = ioc_access(user)
    if access.sees_all:
        return True
    return agency_id is not None and agency_id in set(access.agency_ids)
