"""Querying a datastore table with CKAN's ``datastore_search`` semantics.

Rows keep their values in a JSON column; filters and sorts cast the value to the column's type
at query time (numbers compare as numbers, not as text), which works the same on SQLite and
PostgreSQL (docs/adr/0007-datastore-storage.md). Dates and timestamps are stored in ISO form,
so their text order is their time order.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import BigIntegerField, F, FloatField, Func, Q, QuerySet, TextField
from django.db.models.expressions import OrderBy
from django.db.models.fields.json import KeyTransform, compile_json_path  # type: ignore[attr-defined]
from django.db.models.functions import Cast

from tinhso.datasets import tabular
from tinhso.datasets.models import DatastoreRow, DatastoreTable
from tinhso.text import fold

MAX_LIMIT = 32000
OPERATORS = {"eq": "exact", "lt": "lt", "lte": "lte", "gt": "gt", "gte": "gte"}


class DatastoreError(ValueError):
    """Invalid parameters; ``errors`` maps a parameter to its messages (CKAN's Validation Error)."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(str(errors))
        self.errors = errors


@dataclass
class Query:
    filters: dict[str, Any] = field(default_factory=dict)
    q: str | dict[str, str] = ""
    limit: int = 100
    offset: int = 0
    fields: list[str] | None = None
    sort: str = ""
    include_total: bool = True


@dataclass
class Page:
    fields: list[dict[str, str]]
    records: list[dict[str, Any]]
    total: int | None


class JsonText(Func):
    """The value of one key of ``data`` as SQL text, JSON null as SQL NULL, on both backends.

    (Django's KeyTextTransform gives the text 'null' for a JSON null on SQLite.)
    """

    output_field = TextField()

    def __init__(self, key: str) -> None:
        super().__init__(F("data"))
        self.key = key

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra: Any) -> Any:
        lhs, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "sqlite":
            return f"JSON_EXTRACT({lhs}, %s)", (*params, compile_json_path([self.key]))
        return f"({lhs} ->> %s)", (*params, self.key)


def _expression(column: str, kind: str) -> Any:
    if column == "_id":
        return F("n")
    text = JsonText(column)
    if kind == "int":
        return Cast(text, BigIntegerField())
    if kind == "numeric":
        return Cast(text, FloatField())
    return text


def _value(column: str, kind: str, raw: Any) -> Any:
    if raw is None:
        return None
    text = ("true" if raw else "false") if isinstance(raw, bool) else str(raw).strip()
    try:
        return tabular.cast(text, "int" if column == "_id" else kind)
    except (ValueError, OverflowError) as exc:
        raise DatastoreError(
            {"filters": [f'invalid value for field "{column}" of type {kind}: {raw!r}']}
        ) from exc


def _condition(alias: str, column: str, kind: str, wanted: Any) -> Q:
    if wanted is None:
        return Q(**{f"{alias}_text__isnull": True})
    if isinstance(wanted, dict):
        cond = Q()
        for op, v in wanted.items():
            if op not in OPERATORS:
                raise DatastoreError({"filters": [f'unknown operator "{op}"']})
            cond &= Q(**{f"{alias}__{OPERATORS[op]}": _value(column, kind, v)})
        return cond
    if isinstance(wanted, list):
        cond = Q(pk__in=[])
        for v in wanted:
            cond |= _condition(alias, column, kind, v)
        return cond
    value = _value(column, kind, wanted)
    if connection.vendor == "postgresql" and column != "_id":
        return Q(data__contains={column: value})  # jsonb @>, served by the GIN index
    return Q(**{alias: value})


def _filter(
    qs: QuerySet[DatastoreRow], types: dict[str, str], filters: dict[str, Any]
) -> QuerySet[DatastoreRow]:
    if not isinstance(filters, dict):
        raise DatastoreError({"filters": ["filters must be an object"]})
    for i, (column, wanted) in enumerate(filters.items()):
        if column not in types:
            raise DatastoreError({"filters": [f'field "{column}" not in table']})
        kind = types[column]
        alias = f"f{i}"
        typed = KeyTransform(column, "data") if kind == "bool" else _expression(column, kind)
        text = F("n") if column == "_id" else JsonText(column)
        qs = qs.annotate(**{alias: typed, f"{alias}_text": text})
        qs = qs.filter(_condition(alias, column, kind, wanted))
    return qs


def _search(qs: QuerySet[DatastoreRow], types: dict[str, str], q: Any) -> QuerySet[DatastoreRow]:
    if isinstance(q, dict):
        for column, text in q.items():
            if column not in types:
                raise DatastoreError({"q": [f'field "{column}" not in table']})
            alias = f"q_{len(qs.query.annotations)}"
            qs = qs.annotate(**{alias: Cast(JsonText(column), TextField())})
            qs = qs.filter(**{f"{alias}__icontains": str(text)})
        return qs
    for term in fold(str(q or "")).split():
        qs = qs.filter(search_text__contains=term)
    return qs


def _sort(qs: QuerySet[DatastoreRow], types: dict[str, str], sort: str) -> QuerySet[DatastoreRow]:
    order: list[OrderBy] = []
    for i, part in enumerate(p.strip() for p in str(sort or "").split(",")):
        if not part:
            continue
        words = part.split()
        column = words[0].strip('"')
        rest = [w.lower() for w in words[1:]]
        if column not in types:
            raise DatastoreError({"sort": [f'field "{column}" not in table']})
        descending = "desc" in rest
        nulls_first = "first" in rest if "nulls" in rest else descending
        alias = f"s{i}"
        qs = qs.annotate(**{alias: _expression(column, types[column])})
        expr = F(alias).desc if descending else F(alias).asc
        order.append(expr(nulls_first=True) if nulls_first else expr(nulls_last=True))
    return qs.order_by(*order, "n")


def search(table: DatastoreTable, query: Query) -> Page:
    """Run ``query`` on ``table``; DatastoreError for bad parameters."""
    types = {"_id": "int", **table.types}
    selected = query.fields if query.fields is not None else list(types)
    for column in selected:
        if column not in types:
            raise DatastoreError({"fields": [f'field "{column}" not in table']})
    if query.limit < 0 or query.offset < 0:
        raise DatastoreError({"limit": ["Must be a natural number"]})
    limit = min(query.limit, MAX_LIMIT)
    qs = table.rows.all()
    qs = _filter(qs, types, query.filters)
    qs = _search(qs, types, query.q)
    total = qs.count() if query.include_total else None
    qs = _sort(qs, types, query.sort)
    records = [
        {c: (n if c == "_id" else data.get(c)) for c in selected}
        for n, data in qs.values_list("n", "data")[query.offset : query.offset + limit]
    ]
    return Page([{"id": c, "type": types[c]} for c in selected], records, total)


def iter_rows(table: DatastoreTable, chunk: int = 2000) -> Iterator[list[Any]]:
    """All rows in load order as lists in column order, read in chunks (for downloads)."""
    columns = [f["id"] for f in table.fields]
    for data in table.rows.order_by("n").values_list("data", flat=True).iterator(chunk_size=chunk):
        yield [data.get(c) for c in columns]


def as_csv(records: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in records:
        writer.writerow(
            [
                "" if v is None else ("true" if v else "false") if isinstance(v, bool) else v
                for v in row
            ]
        )
    return out.getvalue()
