"""Register numbers stay unique and gap-free when results are issued at the same time
(file SQLite or PostgreSQL: see ADR 0002)."""

from pathlib import Path

import pytest

from tinhso.results import services, tasks
from tinhso.results.models import ResultDocument
from tinhso.results.tests.conftest import to_result_ready
from tinhso.testing import make_cast, run_in_threads


@pytest.fixture
def no_automatic_signing(monkeypatch):
    """Bring dossiers to "result_ready" without the on-commit signing the dossier service may
    queue, so the threads below are the ones that number the results."""
    monkeypatch.setattr(tasks.sign_result_task, "delay", lambda *args, **kwargs: None)
    monkeypatch.setattr(tasks.sign_result_task, "apply_async", lambda *args, **kwargs: None)


@pytest.mark.django_db(transaction=True)
def test_concurrent_results_of_one_agency_get_distinct_sequential_numbers(no_automatic_signing):
    cast = make_cast()
    dossiers = [to_result_ready(cast) for _ in range(6)]
    outcomes = run_in_threads(6, lambda i: services.issue_result(dossier_id=dossiers[i].pk))
    assert all(isinstance(o, ResultDocument) for o in outcomes), outcomes
    numbers = sorted(int(o.number.split("/")[0]) for o in outcomes)
    assert numbers == list(range(1, 7))
    assert all(o.is_signed for o in outcomes)


@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_of_one_dossier_make_one_result(no_automatic_signing, settings):
    cast = make_cast()
    dossier = to_result_ready(cast)
    outcomes = run_in_threads(4, lambda i: services.issue_result(dossier_id=dossier.pk))
    assert all(isinstance(o, ResultDocument) for o in outcomes), outcomes
    assert {o.pk for o in outcomes} == {ResultDocument.objects.get().pk}
    assert {o.sha256 for o in outcomes} == {ResultDocument.objects.get().sha256}
    assert ResultDocument.objects.get().sequence == 1
    stored = [p for p in (Path(settings.MEDIA_ROOT) / "results").rglob("*") if p.is_file()]
    assert len(stored) == 1  # the workers that lost the race deleted their copies
