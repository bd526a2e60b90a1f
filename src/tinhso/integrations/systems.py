"""Outside systems as an extension point (docs/architecture.md): each system the platform reaches
(the national portal first; payment, store, population, post later) is a small ``OutsideSystem``
registered by name. The outbox runner (``outbox.drain``) claims the items due for a system and
hands each to ``deliver``, which answers with one ``Outcome``; the runner alone decides what
happens next (sent, retried with back-off or at ``Retry-After``, or dead), so every system gets the
same retries, leases, log and dead-letter list.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # the model imports nothing from here; avoid the app-registry import at load
    from tinhso.integrations.models import OutboxItem

OutcomeKind = Literal["delivered", "retry", "rejected"]


@dataclass(frozen=True)
class Outcome:
    """What one delivery attempt came to.

    - ``delivered``: the outside system accepted it; the item is done.
    - ``retry``: a transient failure (timeout, 5xx, 429, garbage, connection reset): try again with
      exponential back-off, or after ``retry_after`` seconds when the system said so.
    - ``rejected``: the outside system refused the content (a validation error): no automatic
      retry; the item goes to the dead-letter list at once, where officials see ``error``.

    ``error`` is a short text for officials (Vietnamese where it is ours; the outside system's own
    message kept verbatim); ``unknown_outcome`` marks a timeout after sending (R-NAT-034), which the
    system's next attempt must treat as "maybe stored".
    """

    kind: OutcomeKind
    error: str = ""
    retry_after: float | None = None
    unknown_outcome: bool = False

    @classmethod
    def delivered(cls) -> "Outcome":
        return cls("delivered")

    @classmethod
    def retry(
        cls, error: str, *, retry_after: float | None = None, unknown_outcome: bool = False
    ) -> "Outcome":
        return cls("retry", error, retry_after, unknown_outcome)

    @classmethod
    def rejected(cls, error: str) -> "Outcome":
        return cls("rejected", error)


class OutsideSystem(ABC):
    """One outside system. Subclasses set ``name`` (the key of its outbox items, e.g. ``"dvcqg"``)
    and ``label`` (shown to integration staff) and implement ``deliver``."""

    name: str
    label: str
    #: Queued items of one (key, operation) may be merged: delivering the newest stands for the
    #: older ones (full-state messages, R-NAT-022).
    coalesce: bool = False

    @abstractmethod
    def deliver(self, item: "OutboxItem") -> Outcome:
        """Send ``item`` once. Runs outside any transaction, never inside a web request; must not
        raise for an outside failure (answer ``Outcome.retry``); an exception is treated as a
        retry with its text as the error."""


_SYSTEMS: dict[str, OutsideSystem] = {}


def register(system: OutsideSystem) -> None:
    _SYSTEMS[system.name] = system


def get(name: str) -> OutsideSystem:
    return _SYSTEMS[name]


def all_systems() -> list[OutsideSystem]:
    return sorted(_SYSTEMS.values(), key=lambda s: s.name)
