"""Data behind the map and the sector panels (plain dicts, ready for ``json_script``)."""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tinhso.indicators import access
from tinhso.indicators.models import Sector, SectorUpload
from tinhso.indicators.sectors import INDICATORS, indicator
from tinhso.indicators.selectors import latest_upload
from tinhso.ioc import periods
from tinhso.ioc.periods import Period
from tinhso.ioc.selectors import Scope, breakdown, ioc_access
from tinhso.units.models import AdministrativeUnit
from tinhso.units.selectors import seats as unit_seats

SERVICE_METRICS = {
    "received": (gettext_noop("Hồ sơ tiếp nhận"), gettext_noop("hồ sơ")),
    "on_time_rate": (gettext_noop("Tỷ lệ đúng hạn"), "%"),
    "online_rate": (gettext_noop("Tỷ lệ nộp trực tuyến"), "%"),
    "satisfaction": (gettext_noop("Tỷ lệ hài lòng"), "%"),
}


def seats() -> dict[str, dict[str, Any]]:
    """The units' seat positions, from the units app (``units/data/seats.csv``), as plain dicts."""
    return {
        code: {"lat": seat.lat, "lon": seat.lon, "approximate": seat.approximate}
        for code, seat in unit_seats().items()
    }


def boundaries_path() -> Path | None:
    """The GeoJSON file of unit boundaries configured by the deployment, if it exists."""
    configured = getattr(settings, "TINHSO_IOC_BOUNDARIES", "")
    if not configured:
        return None
    path = Path(configured)
    return path if path.is_file() else None


