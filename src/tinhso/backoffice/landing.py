"""The back office is the home page of those who handle dossiers (``tinhso.accounts.landing``).

A leader whose only agencies are the provincial People's Committee handles no dossier in the
back office (its inbox would greet them empty): they start at the operations centre, the next
rule (``tinhso.ioc.landing``), where they may read every dossier behind a figure
(``docs/security.md``, "Province leaders"). The back office stays open to them.
"""

from typing import Any

from tinhso.accounts import landing
from tinhso.accounts.access import dossier_agency_ids, is_platform_admin, is_staff_member
from tinhso.agencies.models import Agency


def handles_dossiers(user: Any) -> bool:
    if not is_staff_member(user):
        return False
    if is_platform_admin(user):
        return True
    return (
        Agency.objects.filter(pk__in=dossier_agency_ids(user))
        .exclude(kind=Agency.Kind.PROVINCE_COMMITTEE)
        .exists()
    )


landing.register(order=10, url_name="backoffice:inbox", applies=handles_dossiers)
