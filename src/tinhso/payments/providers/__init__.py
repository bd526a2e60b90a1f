"""Payment providers: one typed base class, an explicit registry, one package per provider.

A provider owns everything that differs between ways of paying: how a payment starts and what
the payer sees next, the payer's browser coming back, the provider's server-to-server calls
(callback, webhook), asking the provider for a payment's state, giving money back, and what the
e-receipt says about the method. Everything that is the same for every provider — the payment
rows and their event log, confirming a payment exactly once, applying it to the dossier,
e-receipts, reconciliation — lives in ``tinhso.payments.services`` and around it, and the
providers call it. The generic routes ``/payments/<provider>/start|return|callback|webhook|query``
(``tinhso.payments.views``) look the provider up here and hand the request to it.

How to add a provider: docs/payments.md. Each method's docstring below is its documentation;
a method a provider does not override answers "not supported" (HTTP 404 for a route, a
``ProviderError`` with a Vietnamese message for a call).
"""

import datetime
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from django.http import HttpRequest

    from tinhso.dossiers.models import Dossier
    from tinhso.payments.models import Payment

# Modules listed here are imported at start-up (``load_providers``) so their @register runs.
PROVIDER_MODULES = [
    "tinhso.payments.providers.counter.provider",
    "tinhso.payments.providers.vietqr.provider",
    "tinhso.payments.providers.vnpay.provider",
]


@dataclass(frozen=True)
class Started:
    """What the payer needs next: a page to go to (VNPay) or a QR payload to scan (VietQR).

    Both fields are also returned by the API (``POST /api/v1/dossiers/{code}/payments``), so an
    app can do the same without the portal.
    """

    redirect_url: str | None = None
    qr_payload: str | None = None


@dataclass(frozen=True)
class ProviderStatus:
    """A payment's state as the provider reports it (``PaymentProvider.query``).

    ``paid`` is True only for an answer the provider vouches for (e.g. a verified signature)
    saying the money was taken; ``known`` is False when the provider has no such payment.
    """

    paid: bool
    known: bool = True
    amount: int | None = None  # đồng
    provider_txn: str = ""
    message: str = ""
    raw: Mapping[str, str] = field(default_factory=dict)


class ProviderError(Exception):
    """The provider could not do what was asked (network, refused, bad configuration, not supported).

    The message is Vietnamese and may be shown to an official.
    """


def payer_page(dossier: "Dossier") -> str:
    """The applicant's dossier page, where the payment step lives.

    A URL name, not an import: payments sits below the portal in the layers (docs/architecture.md).
    """
    return reverse("portal:dossier", args=[dossier.code])


