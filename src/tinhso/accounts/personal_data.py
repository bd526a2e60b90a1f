"""What the platform holds about a person (Law 91/2025/QH15): the extension point through which
every app adds its part to the personal-data export (the data subject's rights to access and to
obtain their data) and acts on a refusal or withdrawal of consent.

The accounts app knows nothing of the apps above it. Each app holding personal data has a
``privacy.py`` module with one :class:`PersonalData` subclass decorated with :func:`register`;
``AccountsConfig.ready`` imports every app's ``privacy.py`` (as the admin finds ``admin.py``), so
the registry is complete before the first request. The export is one JSON document: the envelope
(``format``, ``version``, ``generated_at``), then each app's sections in ``order`` — today
``profile`` and ``consents`` (accounts, 0), ``dossiers`` (10), ``payments`` (20),
``national_portal_accounts`` and ``population_lookups`` (integrations, 25) and ``stored_documents`` (30).
"""

from abc import ABC, abstractmethod
from typing import Any, ClassVar, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from tinhso.accounts.models import User

FORMAT = "tinhso.personal-data"
FORMAT_VERSION = 1


class PersonalData(ABC):
    """One app's personal data about a person.

    Subclasses set ``id`` (the app's label, unique) and ``order`` (the position of the app's
    sections in the export, lower first, unique) and implement :meth:`export`. Instantiated once,
    without arguments, when registered.
    """

    id: ClassVar[str]
    order: ClassVar[int]

    @abstractmethod
    def export(self, user: User) -> dict[str, Any]:
        """This app's sections of ``user``'s export: top-level keys of the JSON document (unique
        across apps), each a value ``DjangoJSONEncoder`` can write (dates, decimals and UUIDs
        included). Lists must have a stable order (by primary key, by time) and hold only what
        the person may see: officials' internal notes are left out."""

    def withdraw_consent(self, user: User) -> None:
        """``user`` refused or withdrew consent to the processing of their personal data: stop
        processing on their behalf. Runs inside the transaction that records the decision, so an
        exception undoes the decision too. Data the law requires the platform to keep (dossiers
        already filed) stays. Does nothing unless overridden."""
        return None


PersonalDataT = TypeVar("PersonalDataT", bound=type[PersonalData])

_registry: dict[str, PersonalData] = {}


def register(cls: PersonalDataT) -> PersonalDataT:
    """Class decorator adding an app's personal data to the registry.

    Refuses a class without ``id`` or ``order`` and a second class with an ``id`` or an ``order``
    already taken, so two modules cannot silently replace or reorder each other.
    """
    data_id = getattr(cls, "id", "")
    order = getattr(cls, "order", None)
    if not data_id or not isinstance(order, int):
        raise ImproperlyConfigured(f"{cls.__qualname__} must define 'id' and 'order'")
    for existing in _registry.values():
        if type(existing) is not cls and (existing.id == data_id or existing.order == order):
            raise ImproperlyConfigured(
                f"Personal data {data_id!r} (order {order}) clashes with "
                f"{type(existing).__qualname__} ({existing.id!r}, order {existing.order})"
            )
    _registry[data_id] = cls()
    return cls


def registered() -> list[PersonalData]:
    """Every registered app's personal data, in export order."""
    return sorted(_registry.values(), key=lambda item: item.order)


def export(user: User) -> dict[str, Any]:
    """Everything held about ``user``, as one JSON-ready document."""
    document: dict[str, Any] = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "generated_at": timezone.now(),
    }
    for item in registered():
        for key, value in item.export(user).items():
            if key in document:
                raise ImproperlyConfigured(f"Export section {key!r} of {item.id!r} is taken")
            document[key] = value
    return document


def withdraw_consent(user: User) -> None:
    """Tell every app that ``user`` refused or withdrew consent (see ``consent.record``)."""
    for item in registered():
        item.withdraw_consent(user)
