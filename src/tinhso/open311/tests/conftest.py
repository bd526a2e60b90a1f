import pytest

from tinhso.open311 import adapter as registry
from tinhso.open311.services import create_api_key
from tinhso.open311.tests.memory import MemoryAdapter


@pytest.fixture
def memory():
    """The in-memory adapter, installed for one test."""
    installed = MemoryAdapter()
    previous = registry.adapter()
    registry.set_adapter(installed)
    yield installed
    registry.set_adapter(previous)


@pytest.fixture
def api_key(db):
    return create_api_key(name="ung-dung-thu").secret
