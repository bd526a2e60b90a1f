"""Dataset search with CKAN's ``package_search`` semantics (the Solr subset clients use).

``q`` is folded like every search in the project, so "nuoc man" finds "Nước mặn"; ``field:value``
terms in ``q`` or ``fq`` filter on organisation, tag, format, group, licence, name or id.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, ExpressionWrapper, IntegerField, Q, QuerySet, Value, When

from tinhso.datasets.models import Dataset
from tinhso.text import fold

FILTERS = {
    "organization": "organization__name",
    "owner_org": "organization_id",
    "tags": "tags__name",
    "res_format": "resources__format__iexact",
    "groups": "groups__name",
    "license_id": "license_id",
    "name": "name",
    "id": "pk",
}
ALWAYS_TRUE = {
    "dataset_type": "dataset",
    "type": "dataset",
    "capacity": "public",
    "state": "active",
}
SORTS = {
    "score": "score",
    "metadata_modified": "metadata_modified",
    "metadata_created": "metadata_created",
    "title_string": "search_title",
    "title": "search_title",
    "name": "name",
}
FACET_FIELDS = {
    "organization": ("organization__name", "organization__title"),
    "tags": ("tags__name", "tags__name"),
    "res_format": ("resources__format", "resources__format"),
    "groups": ("groups__name", "groups__title"),
    "license_id": ("license_id", "license_id"),
}
_TERM = re.compile(r'([+-]?)([A-Za-z_]+):("(?:[^"\\]|\\.)*"|[^\s"]+)')


class SearchQueryError(ValueError):
    pass


@dataclass
class SearchParams:
    q: str = ""
    fq: list[str] = field(default_factory=list)
    rows: int = 10
    start: int = 0
    sort: str = "score desc, metadata_modified desc"
    facet_fields: list[str] = field(default_factory=list)
    facet_limit: int = 50
    facet_mincount: int = 1


@dataclass
class SearchResult:
    count: int
    results: Sequence[Dataset]
    facets: dict[str, list[dict[str, Any]]]


def _unquote(value: str) -> str:
    if value.startswith('"') and value.endswith('"'):
        return value[1:-1].replace('\\"', '"')
    return value


def _apply_terms(
    qs: QuerySet[Dataset], text: str, *, strict: bool
) -> tuple[QuerySet[Dataset], str]:
    """Apply ``field:value`` terms; return the queryset and the free text that is left."""

    def apply(match: re.Match[str]) -> str:
        nonlocal qs
        sign, name, raw = match.groups()
        value = _unquote(raw)
        if name in ALWAYS_TRUE:
            return " "
        if name not in FILTERS:
            if strict:
                raise SearchQueryError(f"Unknown field in filter query: {name}")
            return match.group(0)
        condition = Q(**{FILTERS[name]: value})
        qs = qs.exclude(condition) if sign == "-" else qs.filter(condition)
        return " "

    rest = _TERM.sub(apply, text)
    rest = re.sub(r"\b(AND|OR)\b|[()+]", " ", rest)
    if strict and rest.strip():
        raise SearchQueryError(f"Cannot parse filter query: {rest.strip()}")
    return qs, rest


def _order(sort: str) -> list[str]:
    order: list[str] = []
    for part in (p.strip() for p in sort.split(",")):
        if not part:
            continue
        name, _space, direction = part.partition(" ")
        direction = direction.strip().lower() or "asc"
        if name not in SORTS or direction not in ("asc", "desc"):
            raise SearchQueryError(f"Can't determine sort order: {part}")
        order.append(("-" if direction == "desc" else "") + SORTS[name])
    return [*order, "name"]


def search(base: QuerySet[Dataset], params: SearchParams) -> SearchResult:
    """Filter ``base`` (already restricted to what the caller may see) as CKAN would."""
    qs = base
    for fq in params.fq:
        qs, _rest = _apply_terms(qs, fq, strict=True)
    q = "" if params.q.strip() in ("", "*:*") else params.q
    qs, text = _apply_terms(qs, q, strict=False)
    terms = fold(text).split()
    for term in terms:
        qs = qs.filter(search_text__contains=term)
    matching = Dataset.objects.filter(pk__in=qs.values("pk"))
    score = sum(
        (Case(When(search_title__contains=t, then=Value(2)), default=Value(1)) for t in terms),
        Value(0),
    )
    ordered = matching.annotate(score=ExpressionWrapper(score, output_field=IntegerField()))
    ordered = ordered.order_by(*_order(params.sort))
    page = list(
        ordered.select_related("organization", "organization__agency").prefetch_related(
            "tags", "groups", "resources__versions", "resources__datastore"
        )[params.start : params.start + params.rows]
    )
    return SearchResult(matching.count(), page, facets(matching, params))


def facets(matching: QuerySet[Dataset], params: SearchParams) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for name in params.facet_fields:
        if name not in FACET_FIELDS:
            found[name] = []
            continue
        key, label = FACET_FIELDS[name]
        rows = (
            matching.exclude(**{f"{key}__isnull": True})
            .values(key, label)
            .annotate(count=Count("pk", distinct=True))
            .order_by("-count", key)
        )
        items = [
            {"name": r[key], "display_name": r[label], "count": r["count"]}
            for r in rows
            if r["count"] >= params.facet_mincount and r[key] != ""
        ]
        found[name] = items if params.facet_limit < 0 else items[: params.facet_limit]
    return found
