"""A slip whose task the broker lost is issued by the sweep (beat), once."""

import pytest

from tinhso.documents.models import IssuedSlip
from tinhso.documents.tasks import sweep_missing_slips
from tinhso.testing import record_lost_event

pytestmark = pytest.mark.django_db


def record_receipt_event(dossier, entry, *, age_seconds: float) -> None:
    record_lost_event(
        dossier, entry.seq, {"slip": "receipt", "notify": "received"}, age_seconds=age_seconds
    )


def test_sweep_issues_a_lost_slip_once(settings, dossier, receipt_entry):
    record_receipt_event(
        dossier, receipt_entry, age_seconds=settings.TINHSO_CATCHUP_GRACE_SECONDS + 1
    )

    assert sweep_missing_slips() == 1
    assert sweep_missing_slips() == 0
    assert IssuedSlip.objects.filter(dossier=dossier, kind="receipt").count() == 1


def test_sweep_leaves_a_fresh_event_to_its_own_task(settings, dossier, receipt_entry):
    record_receipt_event(dossier, receipt_entry, age_seconds=1)

    assert sweep_missing_slips() == 0
    assert not IssuedSlip.objects.exists()
