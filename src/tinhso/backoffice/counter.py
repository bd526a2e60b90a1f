"""The counter (quầy một cửa): which procedures and agencies a clerk may enter dossiers for."""

from django.db.models import Q, QuerySet

from tinhso.accounts.access import clerk_agency_ids
from tinhso.accounts.models import User
from tinhso.agencies.models import Agency
from tinhso.procedures.models import ProcedureVersion
from tinhso.procedures.selectors import current_versions


def receivable_versions(user: User) -> QuerySet[ProcedureVersion]:
    """Procedures in force that ``user`` can receive at the counter of one of their agencies.

    A province-level procedure is received by its one-stop counter (``receiving_agency``), or
    by a competent agency when it names none; a commune-level one by any commune People's
    Committee, so by every clerk of one.
    """
    clerk_at = clerk_agency_ids(user)
    if not clerk_at:
        return ProcedureVersion.objects.none()
    province = Q(level=ProcedureVersion.Level.PROVINCE) & (
        Q(receiving_agency_id__in=clerk_at)
        | Q(receiving_agency__isnull=True, agencies__in=clerk_at)
    )
    condition = province
    communes = Agency.objects.filter(
        pk__in=clerk_at, kind=Agency.Kind.COMMUNE_COMMITTEE, is_active=True
    )
    if communes.exists():
        condition |= Q(level=ProcedureVersion.Level.COMMUNE)
    return current_versions().filter(condition).distinct().order_by("name", "procedure__code")


def counter_agencies(user: User, version: ProcedureVersion) -> QuerySet[Agency] | None:
    """The competent agencies the clerk may file for, or None when the procedure fixes it."""
    clerk_at = clerk_agency_ids(user)
    if version.level == ProcedureVersion.Level.COMMUNE:
        return Agency.objects.filter(
            pk__in=clerk_at, kind=Agency.Kind.COMMUNE_COMMITTEE, is_active=True
        ).order_by("name")
    if version.receiving_agency_id is None:
        return version.agencies.filter(pk__in=clerk_at, is_active=True).order_by("name")
    return None
