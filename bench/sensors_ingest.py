"""Sensor ingest benchmark on PostgreSQL: observations per second and alert delay.

Creates a fresh database ``tinhso_bench_sensors`` on 127.0.0.1 (dropped at the end), the
salinity network plus extra bench datastreams, starts its own Mosquitto on a free port (so the
figures do not depend on the system broker's queue limits; ``--system-broker`` uses
127.0.0.1:1883 instead) and measures:

1. **direct**: ``ingest.ingest`` alone (dedup insert, datastream ranges, rollups, alert states)
   in batches of ``--batch`` readings, in this process;
2. **mqtt, one observation per message**: ``--publishers`` publisher processes → broker →
   ``tinhso sensors_ingest`` (a subprocess) → database, from the first publish until every
   observation is in the database (one Python publisher tops out near 3,000 messages/s, so
   several share the work);
3. **mqtt, arrays of 60 observations per message** (a logger sending an hour of minute
   readings), the same way;
4. **drain**: the same messages published while the worker is away (the broker queues them
   in the worker's persistent session), then the worker started: from its start until every
   observation is in the database. Only broker → worker → database is measured here;
5. **alert delay**: from publishing a reading that crosses the rice limit to the SalinityAlert's
   commit and to the e-mail delivery (a notifications ``Delivery``) recorded as sent (locmem
   e-mail backend in the worker).

Usage: ``.venv/bin/python bench/sensors_ingest.py [--observations 200000]
[--mqtt-observations 100000] [--publishers 3] [--alerts 20]``.
Not part of CI. Prints Markdown and writes ``bench/results/sensors-<timestamp>.json``.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DB = "tinhso_bench_sensors"
DB_URL = f"postgres://postgres@127.0.0.1:5432/{DB}"
PSQL = ["psql", "-U", "postgres", "-h", "127.0.0.1", "-X", "-q", "-v", "ON_ERROR_STOP=1"]
T0 = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)  # bench history lies in the past


def psql(sql: str) -> str:
    return subprocess.run(
        [*PSQL, "-At", "-c", sql], check=True, capture_output=True, text=True
    ).stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def machine() -> dict[str, Any]:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    mosquitto = subprocess.run(["mosquitto", "-h"], capture_output=True, text=True).stdout.split(
        "\n"
    )[0]
    import paho.mqtt

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(int(mem) / 1024 / 1024, 1),
        "python": platform.python_version(),
        "postgresql": psql("SHOW server_version").strip(),
        "mosquitto": mosquitto,
        "paho_mqtt": paho.mqtt.__version__,
        "load_average_before": os.getloadavg(),
    }


def start_broker(tmp: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    conf = tmp / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        "max_queued_messages 1000000\nmax_queued_bytes 0\n"
    )
    broker = subprocess.Popen(["mosquitto", "-c", str(conf)], stderr=subprocess.DEVNULL)
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return broker, port
        time.sleep(0.05)
    raise RuntimeError("mosquitto did not start")


def start_worker(
    port: int, prefix: str, log: Path, batch: int, client_id: str
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": DB_URL,
        "TINHSO_LOG_LEVEL": "INFO",
        "TINHSO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    args = [
        sys.executable,
        "-m",
        "tinhso",
        "sensors_ingest",
        "--port",
        str(port),
        "--prefix",
        prefix,
        "--client-id",
        client_id,
        "--batch-size",
        str(batch),
        "--session-expiry",
        "60",
    ]
    before = log.read_text().count("subscribed to") if log.exists() else 0
    worker = subprocess.Popen(args, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while log.read_text().count("subscribed to") <= before:  # else messages would be lost
        if time.monotonic() > deadline or worker.poll() is not None:
            raise RuntimeError("worker did not subscribe: " + log.read_text()[-2000:])
        time.sleep(0.1)
    return worker


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--observations", type=int, default=200_000)
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--mqtt-observations", type=int, default=100_000)
    parser.add_argument("--publishers", type=int, default=3)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--alerts", type=int, default=20)
    parser.add_argument("--system-broker", action="store_true")
    args = parser.parse_args()

    psql(f"DROP DATABASE IF EXISTS {DB}")
    psql(f"CREATE DATABASE {DB}")
    os.environ["DATABASE_URL"] = DB_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.settings")
    tmp = Path(tempfile.mkdtemp(prefix="tinhso-bench-sensors-"))
    broker = None
    worker = None
    results: dict[str, Any] = {"machine": machine(), "args": vars(args)}
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        streams = bench_streams(args.streams)
        results["direct"] = bench_direct(streams, args.observations, args.batch)
        if args.system_broker:
            port = 1883
        else:
            broker, port = start_broker(tmp)
        prefix = f"bench-{uuid.uuid4().hex[:8]}/"
        client_id = f"bench-{uuid.uuid4().hex[:8]}"
        log = tmp / "worker.log"
        worker = start_worker(port, prefix, log, args.batch, client_id)
        day = datetime.timedelta(days=366)
        total, publishers = args.mqtt_observations, args.publishers
        for n, (key, per_message) in enumerate((("mqtt_single", 1), ("mqtt_array60", 60))):
            results[key] = bench_mqtt(
                streams, total, port, prefix, per_message, T0 + (n + 1) * day, publishers
            )
        for n, (key, per_message) in enumerate((("drain_single", 1), ("drain_array60", 60))):
            worker.terminate()
            worker.wait(20)
            results[key] = bench_drain(
                streams,
                total,
                (port, prefix, log, args.batch, client_id),
                per_message,
                T0 + (n + 3) * day,
                publishers,
            )
            worker = results[key].pop("worker")
        results["alerts"] = bench_alerts(streams[0], port, prefix, args.alerts)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(20)
        if broker is not None:
            broker.terminate()
        from django.db import connections

        connections.close_all()
        psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        shutil.rmtree(tmp, ignore_errors=True)
    report(results)


def bench_streams(count: int) -> list[int]:
    from tinhso.sensors.models import Datastream, Location, Thing
    from tinhso.sensors.stations import ensure_network

    network = ensure_network()
    template = next(iter(network.values()))
    ids = [ds.pk for ds in network.values()]
    for n in range(count - len(ids)):
        thing = Thing.objects.create(name=f"Bench {n}", code=f"bench-{n}")
        thing.locations.add(
            Location.objects.create(
                name=f"Bench {n}", location={"type": "Point", "coordinates": [106.3, 10.2]}
            )
        )
        ds = Datastream.objects.create(
            name=f"Bench {n}",
            unit_of_measurement=template.unit_of_measurement,
            thing=thing,
            sensor=template.sensor,
            observed_property=template.observed_property,
        )
        ids.append(ds.pk)
    return ids


def readings(streams: list[int], total: int, start: datetime.datetime) -> list[Any]:
    from tinhso.sensors.readings import Reading
    from tinhso.sensors.simulation import salinity

    per = -(-total // len(streams))
    out = []
    for i in range(per):
        moment = start + datetime.timedelta(minutes=i)
        base = salinity(moment, 10.0)
        for k, ds in enumerate(streams):
            out.append(Reading(ds, moment, round(base * (0.2 + k / len(streams)), 3)))
    return out[:total]


def bench_direct(streams: list[int], total: int, batch: int) -> dict[str, Any]:
    from tinhso.sensors.ingest import ingest

    data = readings(streams, total, T0)
    began = time.perf_counter()
    for i in range(0, len(data), batch):
        ingest(data[i : i + batch], source="bench")
    seconds = time.perf_counter() - began
    return {
        "observations": len(data),
        "batch": batch,
        "seconds": round(seconds, 2),
        "obs_per_s": round(len(data) / seconds),
    }


def count_since(start: datetime.datetime) -> int:
    from tinhso.sensors.models import Observation

    return Observation.objects.filter(phenomenon_time__gte=start).count()


def messages_for(
    streams: list[int], total: int, per_message: int, start: datetime.datetime
) -> tuple[int, list[tuple[int, bytes]]]:
    from tinhso.sensors.publisher import observation

    data = readings(streams, total, start)
    by_stream: dict[int, list[Any]] = {}
    for r in data:
        by_stream.setdefault(r.datastream_id, []).append(r)
    messages: list[tuple[int, bytes]] = []
    for ds, rows in by_stream.items():
        for i in range(0, len(rows), per_message):
            chunk = [observation(r.phenomenon_time, r.result) for r in rows[i : i + per_message]]
            messages.append((ds, json.dumps(chunk[0] if per_message == 1 else chunk).encode()))
    messages.sort(key=lambda m: m[1])  # roughly in time order across streams
    return len(data), messages


def publish_part(port: int, prefix: str, messages: list[tuple[int, bytes]]) -> None:
    """One publisher process: its share of the messages, QoS 1, until the broker has them all."""
    from tinhso.sensors.publisher import Publisher

    publisher = Publisher(port=port, prefix=prefix, max_inflight=200)  # paho slows with more
    for ds, payload in messages:
        publisher.send(ds, payload)
    publisher.close()


def publish(port: int, prefix: str, messages: list[tuple[int, bytes]], processes: int) -> float:
    """Publish from ``processes`` forked processes (one Python publisher is CPU-bound); seconds."""
    import multiprocessing

    from django.db import connections

    connections.close_all()  # the children must not share the parent's database socket
    context = multiprocessing.get_context("fork")
    parts = [messages[k::processes] for k in range(processes)]
    began = time.perf_counter()
    children = [context.Process(target=publish_part, args=(port, prefix, p)) for p in parts]
    for child in children:
        child.start()
    for child in children:
        child.join(600)
        if child.exitcode != 0:
            raise RuntimeError(f"publisher exited with {child.exitcode}")
    return time.perf_counter() - began


def wait_stored(start: datetime.datetime, expected: int, began: float) -> tuple[int, float]:
    deadline = time.monotonic() + 600
    stored = 0
    while time.monotonic() < deadline:
        stored = count_since(start)
        if stored >= expected:
            break
        time.sleep(0.05)
    return stored, time.perf_counter() - began


def bench_mqtt(
    streams: list[int],
    total: int,
    port: int,
    prefix: str,
    per_message: int,
    start: datetime.datetime,
    publishers: int,
) -> dict[str, Any]:
    expected, messages = messages_for(streams, total, per_message, start)
    began = time.perf_counter()
    published = publish(port, prefix, messages, publishers)
    stored, seconds = wait_stored(start, expected, began)
    return {
        "observations": expected,
        "messages": len(messages),
        "per_message": per_message,
        "publishers": publishers,
        "publish_seconds": round(published, 2),
        "seconds": round(seconds, 2),
        "stored": stored,
        "obs_per_s": round(stored / seconds),
    }


def bench_drain(
    streams: list[int],
    total: int,
    worker_args: tuple[int, str, Path, int, str],
    per_message: int,
    start: datetime.datetime,
    publishers: int,
) -> dict[str, Any]:
    """Publish while the worker is away, then time the worker's subscription → all stored.

    The broker starts sending the queue as soon as the worker connects, a few milliseconds
    before the worker logs its subscription; the few readings stored meanwhile are counted.
    """
    port, prefix = worker_args[0], worker_args[1]
    expected, messages = messages_for(streams, total, per_message, start)
    published = publish(port, prefix, messages, publishers)
    began = time.perf_counter()
    worker = start_worker(*worker_args)  # subscribed: the broker is already sending the queue
    connected = time.perf_counter() - began
    stored, seconds = wait_stored(start, expected, began)
    seconds -= connected  # the worker's own start (Django, connect) is not ingest
    return {
        "observations": expected,
        "messages": len(messages),
        "per_message": per_message,
        "publishers": publishers,
        "publish_seconds": round(published, 2),
        "worker_start_seconds": round(connected, 2),
        "seconds": round(seconds, 2),
        "stored": stored,
        "obs_per_s": round(stored / seconds),
        "worker": worker,
    }


def bench_alerts(ds: int, port: int, prefix: str, rounds: int) -> dict[str, Any]:
    from tinhso.notifications.models import Delivery
    from tinhso.sensors.models import SalinityAlert, Subscription, Thing
    from tinhso.sensors.publisher import Publisher, observation

    sub = Subscription.objects.create(
        medium="email",
        contact="bench@example.vn",
        uses=["rice"],
        token=uuid.uuid4().hex,
        confirmed_at=T0,
    )
    sub.stations.add(Thing.objects.get(datastreams=ds))
    publisher = Publisher(port=port, prefix=prefix)
    moment = datetime.datetime.now(tz=datetime.UTC).replace(microsecond=0)  # payloads carry seconds
    moment -= datetime.timedelta(hours=26 * rounds + 1)
    to_event, to_sent = [], []
    for _ in range(rounds):
        # below the limit, then 25 hours later still below: the alert clears (a tidal day)
        moment += datetime.timedelta(seconds=10)
        publisher.send(ds, observation(moment, 0.2))
        moment += datetime.timedelta(hours=25)
        publisher.send(ds, observation(moment, 0.2))
        moment += datetime.timedelta(seconds=10)
        publisher.flush()
        time.sleep(0.3)
        sent_at = datetime.datetime.now(tz=datetime.UTC)
        publisher.send(ds, observation(moment, 1.5))  # crosses rice's 1 g/L
        publisher.flush()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            alert = SalinityAlert.objects.filter(
                use="rice", kind="raised", phenomenon_time=moment, datastream_id=ds
            ).first()
            sent = Delivery.objects.filter(topic="salinity_alert", status="sent")
            delivery = sent.filter(key=f"{alert.pk}:{sub.pk}").first() if alert else None
            if alert and delivery and delivery.sent_at:
                to_event.append((alert.created_at - sent_at).total_seconds() * 1000)
                to_sent.append((delivery.sent_at - sent_at).total_seconds() * 1000)
                break
            time.sleep(0.01)
    publisher.close()
    raised = SalinityAlert.objects.filter(use="rice", kind="raised", datastream_id=ds).count()

    def stats(values: list[float]) -> dict[str, float]:
        ordered = sorted(values)
        return (
            {
                "p50_ms": round(statistics.median(ordered), 1),
                "p95_ms": round(ordered[max(0, -(-95 * len(ordered) // 100) - 1)], 1),
                "max_ms": round(ordered[-1], 1),
            }
            if ordered
            else {}
        )

    return {
        "rounds": rounds,
        "alerts_raised": raised,
        "delivered": len(to_sent),
        "publish_to_event": stats(to_event),
        "publish_to_sent": stats(to_sent),
    }


def report(results: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(tz=datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"sensors-{stamp}.json").write_text(json.dumps(results, indent=2, default=str))
    m = results["machine"]
    print(
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; PostgreSQL "
        f"{m['postgresql']}; {m['mosquitto']}; paho-mqtt {m['paho_mqtt']}; load {m['load_average_before']}"
    )
    print("\n| path | observations | messages | seconds | observations/s |\n|---|---|---|---|---|")
    d = results["direct"]
    print(
        f"| direct (ingest, batches of {d['batch']}) | {d['observations']} | — | {d['seconds']} | {d['obs_per_s']} |"
    )
    for key, how in (
        ("mqtt_single", "end to end"),
        ("mqtt_array60", "end to end"),
        ("drain_single", "queued backlog drained"),
        ("drain_array60", "queued backlog drained"),
    ):
        r = results.get(key)
        if r is None:
            continue
        print(
            f"| MQTT, {r['per_message']} obs/message, {how}, {r['publishers']} publishers | "
            f"{r['stored']}/{r['observations']} | {r['messages']} | {r['seconds']} | "
            f"{r['obs_per_s']} |"
        )
    a = results["alerts"]
    print(
        f"\nAlert delay over {a['rounds']} crossings ({a['delivered']} delivered, "
        f"{a['alerts_raised']} raised): publish→event committed {a['publish_to_event']}, "
        f"publish→e-mail sent {a['publish_to_sent']}"
    )


if __name__ == "__main__":
    main()
