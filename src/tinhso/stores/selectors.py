"""Read side of the personal document store: a citizen sees only their own documents.

Anything else is "not found", never "forbidden", so ids cannot be probed. Revoked documents stay
listed for their owner (marked) but are never offered for reuse.
"""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, QuerySet
from django.http import Http404

from tinhso.accounts.models import User
from tinhso.stores.models import StoredDocument

AnyUser = User | AnonymousUser


class DocumentNotFound(Http404):
    """No such document in this user's store (a 404 when it reaches a view)."""


def _owned(user: AnyUser) -> QuerySet[StoredDocument]:
    if not user.is_authenticated:
        return StoredDocument.objects.none()
    return StoredDocument.objects.filter(owner_id=user.pk).select_related("issuer")


def documents_for(user: AnyUser) -> QuerySet[StoredDocument]:
    """The user's documents that may be attached to a new dossier: their own, never revoked ones."""
    return _owned(user).filter(revoked=False).order_by("-created_at", "-pk")


def store_contents(user: AnyUser) -> QuerySet[StoredDocument]:
    """Everything in the user's store for the store page, revoked ones included, with how many
    dossiers reused each document (``reuse_count``)."""
    return _owned(user).annotate(reuse_count=Count("reuses")).order_by("-created_at", "-pk")


def document_for_user(user: AnyUser, pk: int, *, reusable: bool = False) -> StoredDocument:
    """One document of the user's store; ``reusable`` also refuses a revoked one."""
    found = (documents_for(user) if reusable else _owned(user)).filter(pk=pk).first()
    if found is None:
        raise DocumentNotFound(str(pk))
    return found
