"""Loading the scheme's targets (``data/scheme_targets.json``) and the four sector panels.

Idempotent: targets are matched by code and their facts updated; values entered by departments,
the responsible agency chosen by an administrator and tasks are never touched.
"""

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data" / "scheme_targets.json"
SECTORS = ("health", "education", "tourism", "agriculture")
FACT_FIELDS = (
    "title",
    "measure",
    "direction",
    "baseline_value",
    "baseline_year",
    "baseline_note",
    "baseline_source",
    "target_2025",
    "target_2030",
    "target_text",
    "target_source",
    "unconfirmed",
    "computed",
)


def scheme_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    return data


def _source(keys: str, sources: dict[str, str]) -> str:
    return "; ".join(f"{key}: {sources[key]}" if key in sources else key for key in keys.split())


def load_targets(target_model: Any, panel_model: Any) -> int:
    """Create or update every target; works with the real or the historical (migration) models."""
    data = scheme_data()
    sources = data["sources"]
    for position, spec in enumerate(data["targets"], start=1):
        values = {
            "title": spec["title"],
            "measure": spec.get("measure", "%"),
            "direction": spec.get("direction", "higher"),
            "baseline_value": spec.get("baseline_value"),
            "baseline_year": spec.get("baseline_year"),
            "baseline_note": spec.get("baseline_note", ""),
            "baseline_source": _source(spec.get("baseline_source", ""), sources),
            "target_2025": spec.get("target_2025"),
            "target_2030": spec.get("target_2030"),
            "target_text": spec.get("target_text", ""),
            "target_source": _source(spec.get("target_source", ""), sources),
            "unconfirmed": spec.get("unconfirmed", ""),
            "computed": spec.get("computed", ""),
            "position": position,
        }
        target_model.objects.update_or_create(code=spec["code"], defaults=values)
    for sector in SECTORS:
        panel_model.objects.get_or_create(sector=sector)
    return len(data["targets"])
