"""The operations centre follows the dossier events after the commit, in batches, idempotently,
and says how far behind it is."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tinhso.dossiers import events
from tinhso.dossiers.models import DossierEvent, SubscriberCursor
from tinhso.ioc import aggregates, receivers
from tinhso.ioc.models import DailyStat, DossierFact
from tinhso.ioc.tests.test_aggregates import snapshot
from tinhso.ioc.tests.test_pages_dashboard import make_province_leader
from tinhso.testing import file_online, make_cast

pytestmark = pytest.mark.django_db


def test_filing_writes_nothing_of_the_operations_centre_in_its_transaction(
    django_capture_on_commit_callbacks,
):
    cast = make_cast()
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        dossier = file_online(cast)
    assert callbacks, "the dispatch is queued for after the commit"
    assert not [q["sql"] for q in queries if "ioc_" in q["sql"]]
    assert not DossierFact.objects.filter(pk=dossier.pk).exists()

    assert receivers.catch_up() == DossierEvent.objects.filter(dossier=dossier).count()
    fact = DossierFact.objects.get(pk=dossier.pk)
    assert fact.submitted_day is not None and fact.agency_id == dossier.agency_id
    assert DailyStat.objects.filter(agency_id=dossier.agency_id, submitted=1).exists()


def test_a_batch_folds_many_dossiers_in_a_fixed_number_of_statements():
    cast = make_cast()
    file_online(cast)
    receivers.catch_up()  # the subscriber's cursor exists from now on
    for _ in range(3):
        file_online(cast)
    with CaptureQueriesContext(connection) as three:
        receivers.catch_up()
    live = snapshot()
    for _ in range(12):
        file_online(cast)
    with CaptureQueriesContext(connection) as twelve:
        receivers.catch_up()
    assert len(twelve) == len(three)  # the cost of a batch does not grow with its dossiers
    after = snapshot()
    assert after != live and DossierFact.objects.count() == 16
    aggregates.rebuild()
    assert snapshot() == after


def test_a_failing_batch_is_retried_one_event_at_a_time_and_the_rest_goes_through(monkeypatch):
    cast = make_cast()
    first, second = file_online(cast), file_online(cast)
    real = aggregates.refresh_many

    def refuse_the_first(ids):
        ids = list(ids)
        if first.pk in ids:
            raise RuntimeError("dữ kiện hỏng")
        return real(ids)

    monkeypatch.setattr(aggregates, "refresh_many", refuse_the_first)
    receivers.catch_up()
    cursor = SubscriberCursor.objects.get(name=receivers.SUBSCRIBER)
    assert cursor.failing_event is not None and cursor.attempts == 1
    assert not DossierFact.objects.filter(pk__in=[first.pk, second.pk]).exists()

    monkeypatch.setattr(aggregates, "refresh_many", real)
    assert events.deliver(receivers.SUBSCRIBER, retry_now=True) > 0
    assert set(DossierFact.objects.values_list("pk", flat=True)) == {first.pk, second.pk}
    assert receivers.lag().pending == 0


def test_the_dashboard_and_the_api_say_how_far_behind_the_figures_are(client):
    cast = make_cast()
    client.force_login(make_province_leader(cast))
    file_online(cast)
    file_online(cast)
    pending = DossierEvent.objects.count()
    page = client.get(reverse("ioc:dashboard")).content.decode()
    assert f'data-pending="{pending}"' in page
    assert "thay đổi chưa được tính" in page
    body = client.get("/api/v1/ioc/summary").json()
    assert body["freshness"]["pending_changes"] == pending
    assert body["freshness"]["lag_seconds"] >= 0

    receivers.catch_up()
    page = client.get(reverse("ioc:dashboard")).content.decode()
    assert 'data-pending="0"' in page and "Đã tính mọi thay đổi của hồ sơ." in page
    body = client.get("/api/v1/ioc/summary").json()
    assert body["freshness"]["pending_changes"] == 0
    assert body["freshness"]["counted_up_to"] is not None
