"""The integrations app's part of a person's personal-data export (``tinhso.accounts.personal_data``,
found by ``AccountsConfig.ready`` as every app's ``privacy.py``; accounts imports nothing from here).

Two sections, after the payments and before the document store (``order`` 25):

- ``national_portal_accounts``: the links of the person's account to national public-service portal
  accounts (``NationalAccount``, R-NAT-055): the portal's ``TechID``, the account type, whether the
  last sign-in was VNeID level 2 or more, the raw assurance values, and when. This is what the
  platform learnt and keeps from the portal's sign-in (docs/dvcqg-sso.md).
- ``population_lookups``: the lookups in the national population database the person made
  themselves from the filing page, with consent by a one-time code (purpose ``citizen``,
  R-NAT-081): the request id (``MaYeuCau``), when, the ID asked about (always their own), the
  outcome, the dossier it was used for and which fields were filled in. The answer is never kept
  (docs/population.md), so there is none to export. Lookups at the counter were made by an
  official for a dossier; they are the official's record, and the dossier the person owns is in
  ``dossiers``.

Withdrawing consent changes nothing here, on purpose. The link is how the person signs in again
to give consent: the portal's ``TechID`` finds their account whatever numbers the portal sends
later (R-NAT-055), and the VNeID flag it carries is what dossiers already filed report upward
(R-NAT-057). The lookup log is the record of who looked whom up that the integration must keep
(R-NAT-080). A one-time code waiting for a lookup lives in the session, which the withdrawal
ends. The registry has no erasure step; when it gets one, that is the place to drop the links.
"""

from typing import Any

from tinhso.accounts import personal_data
from tinhso.accounts.models import User
from tinhso.integrations.population.models import PopulationLookup
from tinhso.integrations.sso.models import NationalAccount


def national_portal_accounts(user: User) -> list[dict[str, Any]]:
    """The DVCQG accounts linked to ``user``, oldest link first."""
    links = NationalAccount.objects.filter(user=user).order_by("linked_at", "pk")
    return [
        {
            "tech_id": link.tech_id,
            "account_type": link.account_type,
            "vneid_verified": link.vneid_verified,
            "assurance": link.assurance,
            "linked_at": link.linked_at,
            "last_login_at": link.last_login_at,
        }
        for link in links
    ]


def own_population_lookups(user: User) -> list[dict[str, Any]]:
    """The population lookups ``user`` made themselves (purpose ``citizen``), oldest first."""
    lookups = (
        PopulationLookup.objects.filter(requested_by=user, purpose=PopulationLookup.Purpose.CITIZEN)
        .select_related("dossier")
        .order_by("created_at", "pk")
    )
    return [
        {
            "request_id": lookup.request_id,
            "requested_at": lookup.created_at,
            "personal_id": lookup.personal_id,
            "outcome": lookup.outcome,
            "dossier": lookup.dossier.code if lookup.dossier else None,
            "fields_used": list(lookup.fields_copied),
        }
        for lookup in lookups
    ]


@personal_data.register
class IntegrationData(personal_data.PersonalData):
    id = "integrations"
    order = 25

    def export(self, user: User) -> dict[str, Any]:
        return {
            "national_portal_accounts": national_portal_accounts(user),
            "population_lookups": own_population_lookups(user),
        }
