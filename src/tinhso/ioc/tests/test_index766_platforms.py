"""766 indicators of the national platforms (issue 17; ADR 0005, third amendment): 3.5 payment on
the national platform offered for every fee-bearing procedure while it is configured; 4.4
dossiers with a component taken from the citizen's national data store; 4.5a procedures whose
dossiers used the population database; 4.5b dossiers that used it."""

import pytest
import time_machine

from tinhso.integrations.datastore.models import NationalCopy
from tinhso.integrations.population.models import PopulationLookup
from tinhso.ioc import index766
from tinhso.ioc.tests.conftest import NOW
from tinhso.ioc.tests.test_index766 import by_id
from tinhso.stores.models import StoredDocument

pytestmark = pytest.mark.django_db


def indicators(cast, settings=None):
    with time_machine.travel(NOW, tick=False):
        rows = index766.compute(period="2025-07", level="agency")
    row = next(r for r in rows if int(r.key) == cast.dept.pk)
    return row, by_id(row)


def test_national_platform_indicators_count_what_the_platforms_recorded(cast, july):
    row, ind = indicators(cast)
    assert (ind["4.4"].numerator, ind["4.4"].denominator) == (0, 3)
    assert (ind["4.5b"].numerator, ind["4.5b"].denominator) == (0, 3)
    assert ind["4.5a"].numerator == 0 and ind["4.5a"].denominator > 0
    before = row.available_points

    # D1 used the population database (found); D2's lookup failed: not counted.
    for n, (dossier, outcome) in enumerate([(july[0], "found"), (july[1], "unavailable")]):
        PopulationLookup.objects.create(
            request_id=f"VLG_DVC_{n}",
            personal_id="083095001234",
            requested_by=cast.clerk,
            dossier=dossier,
            outcome=outcome,
        )
    # D2 carries a component taken from the citizen's national data store.
    attachment = july[1].attachments.first()
    stored = StoredDocument.objects.create(
        owner=cast.citizen, kind="upload", title="Giấy khai sinh", sha256="0" * 64
    )
    NationalCopy.objects.create(
        document=stored, owner_number="083095001234", location="kho/1", sha256="0" * 64
    )
    attachment.reused_from = stored
    attachment.save(update_fields=["reused_from"])

    row, ind = indicators(cast)
    assert (ind["4.4"].numerator, ind["4.4"].denominator) == (1, 3)
    assert (ind["4.5b"].numerator, ind["4.5b"].denominator) == (1, 3)
    assert ind["4.5a"].numerator == 1
    assert row.available_points == before  # the same indicators, now with numerators


def test_3_5_follows_whether_the_national_payment_platform_is_configured(cast, july, settings):
    _row, ind = indicators(cast)
    assert not ind["3.5"].no_data and ind["3.5"].denominator > 0
    assert ind["3.5"].numerator == ind["3.5"].denominator  # offered for every fee
    settings.TINHSO_PAYGOV_SECRET = ""
    _row, ind = indicators(cast)
    assert ind["3.5"].numerator == 0 and ind["3.5"].points == 0
