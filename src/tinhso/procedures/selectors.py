"""Read-side queries for the catalogue."""

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from tinhso.agencies.models import Agency
from tinhso.procedures.models import ProcedureVersion
from tinhso.text import fold


def current_versions(day: datetime.date | None = None) -> QuerySet[ProcedureVersion]:
    """The version of each procedure in force on ``day`` (today by default)."""
    day = day or timezone.localdate()
    in_force = ProcedureVersion.objects.filter(effective_from__lte=day).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gt=day)
    )
    return in_force.order_by("procedure__code", "-version").select_related(
        "procedure", "field", "default_agency", "receiving_agency"
    )


def search_procedures(
    query: str = "", day: datetime.date | None = None
) -> QuerySet[ProcedureVersion]:
    """Search with or without diacritics: every folded word must appear."""
    versions = current_versions(day)
    for word in fold(query).split():
        versions = versions.filter(search_text__contains=word)
    return versions.order_by("name")


def version_by_code(code: str, day: datetime.date | None = None) -> ProcedureVersion | None:
    return current_versions(day).filter(procedure__code=code).first()


def competent_agencies(version: ProcedureVersion) -> list[Agency]:
    """The active agencies that decide on ``version``: every commune committee for a commune-level
    procedure, else the agencies the procedure lists."""
    if version.level == ProcedureVersion.Level.COMMUNE:
        return list(Agency.objects.filter(kind=Agency.Kind.COMMUNE_COMMITTEE, is_active=True))
    return list(version.agencies.filter(is_active=True))
