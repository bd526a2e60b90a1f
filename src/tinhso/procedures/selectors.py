"""Read-side queries for the catalogue."""

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from tinhso.agencies.models import Agency
from tinhso.procedures import cache
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
    """Search with or without diacritics: every folded word must appear. A procedure the national
    TTHC database no longer lists for the province (``in_use`` false, R-NAT-041) is not offered."""
    versions = current_versions(day).filter(procedure__in_use=True)
    for word in fold(query).split():
        versions = versions.filter(search_text__contains=word)
    return versions.order_by("name")


def version_by_code(code: str, day: datetime.date | None = None) -> ProcedureVersion | None:
    """The version of procedure ``code`` in force on ``day``, with its procedure, field, agencies,
    documents and workflow steps: one statement (the version's id and the catalogue's stamp) when
    this process already holds that version as of that stamp (``tinhso.procedures.cache``).

    The instance may be shared with other requests of the process: read it, never change it."""
    row = list(
        current_versions(day)
        .filter(procedure__code=code)
        .annotate(stamp=cache.stamp_subquery())
        .values_list("pk", "stamp")[:1]
    )
    if not row:
        return None
    pk, stamp = row[0]
    return cache.version(pk, stamp, _load_version)


def _load_version(pk: int) -> tuple[ProcedureVersion, tuple[Agency, ...]]:
    version = (
        ProcedureVersion.objects.select_related(
            "procedure", "field", "default_agency", "receiving_agency"
        )
        .prefetch_related("documents", "steps")
        .get(pk=pk)
    )
    return version, tuple(_competent_query(version))


def competent_agencies(version: ProcedureVersion) -> list[Agency]:
    """The active agencies that decide on ``version``: every commune committee for a commune-level
    procedure, else the agencies the procedure lists (no query for a version from
    ``version_by_code``)."""
    kept = cache.competent(version)
    if kept is not None:
        return list(kept)
    return list(_competent_query(version))


def _competent_query(version: ProcedureVersion) -> QuerySet[Agency]:
    if version.level == ProcedureVersion.Level.COMMUNE:
        return Agency.objects.filter(kind=Agency.Kind.COMMUNE_COMMITTEE, is_active=True)
    return version.agencies.filter(is_active=True)
