"""The MQTT ingest worker: QoS 1, persistent session, batches, acknowledgement after commit.

The worker connects with MQTT 5, a fixed client id, ``clean_start=False`` and a session expiry,
so the broker keeps its subscription and queues messages while it is away. Messages are
acknowledged manually (paho ``manual_ack_set``) and only after the batch holding them has been
committed: a worker killed at any moment loses nothing the broker delivered, because whatever
was not acknowledged is delivered again and duplicates are dropped on (datastream,
phenomenonTime). Acknowledgements of messages received on an earlier connection are not sent
(their packet ids belong to that connection); the broker redelivers those messages.

A batch closes at ``batch_size`` observations (readings and rejections; a message may carry an
array of observations) or ``batch_window`` seconds after its first message. Messages are parsed
in a thread of their own while the previous batch is being stored.
Bad input never stops the worker: it becomes a RejectedReading. A database outage is retried
with backoff without acknowledging, so the messages stay with the broker.
"""

import datetime
import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt
import paho.mqtt.client as mqtt
from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    connections,
)
from django.urls import reverse
from django.utils import timezone
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from tinhso.sensors.ingest import IngestResult, ingest
from tinhso.sensors.readings import SUBSCRIBE_TOPIC, Reading, Rejection, parse_mqtt

logger = logging.getLogger("tinhso.sensors.worker")
PAHO_VERSION = paho.mqtt.__version__


@dataclass(frozen=True, slots=True)
class Received:
    topic: str
    payload: bytes
    mid: int
    qos: int
    generation: int


@dataclass
class Batch:
    """Messages and what parsing them gave, stored and acknowledged together."""

    now: datetime.datetime
    messages: list[Received] = field(default_factory=list)
    readings: list[Reading] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.readings) + len(self.rejections)

    def add(self, message: Received, prefix: str) -> None:
        found, refused = parse_mqtt(message.topic, message.payload, self.now, prefix)
        self.messages.append(message)
        self.readings += found
        self.rejections += refused


@dataclass
class WorkerConfig:
    host: str = "127.0.0.1"
    port: int = 1883
    client_id: str = "tinhso-sensors-ingest"
    prefix: str = ""  # e.g. "bentre/" when the broker is shared; topics are prefix + v1.1/...
    username: str = ""
    password: str = ""
    tls: bool = False
    batch_size: int = 5000
    batch_window: float = 0.2
    receive_maximum: int = 20000
    session_expiry: int = 7 * 24 * 3600
    keepalive: int = 30


@dataclass
class WorkerStats:
    received: int = 0
    stored: int = 0
    batches: int = 0
    alerts: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    stale_acks_skipped: int = 0


