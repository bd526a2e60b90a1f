"""Fixtures: the catalogue of ``tinhso.datasets.testing`` with uploads in a temporary media root."""

import pytest

from tinhso.datasets.testing import Catalogue, make_catalogue


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def catalogue(db, media) -> Catalogue:
    return make_catalogue()
