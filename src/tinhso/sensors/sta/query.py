"""The OData query options of SensorThings, for the subset Tỉnh Số serves.

``$filter``: comparisons ``eq ne gt ge lt le`` between a property and a literal (number,
``'string'``, ISO 8601 time with zone, ``true``/``false``/``null``), combined with ``and``,
``or``, ``not`` and parentheses, e.g.
``phenomenonTime ge 2016-03-01T00:00:00Z and phenomenonTime lt 2016-04-01T00:00:00Z and result gt 4``.
Functions (``substringof``, ``geo.intersects``, arithmetic …) are refused with a clear 400.
``$orderby``: properties with ``asc``/``desc``. ``$expand``: navigation properties, each with
optional ``($top=…;$skip=…;$orderby=…;$filter=…;$select=…)``, one level deep.
"""

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

OPERATORS = {"eq": "exact", "ne": "exact", "gt": "gt", "ge": "gte", "lt": "lt", "le": "lte"}
DEFAULT_TOP = 100
MAX_TOP = 10000
TOKEN_RE = re.compile(
    r"""\s*(?:
      (?P<time>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})?)
    | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
    | (?P<string>'(?:[^']|'')*')
    | (?P<paren>[()])
    | (?P<name>[A-Za-z@$][\w@./$]*)
    | (?P<bad>\S)
    )""",
    re.VERBOSE,
)


class QueryError(ValueError):
    """A query option Tỉnh Số does not understand; answered with HTTP 400."""


@dataclass(frozen=True)
class Prop:
    """A filterable/sortable property: its ORM path and its kind (number, time, text, id, json)."""

    path: str
    kind: str


def _literal(kind: str, value: str) -> Any:
    if kind == "time":
        try:
            parsed = datetime.datetime.fromisoformat(value)
        except ValueError:
            raise QueryError(f"Not an ISO 8601 time: {value}") from None
        if parsed.tzinfo is None:
            raise QueryError(f"Time without a zone: {value} (add Z)")
        return parsed
    if kind == "number":
        return float(value)
    if kind == "id":
        return int(float(value))
    if kind == "string":
        return value[1:-1].replace("''", "'")
    return value


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    for match in TOKEN_RE.finditer(text):
        kind = match.lastgroup
        if kind is None:
            continue
        value = match.group(kind)
        if kind == "bad":
            raise QueryError(f"Unexpected character {value!r} in $filter")
        tokens.append((kind, value))
    return tokens


class _FilterParser:
    def __init__(self, text: str, props: dict[str, Prop]) -> None:
        self.tokens = tokenize(text)
        self.pos = 0
        self.props = props

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise QueryError("$filter ends too early")
        self.pos += 1
        return token

    def word(self, *words: str) -> bool:
        token = self.peek()
        if token and token[0] == "name" and token[1] in words:
            self.pos += 1
            return True
        return False

    def parse(self) -> Q:
        q = self.expr()
        if self.peek() is not None:
            raise QueryError(f"Unexpected {self.peek()[1]!r} in $filter")  # type: ignore[index]
        return q

    def expr(self) -> Q:
        q = self.conjunction()
        while self.word("or"):
            q = q | self.conjunction()
        return q

    def conjunction(self) -> Q:
        q = self.unary()
        while self.word("and"):
            q = q & self.unary()
        return q

    def unary(self) -> Q:
        if self.word("not"):
            return ~self.unary()
        token = self.peek()
        if token == ("paren", "("):
            self.take()
            q = self.expr()
            if self.take() != ("paren", ")"):
                raise QueryError("Missing ')' in $filter")
            return q
        return self.comparison()

    def comparison(self) -> Q:
        left = self.take()
        op = self.take()
        right = self.take()
        if op[0] != "name" or op[1] not in OPERATORS:
            raise QueryError(
                f"Unsupported operator {op[1]!r}; use eq, ne, gt, ge, lt, le (functions and"
                " arithmetic are not supported)"
            )
        operator = op[1]
        if left[0] != "name" and right[0] == "name":  # 4 lt result → result gt 4
            left, right = right, left
            operator = {"gt": "lt", "lt": "gt", "ge": "le", "le": "ge"}.get(operator, operator)
        if left[0] != "name" or left[1] in ("true", "false", "null"):
            raise QueryError("A comparison needs a property on one side")
        prop = self.props.get(left[1])
        if prop is None:
            known = ", ".join(sorted(self.props))
            raise QueryError(f"Cannot filter on {left[1]!r}; supported: {known}")
        if right[0] == "name" and right[1] == "null":
            q = Q(**{f"{prop.path}__isnull": True})
            return ~q if operator == "ne" else q
        if right[0] == "name" and right[1] in ("true", "false"):
            value: Any = right[1] == "true"
        elif right[0] == "paren" or right[0] == "name":
            raise QueryError(f"Expected a literal after {operator}, got {right[1]!r}")
        else:
            value = self._value(prop, right)
        q = Q(**{f"{prop.path}__{OPERATORS[operator]}": value})
        return ~q if operator == "ne" else q

    def _value(self, prop: Prop, token: tuple[str, str]) -> Any:
        kind, text = token
        if prop.kind == "time":
            if kind != "time":
                raise QueryError(
                    f"Compare {prop.path} with an ISO 8601 time such as 2016-03-01T00:00:00Z"
                )
            return _literal("time", text)
        if prop.kind in ("number", "id"):
            if kind != "number":
                raise QueryError(f"Compare with a number, not {text!r}")
            return _literal(prop.kind, text)
        if kind != "string":
            raise QueryError(f"Compare text with a quoted string such as 'Mỹ Hóa', not {text}")
        return _literal("string", text)


