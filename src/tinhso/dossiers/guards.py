"""Rules other apps add to a dossier action (an extension point, docs/architecture.md).

The dossier core knows nothing of the apps above it (results, payments…), yet some of their
rules decide whether an action may be taken: a leader may not approve a dossier whose procedure
declares a result paper before the specialist has prepared that result (issue 15). Such an app
registers an ``ActionGuard`` in its ``AppConfig.ready``; ``services._act`` asks every guard of the
action, with the dossier row locked and before anything changes, and refuses the action (409,
``ActionNotAllowed``) with the first refusal's message.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass

from tinhso.accounts.models import User
from tinhso.dossiers.models import Dossier


@dataclass(frozen=True)
class Refusal:
    """Why an action may not be taken now: a message for the official, in the active language,
    and the input it concerns (the API's ``field``)."""

    message: str
    field: str = "action"


class ActionGuard(ABC):
    """One app's rule on one action."""

    #: the action of the transition table (``workflow.ACTIONS``) this guard is asked about
    action: str

    @abstractmethod
    def check(self, *, user: User, dossier: Dossier) -> Refusal | None:
        """None when the action may go on; a ``Refusal`` otherwise. Read-only: the dossier is
        locked by the caller and must not be changed here."""


_GUARDS: dict[str, list[ActionGuard]] = {}


def register(guard: ActionGuard) -> None:
    """Add ``guard`` (once per class: ``ready`` may run twice in tests)."""
    registered = _GUARDS.setdefault(guard.action, [])
    if not any(type(g) is type(guard) for g in registered):
        registered.append(guard)


def refusal(action: str, *, user: User, dossier: Dossier) -> Refusal | None:
    """The first guard's refusal of ``action`` on ``dossier`` by ``user``, or None."""
    for guard in _GUARDS.get(action, ()):
        refused = guard.check(user=user, dossier=dossier)
        if refused is not None:
            return refused
    return None
