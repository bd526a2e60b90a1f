"""Background tasks of the results app: thin, idempotent, by id."""

from celery import shared_task
from pyhanko.sign.timestamps import TimestampRequestError

from tinhso.results import services
from tinhso.results.signing import SigningError

# A busy token, a time-stamping server or storage that is briefly unreachable: try again later.
RETRY_ON = (OSError, TimestampRequestError, SigningError)


@shared_task(autoretry_for=RETRY_ON, retry_backoff=True, max_retries=5)
def sign_result_task(dossier_id: int) -> int:
    """Number and sign the result of an approved dossier, and deliver it once handed over;
    returns the ResultDocument id.

    Enqueued by the results subscriber of the dossier-changed event after the ``approve`` and the
    ``issue_result`` transitions. Running it again (a retry, a duplicate event or message) finishes or returns the
    same register entry and records its "result signed" event once.
    """
    return services.issue_result(dossier_id=dossier_id).pk
