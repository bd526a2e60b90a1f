"""Open alerts shown on the operations-centre dashboard, contributed by the apps built on ioc.

The operations centre does not know who raises alerts: an app whose alerts belong on the
dashboard registers a source in its ``AppConfig.ready`` (the indicators app registers its
indicator alerts). A source takes the signed-in user and returns the open alerts that user may
see, most urgent first; the dashboard shows each alert's ``message`` and ``raised_at``.
"""

import datetime
from collections.abc import Callable, Sequence
from typing import Any, Protocol


class DashboardAlert(Protocol):
    @property
    def message(self) -> str: ...

    @property
    def raised_at(self) -> datetime.datetime: ...


AlertSource = Callable[[Any], Sequence[DashboardAlert]]

_sources: list[AlertSource] = []


def register(source: AlertSource) -> AlertSource:
    """Add ``source`` to the dashboard (registering the same function twice adds it once)."""
    if source not in _sources:
        _sources.append(source)
    return source


def unregister(source: AlertSource) -> None:
    if source in _sources:
        _sources.remove(source)


def open_alerts(user: Any) -> list[DashboardAlert]:
    """The open alerts ``user`` may see, from every registered source in registration order."""
    return [alert for source in _sources for alert in source(user)]
