"""Read side of the catalogue, with the visibility rules.

Everyone sees active public datasets. Private and draft datasets are seen only by the staff of
the publishing organisation's agency and by platform admins; to everyone else they do not exist.
"""

from typing import Any

from django.db.models import Q, QuerySet

from tinhso.accounts.access import agency_roles, is_platform_admin
from tinhso.datasets.models import Dataset, Organization, Resource


def publishable_organizations(user: Any) -> QuerySet[Organization]:
    """Organisations the user may publish for."""
    if not getattr(user, "is_authenticated", False):
        return Organization.objects.none()
    if is_platform_admin(user):
        return Organization.objects.all()
    return Organization.objects.filter(agency_id__in=list(agency_roles(user)))


def can_publish(user: Any, organization: Organization) -> bool:
    return publishable_organizations(user).filter(pk=organization.pk).exists()


def visible_datasets(user: Any) -> QuerySet[Dataset]:
    base = Dataset.objects.exclude(state=Dataset.State.DELETED).select_related("organization")
    public = Q(private=False, state=Dataset.State.ACTIVE)
    if not getattr(user, "is_authenticated", False):
        return base.filter(public)
    if is_platform_admin(user):
        return base
    agencies = list(agency_roles(user))
    return (
        base.filter(public | Q(organization__agency_id__in=agencies))
        if agencies
        else base.filter(public)
    )


def dataset_for_user(user: Any, id_or_name: str) -> Dataset | None:
    query = Q(name=id_or_name)
    if is_uuid(id_or_name):
        query |= Q(pk=id_or_name)
    return visible_datasets(user).filter(query).first()


def resource_for_user(user: Any, resource_id: str) -> Resource | None:
    if not is_uuid(resource_id):
        return None
    return (
        Resource.objects.select_related("dataset", "dataset__organization")
        .filter(pk=resource_id, dataset__in=visible_datasets(user))
        .first()
    )


def is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
