"""A tiny outside system for the outbox's tests: it stands for the outside system's answers
(scripted per call); the outbox around it is the real one."""

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from django.core.cache import cache

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


@pytest.fixture
def sandbox(live_server, settings, tmp_path):
    """The in-project national portal, served by a live server: its base URL. The portal's
    settings point at it and its file fetches (S-6) reach our links there."""
    cache.clear()  # no portal session left from another test
    settings.TINHSO_NATIONAL_SANDBOX = True
    settings.TINHSO_NATIONAL_SANDBOX_DIR = tmp_path / "national-sandbox"
    settings.TINHSO_SITE_URL = live_server.url
    settings.TINHSO_DVCQG_URL = f"{live_server.url}/sandbox/national"
    settings.TINHSO_DVCQG_READ_TIMEOUT = 10.0
    yield f"{live_server.url}/sandbox/national"
    cache.clear()


def held(sandbox: str, code: str) -> dict[str, Any]:
    """What the sandbox holds for dossier ``code`` (its ``state`` answer)."""
    response = requests.get(f"{sandbox}/state", params={"MaHoSo": code}, timeout=5)
    assert response.status_code == 200, response.text
    return dict(response.json())
