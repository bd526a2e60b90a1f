"""Read side of the result register, with the access rules.

The signed PDF of a dossier is visible to whoever may see the dossier
(``tinhso.dossiers.selectors.dossier_for_user``); the public verification page finds a result
only by its random token (from the QR code), never by number or dossier code.
"""

from tinhso.accounts.access import AnyUser, agency_roles, is_platform_admin
from tinhso.agencies.models import Role
from tinhso.dossiers.models import Dossier, Status
from tinhso.dossiers.selectors import DossierNotFound, dossier_for_user, roles_on
from tinhso.results.models import ResultDocument, ResultDraft


class ResultNotFound(Exception):
    pass


HANDED_OVER = frozenset({Status.RESULT_READY, Status.RETURNED})


def result_for_user(user: AnyUser, code: str) -> ResultDocument | None:
    """The signed result of dossier ``code`` (None while there is none yet). The applicant gets
    it once it is handed over (signed at the leader's approval, it waits for the clerk's
    ``issue_result``); the officials who may see the dossier get it as soon as it is signed.

    Raises ``DossierNotFound`` when ``user`` may not see the dossier.
    """
    dossier = dossier_for_user(user, code)
    if dossier.status not in HANDED_OVER and not roles_on(user, dossier, "either"):
        return None
    return (
        ResultDocument.objects.select_related("agency", "dossier")
        .filter(dossier=dossier, signed_at__isnull=False)
        .first()
    )


def dossier_for_agency_official(user: AnyUser, code: str) -> Dossier:
    """Dossier ``code`` for an official of its competent agency (who prepares, reads and approves
    the draft result); ``DossierNotFound`` for anyone else, the applicant included."""
    dossier = dossier_for_user(user, code)
    if not is_agency_official(user, dossier):
        raise DossierNotFound(code)
    return dossier


def is_agency_official(user: AnyUser, dossier: Dossier) -> bool:
    """A specialist, leader or clerk of the dossier's competent agency."""
    return bool(roles_on(user, dossier, "competent") & {Role.SPECIALIST, Role.LEADER, Role.CLERK})


def draft_of(dossier: Dossier) -> ResultDraft | None:
    return ResultDraft.objects.select_related("prepared_by").filter(dossier=dossier).first()


def result_by_token(token: str) -> ResultDocument:
    result = (
        ResultDocument.objects.select_related(
            "agency", "dossier", "dossier__procedure_version__procedure"
        )
        .filter(public_token=token, signed_at__isnull=False)
        .first()
    )
    if result is None:
        raise ResultNotFound(token)
    return result


def can_revoke(user: AnyUser, result: ResultDocument) -> bool:
    """A leader of the issuing agency, or a platform administrator."""
    if is_platform_admin(user):
        return True
    return Role.LEADER in agency_roles(user).get(result.agency_id, set())


__all__ = [
    "DossierNotFound",
    "ResultNotFound",
    "can_revoke",
    "dossier_for_agency_official",
    "draft_of",
    "is_agency_official",
    "result_by_token",
    "result_for_user",
]