class IngestWorker:
    def __init__(self, config: WorkerConfig) -> None:
        self.config = config
        self.stats = WorkerStats()
        self.inbox: queue.Queue[Received] = queue.Queue()
        self.generation = 0
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        self.store_idle = threading.Event()
        self.topic = config.prefix + SUBSCRIBE_TOPIC
        self.client = self._client()

    def _client(self) -> mqtt.Client:
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=self.config.client_id,
            protocol=mqtt.MQTTv5,
        )
        client.manual_ack_set(True)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        if self.config.username:
            client.username_pw_set(self.config.username, self.config.password or None)
        if self.config.tls:
            client.tls_set()
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        return client

    # --- paho callbacks (network thread) ---------------------------------------------------

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        if reason.is_failure:
            logger.error("MQTT connection refused: %s", reason)
            return
        self.generation += 1
        logger.info(
            "connected to %s:%s as %s (session present: %s)",
            self.config.host,
            self.config.port,
            self.config.client_id,
            flags.session_present,
        )
        client.subscribe(self.topic, qos=1)
        self.connected.set()

    def _on_subscribe(
        self, client: mqtt.Client, userdata: Any, mid: int, reasons: Any, props: Any
    ) -> None:
        logger.info("subscribed to %s", self.topic)
        self.subscribed.set()

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        self.connected.clear()
        if reason.is_failure:
            logger.warning("MQTT connection lost: %s; reconnecting", reason)

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        self.inbox.put(Received(msg.topic, msg.payload, msg.mid, msg.qos, self.generation))

    # --- main loop -------------------------------------------------------------------------

    def start(self) -> None:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self.config.session_expiry
        props.ReceiveMaximum = self.config.receive_maximum
        self.client.connect_async(
            self.config.host,
            self.config.port,
            keepalive=self.config.keepalive,
            clean_start=False,
            properties=props,
        )
        self.client.loop_start()

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def run(self, stop: threading.Event) -> WorkerStats:
        """Consume until ``stop`` is set; the last batch is committed and acknowledged first.

        Two stages overlap: a parsing thread turns messages into batches of readings while
        this thread stores the previous batch (the database works on the other core meanwhile,
        and a thread waiting for it releases the GIL). At most two parsed batches wait.
        """
        # Alert messages carry links: load the URLconf now (seconds on a cold start), not
        # while the first alert waits.
        reverse("sensors:map")
        parsed: queue.Queue[Batch] = queue.Queue(maxsize=2)
        parser = threading.Thread(target=self._parse_loop, args=(stop, parsed), daemon=True)
        self.start()
        parser.start()
        try:
            while True:
                try:
                    batch = parsed.get_nowait()
                except queue.Empty:
                    self.store_idle.set()  # the parser may close a batch early: nothing waits
                    try:
                        batch = parsed.get(timeout=0.2)
                    except queue.Empty:
                        if stop.is_set() and not parser.is_alive():
                            break
                        continue
                    finally:
                        self.store_idle.clear()
                self._process(batch, stop)
        finally:
            stop.set()
            parser.join(5)
            self.stop()
            connections.close_all()
        return self.stats

    def _parse_loop(self, stop: threading.Event, parsed: "queue.Queue[Batch]") -> None:
        while not stop.is_set():
            batch = self._collect(stop)
            if batch is not None:
                parsed.put(batch)  # blocks while two batches wait: the broker holds the rest

    def _collect(self, stop: threading.Event) -> "Batch | None":
        """Messages parsed as they arrive, until ``batch_size`` observations (readings and
        rejections) or ``batch_window`` seconds after the first message, or as soon as no
        message is waiting while the storing thread has nothing to do: a lone reading (one
        that may raise an alert) is not held back for the window, and under load the batches
        grow by themselves while the previous one is being stored."""
        try:
            first = self.inbox.get(timeout=0.2)
        except queue.Empty:
            return None
        now = timezone.now()
        batch = Batch(now)
        batch.add(first, self.config.prefix)
        deadline = time.monotonic() + self.config.batch_window
        while batch.size < self.config.batch_size:
            try:
                message = self.inbox.get_nowait()  # take what is already waiting
            except queue.Empty:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.store_idle.is_set():
                    break
                try:
                    message = self.inbox.get(timeout=remaining)
                except queue.Empty:
                    break
            batch.add(message, self.config.prefix)
        return batch

    def _process(self, batch: "Batch", stop: threading.Event) -> None:
        delay = 0.5
        while True:
            try:
                result = ingest(batch.readings, batch.rejections, source="mqtt")
                break
            except (OperationalError, InterfaceError) as exc:
                logger.warning("database unavailable (%s); retrying in %.1f s", exc, delay)
                close_old_connections()
                if stop.wait(delay):
                    return  # not acknowledged: the broker delivers these again
                delay = min(delay * 2, 30.0)
            except DatabaseError:
                logger.exception(
                    "batch of %d messages failed; storing one by one", len(batch.messages)
                )
                result = self._one_by_one(batch.messages, batch.now)
                break
        self._ack(batch.messages)
        self.stats.received += len(batch.messages)
        self.stats.batches += 1
        self.stats.stored += len(result.stored)
        self.stats.alerts += result.alerts
        for reason, count in result.counts.items():
            if reason != "stored":
                self.stats.rejected[reason] = self.stats.rejected.get(reason, 0) + count

    def _one_by_one(self, batch: list[Received], now: Any) -> Any:
        total = IngestResult()
        for message in batch:
            found, refused = parse_mqtt(message.topic, message.payload, now, self.config.prefix)
            try:
                part = ingest(found, refused, source="mqtt")
            except DatabaseError as exc:
                excerpt = message.payload[:500].decode("utf-8", "replace")
                rejection = Rejection(
                    "malformed", f"not storable: {exc}"[:300], excerpt, message.topic
                )
                try:
                    part = ingest([], [rejection], source="mqtt")
                except DatabaseError:
                    logger.exception(
                        "message on %s dropped: not even its rejection is storable", message.topic
                    )
                    continue
            total.stored += part.stored
            total.rejected += part.rejected
            total.alerts += part.alerts
        return total

    def _ack(self, batch: list[Received]) -> None:
        generation = self.generation
        for message in batch:
            if message.qos == 0:
                continue
            if message.generation != generation:
                self.stats.stale_acks_skipped += 1
                continue
            self.client.ack(message.mid, message.qos)