def parse_filter(text: str, props: dict[str, Prop]) -> Q:
    return _FilterParser(text, props).parse()


def parse_orderby(text: str, props: dict[str, Prop]) -> list[str]:
    order: list[str] = []
    for part in text.split(","):
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1] not in ("asc", "desc")):
            raise QueryError(f"Bad $orderby item {part.strip()!r}")
        prop = props.get(words[0])
        if prop is None or prop.kind == "json":
            raise QueryError(f"Cannot order by {words[0]!r}")
        order.append(("-" if len(words) == 2 and words[1] == "desc" else "") + prop.path)
    return order


def _split_top_level(text: str, sep: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == sep and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if depth != 0:
        raise QueryError("Unbalanced parentheses in $expand")
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


@dataclass
class Options:
    top: int = DEFAULT_TOP
    skip: int = 0
    count: bool = False
    filter: str = ""
    orderby: str = ""
    select: list[str] = field(default_factory=list)
    expand: dict[str, "Options"] = field(default_factory=dict)


def _int(name: str, value: str, upper: int | None = None) -> int:
    try:
        number = int(value)
    except ValueError:
        raise QueryError(f"{name} must be a non-negative integer") from None
    if number < 0:
        raise QueryError(f"{name} must be a non-negative integer")
    return min(number, upper) if upper is not None else number


KNOWN = {"$top", "$skip", "$count", "$filter", "$orderby", "$select", "$expand", "$resultFormat"}


def parse_options(params: dict[str, str], nested: bool = False) -> Options:
    """The query options of a request (or of one ``$expand`` item when ``nested``)."""
    unknown = [k for k in params if k.startswith("$") and k not in KNOWN]
    if unknown:
        raise QueryError(f"Unsupported query option {unknown[0]}")
    opts = Options()
    if "$top" in params:
        opts.top = _int("$top", params["$top"], MAX_TOP)
    if "$skip" in params:
        opts.skip = _int("$skip", params["$skip"])
    if "$count" in params:
        if params["$count"] not in ("true", "false"):
            raise QueryError("$count must be true or false")
        opts.count = params["$count"] == "true"
    opts.filter = params.get("$filter", "")
    opts.orderby = params.get("$orderby", "")
    if params.get("$select"):
        opts.select = [s.strip() for s in params["$select"].split(",") if s.strip()]
    if params.get("$resultFormat") not in (None, "", "default"):
        raise QueryError("Only the default $resultFormat is supported")
    for item in _split_top_level(params.get("$expand", ""), ","):
        match = re.fullmatch(r"([A-Za-z]+)(?:\((.*)\))?", item, re.DOTALL)
        if match is None:
            raise QueryError(f"Unsupported $expand item {item!r} (one level, no paths)")
        inner: dict[str, str] = {}
        for option in _split_top_level(match.group(2) or "", ";"):
            key, sep, value = option.partition("=")
            if not sep:
                raise QueryError(f"Bad option {option!r} inside $expand")
            inner[key.strip()] = value.strip()
        if nested and "$expand" in inner:
            raise QueryError("$expand is supported one level deep")
        opts.expand[match.group(1)] = parse_options(inner, nested=True)
    if nested and opts.expand:
        raise QueryError("$expand is supported one level deep")
    return opts
