"""A tiny outside system for the outbox's tests: it stands for the outside system's answers
(scripted per call); the outbox around it is the real one."""

import threading
from collections.abc import Iterator

import pytest

from tinhso.agencies.models import Role
from tinhso.integrations import systems
from tinhso.integrations.models import OutboxItem
from tinhso.integrations.systems import Outcome, OutsideSystem
from tinhso.testing import make_cast, make_staff


class ScriptedSystem(OutsideSystem):
    """Answers each delivery with the next scripted outcome (``delivered`` when none is left) and
    remembers what it was handed. An ``Exception`` in the script is raised."""

    label = "Hệ thống thử"

    def __init__(self, name: str = "fake", *, coalesce: bool = False) -> None:
        self.name = name
        self.coalesce = coalesce
        self.script: list[Outcome | Exception] = []
        self.delivered: list[tuple[int, str, bool]] = []  # (item id, key, unknown_outcome)
        self.lock = threading.Lock()

    def deliver(self, item: OutboxItem) -> Outcome:
        with self.lock:
            self.delivered.append((item.pk, item.key, item.unknown_outcome))
            answer = self.script.pop(0) if self.script else Outcome.delivered()
        if isinstance(answer, Exception):
            raise answer
        return answer


def install(system: OutsideSystem) -> Iterator[OutsideSystem]:
    previous = systems._SYSTEMS.get(system.name)
    systems.register(system)
    yield system
    if previous is None:
        systems._SYSTEMS.pop(system.name, None)
    else:
        systems._SYSTEMS[system.name] = previous


@pytest.fixture
def fake() -> Iterator[ScriptedSystem]:
    yield from install(ScriptedSystem("fake"))  # type: ignore[misc]


@pytest.fixture
def merging() -> Iterator[ScriptedSystem]:
    yield from install(ScriptedSystem("merging", coalesce=True))  # type: ignore[misc]


@pytest.fixture
def cast():
    return make_cast()


@pytest.fixture
def operator(cast):
    """An integration operator (the role is platform-wide; the agency is where they work)."""
    return make_staff("lienthong.operator", cast.centre, Role.INTEGRATION)
