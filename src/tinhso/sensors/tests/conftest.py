import datetime
import uuid

import pytest

from tinhso.sensors.models import Subscription
from tinhso.sensors.stations import ensure_network

T0 = datetime.datetime(2026, 2, 10, 0, 0, tzinfo=datetime.UTC)


@pytest.fixture
def network(db):
    return ensure_network()


@pytest.fixture
def my_hoa(network):
    return network["my-hoa"]


@pytest.fixture
def subscriber(my_hoa):
    """A confirmed e-mail subscriber following Mỹ Hóa for rice (1 g/L) and drinking water."""
    sub = Subscription.objects.create(
        medium="email",
        contact="nong.dan@example.vn",
        uses=["rice", "drinking"],
        token=uuid.uuid4().hex,
        confirmed_at=T0,
    )
    sub.stations.add(my_hoa.thing)
    return sub


def at(minutes: float) -> datetime.datetime:
    return T0 + datetime.timedelta(minutes=minutes)
