"""The counter (quầy một cửa): which procedures and agencies a clerk may enter dossiers for.

A clerk of a one-stop counter of the province (the provincial centre or a commune's,
``accounts.access.COUNTER_KINDS``) enters a paper dossier of any procedure for any address in the
province (R-ACT-1, Resolution 27/NQ-CP); the platform routes it to the competent agency chosen
here, and the counter is recorded as its receiving agency.
"""

from django.db.models import Q, QuerySet

from tinhso.accounts.access import clerk_agency_ids, counter_agency_ids
from tinhso.accounts.models import User
from tinhso.agencies.models import Agency
from tinhso.procedures.models import ProcedureVersion
from tinhso.procedures.selectors import current_versions


def receivable_versions(user: User) -> QuerySet[ProcedureVersion]:
    """Procedures in force that ``user`` can receive at the counter of one of their agencies.

    A clerk of a one-stop counter receives every procedure. Another clerk (a department's)
    receives a province-level procedure when the department is its receiving agency, or is
    competent and the procedure names no receiving agency.
    """
    clerk_at = clerk_agency_ids(user)
    if not clerk_at:
        return ProcedureVersion.objects.none()
    versions = current_versions()
    if not counter_agency_ids(user):
        versions = versions.filter(
            Q(level=ProcedureVersion.Level.PROVINCE)
            & (
                Q(receiving_agency_id__in=clerk_at)
                | Q(receiving_agency__isnull=True, agencies__in=clerk_at)
            )
        )
    return versions.distinct().order_by("name", "procedure__code")


def counter_agencies(user: User, version: ProcedureVersion) -> QuerySet[Agency] | None:
    """The competent agencies the clerk may file for, or None when the procedure fixes it.

    At a one-stop counter: any competent agency of the procedure (for a commune-level one, every
    commune of the province; the clerk picks the applicant's), None when it has only one.
    """
    clerk_at = clerk_agency_ids(user)
    if counter_agency_ids(user):
        if version.level == ProcedureVersion.Level.COMMUNE:
            return Agency.objects.filter(
                kind=Agency.Kind.COMMUNE_COMMITTEE, is_active=True
            ).order_by("name")
        competent = version.agencies.filter(is_active=True).order_by("name")
        return competent if competent.count() > 1 else None
    if version.receiving_agency_id is None:
        return version.agencies.filter(pk__in=clerk_at, is_active=True).order_by("name")
    return None


def counter_of(user: User) -> Agency | None:
    """The one-stop counter where ``user`` enters dossiers (the first, for a clerk of several)."""
    ids = counter_agency_ids(user)
    return Agency.objects.filter(pk=ids[0]).first() if ids else None
