"""Demo datasets (fixtures/demo/, facts with their sources) and the platform statistics.

``load()`` is idempotent: an organisation, group or dataset that exists is left as it is.
"""

import datetime
import json
from pathlib import Path
from typing import Any

from django.db import transaction

from tinhso.datasets import services, statistics
from tinhso.datasets.models import Dataset, Group, Organization

FIXTURES = Path(__file__).parent / "fixtures" / "demo"


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _dataset(spec: dict[str, Any]) -> None:
    if Dataset.objects.filter(name=spec["name"]).exists():
        return
    dataset = services.save_dataset(
        user=None,
        data=services.DatasetData(
            name=spec["name"],
            title=spec["title"],
            organization=Organization.objects.get(name=spec["organization"]),
            notes=spec["notes"],
            license_id=spec["license_id"],
            tags=spec["tags"],
            groups=list(Group.objects.filter(name__in=spec["groups"])),
            temporal_start=_date(spec.get("temporal_start")),
            temporal_end=_date(spec.get("temporal_end")),
            spatial_codes=spec["spatial_codes"],
            frequency=spec["frequency"],
        ),
    )
    res = spec["resource"]
    upload = services.DataFile(res["file"], (FIXTURES / res["file"]).read_bytes())
    resource = services.add_resource(user=None, dataset=dataset, name=res["name"], upload=upload)
    if res.get("types"):
        services.set_column_types(user=None, resource=resource, types=res["types"])


@transaction.atomic
def load() -> None:
    manifest = json.loads((FIXTURES / "datasets.json").read_text(encoding="utf-8"))
    for org in manifest["organizations"]:
        Organization.objects.get_or_create(
            name=org["name"], defaults={"title": org["title"], "email": org["email"]}
        )
    for group in manifest["groups"]:
        Group.objects.get_or_create(name=group["name"], defaults={"title": group["title"]})
    for spec in manifest["datasets"]:
        _dataset(spec)
    statistics.publish()
