"""Payment providers: a small typed base class and an explicit registry, one module per provider."""

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, ClassVar, TypeVar

if TYPE_CHECKING:
    from django.http import HttpRequest

    from tinhso.payments.models import Payment

# Modules listed here are imported at start-up so that their @register decorators run.
PROVIDER_MODULES = [
    "tinhso.payments.providers.counter",
    "tinhso.payments.providers.vietqr",
    "tinhso.payments.providers.vnpay",
]


@dataclass(frozen=True)
class Started:
    """What the payer needs next: a page to go to (VNPay) or a QR payload to scan (VietQR)."""

    redirect_url: str | None = None
    qr_payload: str | None = None


class ProviderError(Exception):
    """The provider could not do what was asked (network, refused, bad configuration)."""


class PaymentProvider(ABC):
    #: Identifier used in the API (``{"provider": "<id>"}``) and stored on each payment.
    id: ClassVar[str]
    #: Vietnamese label shown to payers and officials.
    label: ClassVar[str]
    #: True when the payer pays on-line (counts toward the on-line payment share).
    online: ClassVar[bool] = True
    #: True when only an official may start this kind of payment (payment at the counter).
    staff_only: ClassVar[bool] = False

    @abstractmethod
    def start(self, payment: "Payment", request: "HttpRequest | None") -> Started:
        """Prepare the payer's next step for a new pending payment. Must not mark it paid."""

    def refund(self, payment: "Payment", amount: int, reason: str) -> str:
        """Ask the provider to give ``amount`` đồng back; return the provider's reference.

        Providers that cannot refund automatically raise ProviderError; the refund is then recorded
        by an official after paying it back by other means.
        """
        raise ProviderError(f"{self.id} cannot refund automatically")


_REGISTRY: dict[str, PaymentProvider] = {}
P = TypeVar("P", bound=type[PaymentProvider])


def register(cls: P) -> P:
    if cls.id in _REGISTRY:
        raise ValueError(f"Payment provider {cls.id!r} registered twice")
    _REGISTRY[cls.id] = cls()
    return cls


def get_provider(provider_id: str) -> PaymentProvider:
    load_providers()
    return _REGISTRY[provider_id]


def providers() -> dict[str, PaymentProvider]:
    load_providers()
    return dict(_REGISTRY)


_loaded: list[bool] = []


def load_providers(
    modules: list[str] | None = None, importer: Callable[[str], object] = import_module
) -> None:
    if _loaded:
        return
    for module in modules or PROVIDER_MODULES:
        importer(module)
    _loaded.append(True)
