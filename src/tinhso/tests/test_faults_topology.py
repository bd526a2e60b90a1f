"""Fault tests on the production topology (issue 13): gunicorn, a Celery worker, Celery beat and
``tinhso sensors_ingest`` against their own PostgreSQL, Redis and Mosquitto (``topology.py``).

Each scenario runs under load: clients file dossiers over HTTP with bearer tokens (retrying with
the same Idempotency-Key on a 5xx or a broken connection) and the clerk receives each one, which
makes a receipt slip and two applicant notices (e-mail, SMS). After the fault the test waits,
within a bound, until every slip and notice is done, then counts. The figures of a larger run
(``bench/faults.py``) are in docs/operations.md.

One topology serves the whole module (its start-up is most of the time); the scenarios run in
order on it, each counting only its own dossiers.
"""

import shutil
import subprocess
from collections.abc import Iterator

import pytest
from kombu import Connection

from tinhso.tests import topology as topo_module
from tinhso.tests.topology import Figures, Topology, TopologyUnavailable, free_port

pytestmark = pytest.mark.topology  # with -n 2 --dist loadfile the file runs in one worker

FILINGS = 30  # per scenario: four scenarios stay within the CI budget on two cores


@pytest.fixture(scope="module")
def topology() -> Iterator[Topology]:
    try:
        running = Topology()
        running.__enter__()
    except TopologyUnavailable as exc:
        pytest.skip(str(exc))
    try:
        yield running
    finally:
        running.close()


def assert_no_loss(figures: Figures, topology: Topology) -> None:
    assert figures.given_up == 0, figures
    assert figures.acknowledged == figures.filings, figures
    assert figures.lost_dossiers == 0 and figures.duplicate_dossiers == 0, figures
    # Not settled: show what the worker and beat last said, to tell a dead process from a stuck one.
    assert figures.quiescent, (
        figures,
        topology.restarts,
        topology.log_text("worker")[-4000:],
        topology.log_text("beat")[-1500:],
    )
    assert figures.missing_slips == 0 and figures.duplicate_slips == 0, figures
    assert figures.slips == figures.filings, figures
    assert figures.missing_emails == 0 and figures.deliveries_not_sent == 0, figures


def test_postgresql_restart_loses_and_doubles_no_dossier(topology):
    figures = topo_module.filing_scenario(
        topology, "postgresql-restart", topology.restart_postgres, filings=FILINGS
    )

    assert_no_loss(figures, topology)
    assert figures.duplicate_emails == 0, figures
    assert figures.recovery_filing is not None and figures.recovery_filing < 10, figures


def test_redis_outage_loses_no_slip_or_notice(topology):
    figures = topo_module.filing_scenario(
        topology, "redis-stop-start", topo_module.redis_outage(topology), filings=FILINGS
    )

    assert_no_loss(figures, topology)
    assert figures.duplicate_emails == 0, figures
    # The API keeps filing through the outage (the cache answers as an empty one: tinhso.cache),
    # so the clients may have finished before Redis is back; if not, they resume within 10 s.
    assert figures.recovery_filing is None or figures.recovery_filing < 10, figures
    assert figures.recovery_effects is not None and figures.recovery_effects < 60, figures


def test_worker_killed_while_sending_loses_nothing(topology):
    figures = topo_module.filing_scenario(
        topology,
        "worker-sigkill",
        topo_module.busy_worker_kill(topology),
        filings=FILINGS,
        fault_after=0.5,
    )

    assert_no_loss(figures, topology)
    # A worker killed between handing an e-mail to the backend and recording it makes the one
    # duplicate at-least-once allows: at most one per task it was running (concurrency 2).
    assert figures.duplicate_emails <= 2, figures


def test_mqtt_broker_restart_loses_no_acknowledged_reading(topology):
    figures = topo_module.mqtt_scenario(topology, readings=300, rate=100)

    assert figures.readings_lost == 0, figures
    assert figures.readings_acknowledged == figures.readings, figures
    assert figures.readings_stored == figures.readings, figures
    assert figures.recovery_effects is not None, "sensors_ingest did not reconnect by itself"


@pytest.mark.parametrize(
    ("transport", "survives"), [(None, False), ("tinhso.celery:RedisTransport", True)]
)
def test_worker_transport_survives_losing_redis_with_unacknowledged_tasks(transport, survives):
    """The state that made the worker exit with "Unrecoverable error" when Redis went away while
    it held unacknowledged tasks (kombu 5.7.0): closing the channel after kombu dropped the
    connection's client. kombu's own transport raises; ours leaves them to the visibility
    timeout."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    redis = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        assert topo_module.wait_until(lambda: topo_module.port_open(port), 10)
        connection = Connection(f"redis://127.0.0.1:{port}/0", transport=transport)
        queue = connection.SimpleQueue("faults")
        queue.put({"task": 1})
        queue.get(timeout=5)  # delivered, not acknowledged (as with acks_late)
        channel = connection.default_channel
        assert len(channel.qos._delivered) == 1
        redis.terminate()
        redis.wait(10)
        channel.connection.client = None  # what kombu leaves after collecting the lost connection

        if survives:
            channel.close()
            assert not channel.qos._delivered
        else:
            with pytest.raises(AttributeError):
                channel.close()
    finally:
        redis.kill()
        redis.wait(10)
