"""Salinity limits per water use and the alert levels derived from them.

The limits are facts with sources, kept in ``data/thresholds.json`` (one value per use; the
alternatives found in other sources are listed there and in docs/sensors.md). Levels of a use
are multiples of its limit: 1 from the limit, 2 from twice, 3 from four times. An alert is raised
when a reading reaches the limit and cleared only when it falls below the limit minus
:data:`HYSTERESIS` (20 %), so a reading hovering around the limit does not flap.
"""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.translation import gettext_lazy as _

DATA = Path(__file__).resolve().parent / "data"
HYSTERESIS = 0.2
LEVEL_FACTORS = (1.0, 2.0, 4.0)  # level n starts at LEVEL_FACTORS[n-1] × the limit
SALINITY_CODE = "salinity"
LEVEL_NAMES = {
    0: _("Dưới ngưỡng"),
    1: _("Vượt ngưỡng"),
    2: _("Gấp đôi ngưỡng"),
    3: _("Gấp bốn ngưỡng"),
}
MAP_LEVEL_NAMES = {
    0: _("Nước ngọt (≤ 0,5 g/L)"),
    1: _("Lợ nhẹ (0,5–1 g/L)"),
    2: _("Lợ (1–2 g/L)"),
    3: _("Mặn (2–4 g/L)"),
    4: _("Rất mặn (> 4 g/L)"),
}


@dataclass(frozen=True)
class Use:
    code: str
    name: str
    threshold: float
    source: str
    alternatives: str

    def level(self, value: float) -> int:
        """0 below the limit, then 1, 2, 3 at 1×, 2× and 4× the limit."""
        return sum(1 for factor in LEVEL_FACTORS if value >= factor * self.threshold)

    @property
    def clear_below(self) -> float:
        return self.threshold * (1 - HYSTERESIS)


@cache
def uses() -> dict[str, Use]:
    """Every use, by code, in the order of the data file."""
    raw = json.loads((DATA / "thresholds.json").read_text(encoding="utf-8"))
    return {
        u["code"]: Use(u["code"], u["name"], float(u["threshold"]), u["source"], u["alternatives"])
        for u in raw["uses"]
    }


@cache
def map_bounds() -> tuple[float, ...]:
    raw = json.loads((DATA / "thresholds.json").read_text(encoding="utf-8"))
    return tuple(float(b) for b in raw["map_levels"]["upper_bounds"])


def map_level(value: float | None) -> int | None:
    """The map colour level 0–4 (BASWAP demo scale: ≤0.5, ≤1, ≤2, ≤4, >4 g/L)."""
    if value is None:
        return None
    return sum(1 for bound in map_bounds() if value > bound)
