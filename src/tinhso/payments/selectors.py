"""Who may see and handle which payments, transfers and dossiers in the officials' payment pages.

The accountants of payments are the clerks, leaders and agency administrators of an agency; they
handle the payments of the dossiers their agency decides or receives. The staff of the agency
holding the collecting account (``collecting.collecting_agency``) handle every transfer to it and
may match one to any dossier. Dossiers are loaded through ``tinhso.dossiers.selectors`` only.
Everything else is "not found" (404).
"""

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from tinhso.accounts.access import agency_roles, is_platform_admin
from tinhso.accounts.models import User
from tinhso.agencies.models import Role
from tinhso.dossiers import selectors as dossier_selectors
from tinhso.dossiers.models import Dossier
from tinhso.payments.collecting import collecting_agency
from tinhso.payments.models import IncomingTransfer, Payment

ACCOUNTANT_ROLES = frozenset({Role.CLERK, Role.LEADER, Role.AGENCY_ADMIN})


class PaymentNotFound(Http404):
    """The payment does not exist or the user may not handle it: 404."""


def accountant_agency_ids(user: Any) -> set[int]:
    """Agencies where ``user`` may handle payments (clerk, leader or agency administrator)."""
    return {
        agency_id for agency_id, roles in agency_roles(user).items() if roles & ACCOUNTANT_ROLES
    }


def is_accountant(user: Any) -> bool:
    return is_platform_admin(user) or bool(accountant_agency_ids(user))


def is_collecting_accountant(user: Any) -> bool:
    """May import statements and handle any transfer to the account: its holder's staff."""
    if is_platform_admin(user):
        return True
    agency = collecting_agency()
    return agency is not None and agency.pk in accountant_agency_ids(user)


def visible_transfers(user: Any) -> QuerySet[IncomingTransfer]:
    """Transfers ``user`` may see: the account holder's staff see all of them; other agencies'
    staff those tied to a payment of a dossier they decide or received."""
    transfers = IncomingTransfer.objects.select_related(
        "payment__dossier", "statement", "resolved_by"
    )
    if is_platform_admin(user):
        return transfers
    ids = accountant_agency_ids(user)
    return transfers.filter(
        Q(agency_id__in=ids)
        | Q(payment__dossier__agency_id__in=ids)
        | Q(payment__dossier__receiving_agency_id__in=ids)
    )


def visible_payments(user: Any) -> QuerySet[Payment]:
    """Payments ``user`` may act on: those of dossiers of their agencies (deciding or receiving);
    the account holder's staff may match a transfer to any payment."""
    payments = Payment.objects.select_related("dossier")
    if is_collecting_accountant(user):
        return payments
    ids = accountant_agency_ids(user)
    return payments.filter(Q(dossier__agency_id__in=ids) | Q(dossier__receiving_agency_id__in=ids))


def payment_for_official(user: User, **lookup: Any) -> Payment:
    """The payment matching ``lookup`` (``pk=`` or ``reference=``) if ``user`` may handle it:
    an accountant who sees it (``visible_payments``), or a clerk, leader or agency administrator
    of its dossier's agencies (e.g. the clerk who took it at the counter). Else PaymentNotFound."""
    payment = visible_payments(user).filter(**lookup).first()
    if payment is not None:
        return payment
    candidate = Payment.objects.select_related("dossier").filter(**lookup).first()
    if candidate is None or not (
        dossier_selectors.roles_on(user, candidate.dossier, "either") & ACCOUNTANT_ROLES
    ):
        raise PaymentNotFound(str(lookup))
    return candidate


def dossier_for_accountant(user: User, code: str) -> Dossier:
    """The dossier a transfer may be matched to: any filed dossier for the account holder's
    staff, a dossier of their agencies (deciding or receiving) for other accountants."""
    if is_collecting_accountant(user):
        return dossier_selectors.dossier_by_code(code.strip())
    dossier = dossier_selectors.dossier_for_official(user, code.strip())
    if not dossier_selectors.roles_on(user, dossier, "either") & ACCOUNTANT_ROLES:
        raise dossier_selectors.DossierNotFound(code)
    return dossier


def dossier_for_clerk(user: User, code: str) -> Dossier:
    """The dossier ``code`` for payment at the counter: ``user`` is a clerk of its agencies."""
    dossier = dossier_selectors.dossier_for_official(user, code)
    if Role.CLERK not in dossier_selectors.roles_on(user, dossier, "either"):
        raise dossier_selectors.DossierNotFound(code)
    return dossier
