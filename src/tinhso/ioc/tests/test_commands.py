"""`tinhso generate` and `tinhso ioc rebuild`; the demo loader."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tinhso.dossiers.models import Dossier
from tinhso.ioc import demo, selectors
from tinhso.ioc.models import DossierFact
from tinhso.ioc.tests.test_aggregates import snapshot

pytestmark = pytest.mark.django_db


def test_generate_writes_marked_dossiers_and_consistent_aggregates(cast, settings):
    settings.DEBUG = True
    call_command("generate", dossiers=600, years=2, stdout=io.StringIO())
    generated = Dossier.objects.filter(code__startswith="GEN-")
    assert generated.count() == 600
    assert DossierFact.objects.filter(generated=True).count() == 600
    statuses = set(generated.values_list("status", flat=True))
    assert {"returned", "withdrawn"} <= statuses
    built = snapshot()
    call_command("ioc", "rebuild", stdout=io.StringIO())
    assert snapshot() == built
    whole = selectors.summary(
        scope=selectors.Scope(), start=datetime.date(2000, 1, 1), end=datetime.date(2100, 1, 1)
    )
    assert whole.received + whole.refused >= 590
    assert 0 < whole.online_rate.value < 1 and whole.late > 0 and whole.rated > 0


def test_generate_refuses_production_settings(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("generate", dossiers=10, years=1)


def test_demo_load_is_idempotent_and_gives_province_leader_full_access(db, settings):
    settings.DEBUG = True
    call_command("load_units", stdout=io.StringIO())
    demo.load()
    demo.load()
    from tinhso.accounts.models import User

    leader = User.objects.get(username="province.leader")
    assert leader.check_password("tinhso-demo")
    assert selectors.ioc_access(leader).sees_all


def test_bulk_generation_on_postgresql_restores_indexes_and_checks(cast, settings, monkeypatch):
    from django.db import connection

    from tinhso.ioc import generate
    from tinhso.ioc.tests.test_generate_batches import dossier_indexes

    if connection.vendor != "postgresql":
        pytest.skip("the bulk path is PostgreSQL only")

    before = dossier_indexes()
    assert len(before) > 5
    monkeypatch.setattr(generate, "BULK_THRESHOLD", 1)
    assert generate.generate(dossiers=300, years=1) == 300
    assert dossier_indexes() == before
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"
    assert DossierFact.objects.filter(generated=True).count() == 300
    built = snapshot()
    call_command("ioc", "rebuild", stdout=io.StringIO())
    assert snapshot() == built
