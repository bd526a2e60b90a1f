"""Fixtures for the store tests: the shared cast, logged-in clients, stored documents."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tinhso.stores import services
from tinhso.stores.models import StoredDocument
from tinhso.testing import PDF_BYTES, Cast, make_cast

ISSUED = datetime.datetime(2025, 8, 4, 9, 30, tzinfo=datetime.UTC)


@pytest.fixture
def cast(db) -> Cast:
    return make_cast()


@pytest.fixture
def citizen_client(cast) -> Client:
    client = Client()
    client.force_login(cast.citizen)
    return client


@pytest.fixture
def other_client(cast) -> Client:
    client = Client()
    client.force_login(cast.other_citizen)
    return client


def store_result(owner, cast: Cast, *, title: str = "Giấy khai sinh", **kwargs) -> StoredDocument:
    """An e-result as the results engine stores it."""
    return services.store_document(
        owner=owner,
        kind=StoredDocument.Kind.RESULT,
        title=title,
        content=kwargs.pop("content", PDF_BYTES),
        content_type="application/pdf",
        document_number=kwargs.pop("document_number", "123/GKS"),
        issuer=kwargs.pop("issuer", cast.dept),
        issued_at=kwargs.pop("issued_at", ISSUED),
        **kwargs,
    )


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