class PaymentProvider(ABC):
    """Base class of payment providers. Subclass it in ``providers/<id>/provider.py``, decorate
    the subclass with ``@register`` and list the module in ``PROVIDER_MODULES``."""

    #: Identifier in the URLs (``/payments/<id>/...``), the API (``{"provider": "<id>"}``) and on
    #: each payment row (at most 16 characters, a slug).
    id: ClassVar[str]
    #: Vietnamese label shown to payers and officials.
    label: ClassVar[str]
    #: True when the payer pays on-line (counts toward the on-line payment share).
    online: ClassVar[bool] = True
    #: True when only an official may start this kind of payment (payment at the counter); the
    #: payer is never offered it and its start route answers 404.
    staff_only: ClassVar[bool] = False
    #: True when the money arrives as a credit to the collecting account whose note carries the
    #: payment reference: the statement import and the bank webhook (``payments.statements``)
    #: confirm its payments, and reconciliation checks them against the bank's credits.
    settles_by_bank_credit: ClassVar[bool] = False

    # --- starting a payment ------------------------------------------------------------------

    @abstractmethod
    def start(self, payment: "Payment", request: "HttpRequest | None") -> Started:
        """Prepare the payer's next step for a new pending payment. Must not mark it paid.

        Called by ``services.start_payment`` inside its transaction, after the ``Payment`` row
        (reference, amount) is created; changes to ``payment.details`` are saved with it.
        ``request`` is None when an official or a task starts the payment. Raise
        ``ProviderError`` when the provider cannot be used (the payer is asked to retry later).
        """

    def start_response(
        self, request: "HttpRequest", payment: "Payment", started: Started
    ) -> HttpResponse:
        """What the payer's browser gets after ``start`` (route ``POST /payments/<id>/start/<code>``).

        Default: go to ``started.redirect_url`` when there is one, else back to the dossier page.
        """
        return HttpResponseRedirect(started.redirect_url or payer_page(payment.dossier))

    def expires_after(self) -> datetime.timedelta | None:
        """How long the payer has to finish a new attempt (``Payment.expires_at`` is set from it
        by ``services.start_payment``); None when an attempt never waits for the payer.

        Past that time the expiry sweep (``tinhso.payments.expiry``, a Celery beat task) first
        asks the provider (``query``, when it can) and confirms an attempt reported paid;
        otherwise the attempt is marked expired and the payer offered a new one. Default: None.
        """
        return None

    def pending_panel(self, payment: "Payment") -> str:
        """HTML shown on the dossier page while ``payment`` is pending and can still be finished
        without starting a new one (VietQR: its QR code); "" for nothing. Not called for an
        attempt past its ``expires_at``.

        While a provider shows a panel for a pending payment of the dossier, the payer is not
        offered that provider again (no second payment for the same fee).
        """
        return ""

    # --- the provider's calls back to us -----------------------------------------------------

    def handle_return(self, request: "HttpRequest") -> HttpResponse:
        """The payer's browser coming back from the provider (``/payments/<id>/return``).

        Shows the outcome; must not change anything (it can be forged or replayed: only a
        server-to-server call confirms a payment). Default: 404.
        """
        raise self._not_supported()

    def handle_callback(self, request: "HttpRequest") -> HttpResponse:
        """A server-to-server notice of a payment's result (``/payments/<id>/callback``; VNPay's IPN).

        CSRF-exempt and without a session: authenticate the caller (signature), then confirm
        with ``services.confirm_payment`` or fail with ``services.fail_payment`` — both are
        idempotent — and answer as the provider's protocol defines. Default: 404.
        """
        raise self._not_supported()

    def handle_webhook(self, request: "HttpRequest") -> HttpResponse:
        """Any other server-to-server call of the provider (``/payments/<id>/webhook``; VietQR:
        the bank's credit notice). Same rules as ``handle_callback``. Default: 404."""
        raise self._not_supported()

    # --- asking and giving back --------------------------------------------------------------

    def query(self, payment: "Payment") -> ProviderStatus:
        """Ask the provider for the state of ``payment`` (``services.query_payment``, route
        ``POST /payments/<id>/query/<reference>``), e.g. when its callback never came.

        Default: ``ProviderError`` (not supported).
        """
        raise ProviderError(
            _("%(label)s không hỗ trợ tra cứu trạng thái giao dịch.") % {"label": self.label}
        )

    def refund(self, payment: "Payment", amount: int, reason: str) -> str:
        """Give ``amount`` đồng of ``payment`` back; return the provider's reference of the refund.

        Called by ``services.refund_payment`` inside its transaction (the row is locked and
        the amount checked). Default: ``ProviderError`` — the refund then cannot be recorded.
        """
        raise ProviderError(_("%(label)s không hỗ trợ hoàn tiền tự động.") % {"label": self.label})

    @property
    def can_query(self) -> bool:
        """True when this provider overrides ``query``."""
        return type(self).query is not PaymentProvider.query

    # --- e-receipts --------------------------------------------------------------------------

    def receipt_method(self, payment: "Payment", confirmation: Mapping[str, Any]) -> str:
        """The "hình thức thanh toán" line of the e-receipt. ``confirmation`` is the data of the
        payment's ``succeeded`` event (what ``services.confirm_payment`` was given). Default: the
        label."""
        return str(self.label)

    def _not_supported(self) -> Http404:
        return Http404(
            _("Hình thức thanh toán %(label)s không có địa chỉ này.") % {"label": self.label}
        )


_REGISTRY: dict[str, PaymentProvider] = {}
P = TypeVar("P", bound=type[PaymentProvider])


def register(cls: P) -> P:
    """Class decorator: make ``cls`` (one instance) the provider of ``cls.id``."""
    if cls.id in _REGISTRY:
        raise ValueError(f"Payment provider {cls.id!r} registered twice")
    _REGISTRY[cls.id] = cls()
    return cls


def unregister(provider_id: str) -> None:
    """Remove a provider (tests that register a provider of their own remove it afterwards)."""
    _REGISTRY.pop(provider_id, None)


def get_provider(provider_id: str) -> PaymentProvider:
    """The registered provider ``provider_id``; KeyError when there is none."""
    load_providers()
    return _REGISTRY[provider_id]


def providers() -> dict[str, PaymentProvider]:
    """Every registered provider by id, in registration order."""
    load_providers()
    return dict(_REGISTRY)


def offered_to_payers() -> list[PaymentProvider]:
    """The providers a payer may start on-line (the dossier page, ``/payments/<id>/start``)."""
    return [p for p in providers().values() if p.online and not p.staff_only]


def bank_credit_providers() -> list[str]:
    """Ids of the providers whose payments are confirmed by credits to the collecting account."""
    return [pid for pid, p in providers().items() if p.settles_by_bank_credit]


_loaded: list[bool] = []


def load_providers(
    modules: list[str] | None = None, importer: Callable[[str], object] = import_module
) -> None:
    if _loaded:
        return
    for module in modules or PROVIDER_MODULES:
        importer(module)
    _loaded.append(True)
