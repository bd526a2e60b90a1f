"""Where a user lands after signing in when no ``next`` page was asked for.

The accounts app does not know the pages above it: each app with a home page for some users
registers it in its ``landing.py`` module, which ``AccountsConfig.ready`` imports (the way the
admin finds ``admin.py`` modules). The rules are tried by ``order`` and the first that applies
wins: today the back office (10) for those who handle dossiers, the audit log (20) for auditors
and security staff, the operations centre (30) for leaders of an agency without dossiers, and
the citizen's own dossiers (100) for everyone else.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse


def everyone(user: Any) -> bool:
    return True


@dataclass(frozen=True)
class Landing:
    order: int
    url_name: str
    applies: Callable[[Any], bool]


_registry: dict[int, Landing] = {}


def register(*, order: int, url_name: str, applies: Callable[[Any], bool] = everyone) -> None:
    """Send the users for whom ``applies(user)`` is true to the page named ``url_name``, unless a
    rule with a lower ``order`` applies first. Two rules with one ``order`` are refused: which
    comes first must be decided, not left to the order in which apps are loaded."""
    rule = Landing(order, url_name, applies)
    existing = _registry.get(order)
    if existing is not None and existing != rule:
        raise ImproperlyConfigured(
            f"Landing page order {order} is taken by {existing.url_name!r} ({url_name!r})"
        )
    _registry[order] = rule


def landings() -> list[Landing]:
    return [_registry[order] for order in sorted(_registry)]


def home_url(user: Any) -> str:
    """The URL of ``user``'s home page: the first registered rule that applies, else "/"."""
    for rule in landings():
        if rule.applies(user):
            return reverse(rule.url_name)
    return "/"
