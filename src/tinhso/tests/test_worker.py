"""``tinhso worker`` (ADR 0016): the beat's periodic jobs in one process beside the development
server, the outbox's delivery among them; a failing job is reported and the others still run.
That ``make run`` starts it is shown by ``test_e2e_make_run_port`` (the dossier reaches the
national sandbox)."""

import io

import pytest
from django.core.management import call_command

from tinhso.integrations import outbox
from tinhso.integrations.models import OutboxItem
from tinhso.integrations.tests.conftest import ScriptedSystem, install

pytestmark = pytest.mark.django_db(transaction=True)  # the worker closes stale connections


@pytest.fixture
def fake():
    yield from install(ScriptedSystem("fake"))


def test_one_round_delivers_the_outbox_and_reports_a_failing_job(settings, fake):
    settings.CELERY_BEAT_SCHEDULE = {
        "broken": {"task": "tinhso.no_such_module.job", "schedule": 60},
        "drain-outbox": {"task": "tinhso.integrations.tasks.drain_outbox", "schedule": 10},
    }
    outbox.enqueue(system="fake", operation="sync", key="HS-1")
    out, err = io.StringIO(), io.StringIO()
    call_command("worker", "--once", stdout=out, stderr=err)
    assert OutboxItem.objects.get(key="HS-1").status == "sent"
    assert fake.delivered and fake.delivered[0][1] == "HS-1"
    assert "broken:" in err.getvalue()  # reported, and the drain still ran
    assert "drain-outbox: {'sent': 1" in out.getvalue()
