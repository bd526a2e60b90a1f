"""Datasets, resources and organisations as CKAN's API dictionaries (``model_dictize``)."""

import datetime
from typing import Any

from django.urls import reverse

from tinhso.datasets.models import Dataset, DatastoreTable, Group, Organization, Resource


def ckan_time(value: datetime.datetime | None) -> str | None:
    """CKAN's timestamp format: UTC, ISO 8601 without the offset, with microseconds."""
    if value is None:
        return None
    return value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def file_url(base: str, resource: Resource) -> str:
    version = max(
        resource.versions.all(), key=lambda v: v.number, default=None
    )  # prefetch-friendly
    filename = version.filename if version else "tep"
    path = reverse(
        "datasets:file",
        kwargs={"name": resource.dataset.name, "rid": resource.pk, "filename": filename},
    )
    return base.rstrip("/") + path


def _has_datastore(resource: Resource) -> bool:
    try:
        return resource.datastore is not None
    except DatastoreTable.DoesNotExist:
        return False


def resource_dict(resource: Resource, base: str) -> dict[str, Any]:
    upload = resource.is_upload
    return {
        "id": str(resource.pk),
        "package_id": str(resource.dataset_id),
        "name": resource.name,
        "description": resource.description,
        "url": file_url(base, resource) if upload else resource.url,
        "url_type": "upload" if upload else None,
        "format": resource.format,
        "mimetype": resource.mimetype or None,
        "mimetype_inner": None,
        "hash": resource.hash,
        "size": resource.size,
        "position": resource.position,
        "state": "active",
        "resource_type": None,
        "created": ckan_time(resource.created),
        "last_modified": ckan_time(resource.last_modified),
        "metadata_modified": ckan_time(resource.last_modified or resource.created),
        "cache_url": None,
        "cache_last_updated": None,
        "datastore_active": _has_datastore(resource),
    }


def organization_dict(org: Organization, package_count: int | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": str(org.pk),
        "name": org.name,
        "title": org.title,
        "display_name": org.title,
        "description": org.description,
        "type": "organization",
        "is_organization": True,
        "state": "active",
        "approval_status": "approved",
        "image_url": "",
        "image_display_url": "",
        "created": ckan_time(org.created),
    }
    if package_count is not None:
        found["package_count"] = package_count
    return found


def group_dict(group: Group, package_count: int | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": str(group.pk),
        "name": group.name,
        "title": group.title,
        "display_name": group.title,
        "description": group.description,
        "type": "group",
        "is_organization": False,
        "state": "active",
        "approval_status": "approved",
        "image_url": "",
        "image_display_url": "",
        "created": ckan_time(group.created),
    }
    if package_count is not None:
        found["package_count"] = package_count
    return found


def extras(dataset: Dataset) -> list[dict[str, str]]:
    pairs = [
        ("temporal_start", dataset.temporal_start.isoformat() if dataset.temporal_start else ""),
        ("temporal_end", dataset.temporal_end.isoformat() if dataset.temporal_end else ""),
        ("spatial", ",".join(dataset.spatial_codes or [])),
        ("frequency", dataset.frequency),
    ]
    return [{"key": k, "value": v} for k, v in pairs if v]


def package_dict(dataset: Dataset, base: str) -> dict[str, Any]:
    """Expects tags, groups and resources prefetched by the caller when listing many."""
    tags = sorted(dataset.tags.all(), key=lambda t: t.name)
    resources = sorted(dataset.resources.all(), key=lambda r: r.position)
    return {
        "id": str(dataset.pk),
        "name": dataset.name,
        "title": dataset.title,
        "notes": dataset.notes,
        "type": "dataset",
        "state": dataset.state,
        "private": dataset.private,
        "owner_org": str(dataset.organization_id),
        "organization": organization_dict(dataset.organization),
        "author": None,
        "author_email": None,
        "maintainer": dataset.maintainer or None,
        "maintainer_email": dataset.maintainer_email or None,
        "license_id": dataset.license_id,
        "license_title": dataset.license_title,
        "license_url": dataset.license_url,
        "isopen": True,
        "url": "",
        "version": None,
        "metadata_created": ckan_time(dataset.metadata_created),
        "metadata_modified": ckan_time(dataset.metadata_modified),
        "tags": [
            {
                "id": str(t.pk),
                "name": t.name,
                "display_name": t.name,
                "state": "active",
                "vocabulary_id": None,
            }
            for t in tags
        ],
        "num_tags": len(tags),
        "groups": [group_dict(g) for g in sorted(dataset.groups.all(), key=lambda g: g.title)],
        "resources": [resource_dict(r, base) for r in resources],
        "num_resources": len(resources),
        "extras": extras(dataset),
        "relationships_as_object": [],
        "relationships_as_subject": [],
    }
