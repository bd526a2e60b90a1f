"""``tinhso sensors_ingest``: run the MQTT ingest worker until SIGINT/SIGTERM."""

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from tinhso.sensors.mqtt_worker import PAHO_VERSION, IngestWorker, WorkerConfig


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


class Command(BaseCommand):
    help = "Subscribe to v1.1/+/Observations (QoS 1) and store Datastreams(<id>) observations."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=_setting("TINHSO_MQTT_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=_setting("TINHSO_MQTT_PORT", 1883))
        parser.add_argument(
            "--client-id", default=_setting("TINHSO_MQTT_CLIENT_ID", "tinhso-sensors-ingest")
        )
        parser.add_argument(
            "--prefix",
            default=_setting("TINHSO_MQTT_PREFIX", ""),
            help="topic prefix, e.g. 'bentre/' (topics are <prefix>v1.1/Datastreams(<id>)/Observations)",
        )
        parser.add_argument(
            "--session-expiry", type=int, default=WorkerConfig.session_expiry, help="seconds"
        )
        parser.add_argument("--batch-size", type=int, default=WorkerConfig.batch_size)
        parser.add_argument("--batch-window", type=float, default=WorkerConfig.batch_window)
        parser.add_argument("--receive-maximum", type=int, default=WorkerConfig.receive_maximum)

    def handle(self, *args: Any, **options: Any) -> None:
        config = WorkerConfig(
            host=options["host"],
            port=options["port"],
            client_id=options["client_id"],
            prefix=options["prefix"],
            session_expiry=options["session_expiry"],
            username=_setting("TINHSO_MQTT_USERNAME", ""),
            password=_setting("TINHSO_MQTT_PASSWORD", ""),
            tls=bool(_setting("TINHSO_MQTT_TLS", False)),
            batch_size=options["batch_size"],
            batch_window=options["batch_window"],
            receive_maximum=options["receive_maximum"],
        )
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        self.stdout.write(
            f"sensors_ingest: paho-mqtt {PAHO_VERSION}, {config.host}:{config.port}, "
            f"client id {config.client_id}, topic {config.prefix}v1.1/+/Observations",
        )
        self.stdout.flush()
        stats = IngestWorker(config).run(stop)
        self.stdout.write(
            f"stopped: received {stats.received}, stored {stats.stored}, "
            f"rejected {stats.rejected}, alerts {stats.alerts}, batches {stats.batches}"
        )
