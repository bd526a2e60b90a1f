"""Fixtures for the accounts tests: the shared cast and an empty cache (lockout counters)."""

import pytest
from django.core.cache import cache

from tinhso.testing import Cast, make_cast


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def cast(db) -> Cast:
    return make_cast()
