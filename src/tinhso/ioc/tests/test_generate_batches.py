"""`tinhso generate` in committed batches: an interrupted run keeps its batches, and resuming it
ends with exactly the dossiers and figures of an uninterrupted run."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tinhso.dossiers.models import Dossier, Rating
from tinhso.ioc import generate
from tinhso.ioc.tests.test_aggregates import snapshot

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)
FIELDS = (
    "code",
    "status",
    "procedure_version_id",
    "agency_id",
    "receiving_agency_id",
    "channel",
    "applicant_name",
    "applicant_unit_id",
    "submitted_at",
    "received_at",
    "due_at",
    "completed_at",
    "closed_at",
    "timeliness",
    "fee_amount",
    "paid_amount",
    "paid_online",
)


def dossier_indexes() -> set[tuple[str, str]]:
    """(name, definition) of the indexes the bulk path drops and re-creates (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE tablename IN ('dossiers_dossier', 'dossiers_rating')"
        )
        return set(cursor.fetchall())


def generated() -> list[tuple]:
    return list(
        Dossier.objects.filter(code__startswith="GEN-").order_by("code").values_list(*FIELDS)
    )


def ratings() -> list[tuple]:
    return sorted(Rating.objects.values_list("dossier__code", "score", "created_at"))


def figures() -> dict[str, list[tuple]]:
    """The aggregates (the facts carry dossier ids, which differ from run to run)."""
    return {name: rows for name, rows in snapshot().items() if name != "facts"}


def rebuild_equals_built() -> bool:
    built = snapshot()
    call_command("ioc", "rebuild", stdout=io.StringIO())
    return snapshot() == built


def uninterrupted(**kw) -> tuple[list[tuple], list[tuple], dict[str, list[tuple]]]:
    assert generate.generate(dossiers=450, years=2, now=NOW, batch_size=100, **kw) == 450
    result = generated(), ratings(), figures()
    Rating.objects.filter(dossier__code__startswith="GEN-").delete()
    Dossier.objects.filter(code__startswith="GEN-").delete()
    call_command("ioc", "rebuild", stdout=io.StringIO())
    return result


def test_failure_in_third_batch_keeps_two_and_resume_gives_the_uninterrupted_run(cast, monkeypatch):
    dossiers, rated, figures_whole = uninterrupted()
    assert len({row[0] for row in dossiers}) == 450
    assert rated

    real = generate._write_batch

    def failing(run, plan, context, batch):
        if batch == 2:
            raise RuntimeError("power cut")
        return real(run, plan, context, batch)

    monkeypatch.setattr(generate, "_write_batch", failing)
    with pytest.raises(RuntimeError, match="power cut"):
        generate.generate(dossiers=450, years=2, now=NOW, batch_size=100)
    kept = generated()
    assert len(kept) == 200  # batches 0 and 1 committed, batch 2 rolled back
    assert set(kept) <= set(dossiers)

    monkeypatch.setattr(generate, "_write_batch", real)
    assert generate.generate(dossiers=450, years=2, batch_size=100, resume=True) == 250
    assert generated() == dossiers
    assert ratings() == rated
    assert figures() == figures_whole
    assert rebuild_equals_built()


def test_command_stops_after_batches_and_resumes_to_the_same_codes(cast, settings):
    settings.DEBUG = True
    dossiers, _, figures_whole = uninterrupted()
    out = io.StringIO()
    args = ["generate", "--dossiers", "450", "--years", "2", "--batch-size", "100"]
    generate_now = generate.timezone.now
    generate.timezone.now = lambda: NOW  # the run's start, written into its codes
    try:
        call_command(*args, "--stop-after-batches", "3", stdout=out)
    finally:
        generate.timezone.now = generate_now
    assert Dossier.objects.filter(code__startswith="GEN-").count() == 300
    call_command(*args, "--resume", stdout=out)
    assert generated() == dossiers
    assert figures() == figures_whole
    assert "Lô 5/5: 450 hồ sơ" in out.getvalue()
    # Resuming a finished run writes nothing and leaves the figures as they are.
    call_command(*args, "--resume", stdout=out)
    assert Dossier.objects.filter(code__startswith="GEN-").count() == 450
    assert rebuild_equals_built()


def test_resume_with_other_parameters_is_refused(cast, settings):
    settings.DEBUG = True
    generate.generate(dossiers=300, years=2, now=NOW, batch_size=100, stop_after_batches=2)
    for other in (
        ["--dossiers", "300", "--batch-size", "150"],
        ["--dossiers", "300", "--seed", "2"],
    ):
        with pytest.raises(CommandError, match="không khớp"):
            call_command("generate", "--years", "2", "--batch-size", "100", *other, "--resume")
    assert Dossier.objects.filter(code__startswith="GEN-").count() == 200


def test_resuming_a_finished_run_with_another_seed_is_refused(cast):
    generate.generate(dossiers=200, years=2, now=NOW, batch_size=100)
    with pytest.raises(generate.GenerateError, match="không khớp"):
        generate.generate(dossiers=200, years=2, seed=2, batch_size=100, resume=True)
    assert generate.generate(dossiers=200, years=2, batch_size=100, resume=True) == 0


def test_resume_without_a_run_is_refused(cast, settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="Không có lượt"):
        call_command("generate", "--dossiers", "10", "--resume")


def test_two_runs_have_distinct_codes(cast):
    generate.generate(dossiers=120, years=1, now=NOW, batch_size=50)
    generate.generate(dossiers=120, years=1, now=NOW + datetime.timedelta(seconds=1))
    codes = Dossier.objects.filter(code__startswith="GEN-").values_list("code", flat=True)
    assert len(set(codes)) == 240
    assert generate.latest_run() == NOW + datetime.timedelta(seconds=1)
    with pytest.raises(generate.GenerateError):
        generate.generate(dossiers=10, years=1, now=NOW)  # that run exists: resume it instead


def test_interrupted_bulk_run_on_postgresql_restores_its_indexes_on_resume(cast, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the bulk path is PostgreSQL only")

    def comment() -> str | None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT obj_description('dossiers_dossier'::regclass, 'pg_class')")
            return cursor.fetchone()[0]

    before = dossier_indexes()
    partial = {row for row in before if " WHERE " in row[1]}
    assert partial, "the inbox's partial indexes (dossiers migration 0010)"
    monkeypatch.setattr(generate, "BULK_THRESHOLD", 1)
    generate.generate(dossiers=300, years=1, now=NOW, batch_size=100, stop_after_batches=1)
    during = dossier_indexes()
    assert partial <= during < before  # the partial indexes stay while loading
    assert generate.MARKER in (comment() or "")
    assert generate.generate(dossiers=300, years=1, batch_size=100, resume=True) == 200
    assert dossier_indexes() == before
    assert comment() is None
    assert Dossier.objects.filter(code__startswith="GEN-").count() == 300
    assert rebuild_equals_built()