def _unit_names(codes: set[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for code, name in (
        AdministrativeUnit.objects.filter(code__in=codes)
        .order_by("valid_from")
        .values_list("code", "name")
    ):
        names[code] = name  # the latest version's name
    return names


# --- sector panels ----------------------------------------------------------------------------


def sector_rows(sector: str, upload: SectorUpload | None) -> list[dict[str, Any]]:
    if upload is None:
        return []
    values = list(upload.values.order_by("indicator", "unit_code", "period"))
    names = _unit_names({v.unit_code for v in values if v.unit_code})
    rows = []
    for v in values:
        spec = indicator(sector, v.indicator)
        rows.append(
            {
                "indicator": v.indicator,
                "name": str(spec.name) if spec else v.indicator,
                "measure": str(spec.measure) if spec else "",
                "period": v.period,
                "unit_code": v.unit_code,
                "unit": names.get(v.unit_code, v.unit_code) if v.unit_code else _("Toàn tỉnh"),
                "value": v.value,
                "source": v.source,
                "is_demo": v.is_demo,
            }
        )
    return rows


def sector_chart(sector: str, upload: SectorUpload | None) -> list[dict[str, Any]]:
    """One chart per indicator with province-wide values over the periods of the file."""
    if upload is None:
        return []
    charts = []
    for spec in INDICATORS[sector]:
        points = [
            (v.period, float(v.value))
            for v in upload.values.filter(indicator=spec.code, unit_code="").order_by("period")
        ]
        if len(points) < 2:
            continue
        charts.append(
            {
                "id": f"chart-{spec.code}",
                "title": f"{spec.name} ({spec.measure})",
                "data": {
                    "labels": [p for p, _v in points],
                    "unit": str(spec.measure),
                    "series": [
                        {"name": str(spec.name), "type": "bar", "data": [v for _p, v in points]}
                    ],
                },
            }
        )
    return charts


# --- map -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MapChoice:
    metric: str
    period: Period
    options: list[tuple[str, str]]

    @classmethod
    def from_request(cls, params: Mapping[str, str], user: Any) -> "MapChoice":
        options = [(key, _(label)) for key, (label, _m) in SERVICE_METRICS.items()]
        for sector, sector_label in Sector.choices:
            for spec in INDICATORS[sector]:
                options.append((f"{sector}:{spec.code}", f"{sector_label} — {spec.name}"))
        metric = params.get("metric", "received")
        if metric not in {key for key, _l in options}:
            metric = "received"
        period_params = {k: v for k, v in params.items() if k in ("period", "month", "year")}
        if period_params.get("period") not in ("month", "year"):
            period_params["period"] = "year"
        return cls(metric, periods.parse_period(period_params), options)

    @property
    def label(self) -> str:
        return dict(self.options)[self.metric]


def _service_values(choice: MapChoice, user: Any) -> tuple[dict[int, float | None], str]:
    scope = Scope()
    note = ""
    grants = ioc_access(user)
    if not (grants.sees_all or access.sees_all(user)):
        if not grants.agency_ids:
            return {}, _("Bạn chỉ xem được số liệu của cơ quan mình; chưa có cơ quan nào.")
        scope = Scope(agency_id=min(grants.agency_ids))
        note = _("Chỉ gồm hồ sơ của cơ quan bạn lãnh đạo.")
    rows = breakdown(scope=scope, start=choice.period.start, end=choice.period.end, by="unit")
    units = {
        u.pk: u
        for u in AdministrativeUnit.objects.filter(
            pk__in=[int(r.key) for r in rows if r.key.isdigit()]
        )
    }
    sums: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        unit = units.get(int(row.key)) if row.key.isdigit() else None
        if unit is None:
            continue
        s = row.summary
        for target in filter(None, (unit.pk, unit.parent_id if unit.level == "commune" else None)):
            bucket = sums[target]
            bucket["received"] += s.received
            bucket["resolved"] += s.resolved
            bucket["in_time"] += s.early + s.on_time
            bucket["online"] += s.online_received
            bucket["rated"] += s.rated
            bucket["satisfied"] += s.satisfied

    def value(b: Mapping[str, int]) -> float | None:
        pairs = {
            "received": (b["received"], 0),
            "on_time_rate": (b["in_time"], b["resolved"]),
            "online_rate": (b["online"], b["received"]),
            "satisfaction": (b["satisfied"], b["rated"]),
        }
        numerator, denominator = pairs[choice.metric]
        if choice.metric == "received":
            return float(numerator)
        return round(numerator * 100 / denominator, 1) if denominator else None

    return {pk: value(b) for pk, b in sums.items()}, note


def map_data(choice: MapChoice, user: Any) -> dict[str, Any]:
    seat = seats()
    entries: list[dict[str, Any]] = []
    note = ""
    if choice.metric in SERVICE_METRICS:
        values, note = _service_values(choice, user)
        units = AdministrativeUnit.objects.filter(pk__in=list(values))
        for unit in units:
            entries.append(
                {
                    "code": unit.code,
                    "name": unit.name,
                    "level": unit.level,
                    "value": values[unit.pk],
                }
            )
        measure = _(SERVICE_METRICS[choice.metric][1])
    else:
        sector, code = choice.metric.split(":", 1)
        upload = latest_upload(sector)
        latest: dict[str, tuple[str, float, bool]] = {}
        if upload is not None:
            for v in upload.values.filter(indicator=code).exclude(unit_code=""):
                if v.unit_code not in latest or v.period > latest[v.unit_code][0]:
                    latest[v.unit_code] = (v.period, float(v.value), v.is_demo)
        names = _unit_names(set(latest))
        for unit_code, (period, number, is_demo) in latest.items():
            entries.append(
                {
                    "code": unit_code,
                    "name": names.get(unit_code, unit_code),
                    "value": number,
                    "period": period,
                    "demo": is_demo,
                }
            )
        spec = indicator(sector, code)
        measure = str(spec.measure) if spec else ""
    for entry in entries:
        where = seat.get(entry["code"])
        if where:
            entry.update(where)
    entries.sort(key=lambda e: (-(e["value"] or 0), e["name"]))
    return {"label": choice.label, "measure": measure, "units": entries, "note": note}
