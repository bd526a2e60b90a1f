"""A small MQTT publisher of SensorThings observations (simulator, tests, benchmark)."""

import datetime
import json
import threading
import uuid
from typing import Any

import paho.mqtt.client as mqtt

from tinhso.sensors.readings import PUBLISH_TOPIC

WINDOW = 20000  # messages sent but not yet acknowledged by the broker


def topic_for(datastream_id: int, prefix: str = "") -> str:
    return prefix + PUBLISH_TOPIC.format(id=datastream_id)


def observation(moment: datetime.datetime, value: float, **extra: Any) -> dict[str, Any]:
    stamp = moment.astimezone(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return {"phenomenonTime": stamp, "result": round(value, 3), **extra}


class Publisher:
    """QoS 1 publisher; ``flush()`` waits until the broker has acknowledged everything sent."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 1883,
        prefix: str = "",
        client_id: str | None = None,
        max_inflight: int = 200,
    ) -> None:
        self.prefix = prefix
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id or f"tinhso-pub-{uuid.uuid4().hex[:12]}",
            protocol=mqtt.MQTTv5,
        )
        self.client.max_inflight_messages_set(max_inflight)
        self.client.max_queued_messages_set(0)
        self._connected = threading.Event()
        self.client.on_connect = lambda *args: self._connected.set()
        self.client.connect(host, port, keepalive=30)
        self.client.loop_start()
        if not self._connected.wait(10):
            raise ConnectionError(f"MQTT broker {host}:{port} did not answer")
        self._pending: list[mqtt.MQTTMessageInfo] = []

    def send(self, datastream_id: int, body: Any, qos: int = 1) -> None:
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_raw(topic_for(datastream_id, self.prefix), payload, qos)

    def send_raw(self, topic: str, payload: bytes, qos: int = 1) -> None:
        info = self.client.publish(topic, payload, qos=qos)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            raise ConnectionError(f"publish failed: {mqtt.error_string(info.rc)}")
        self._pending.append(info)
        if len(self._pending) >= WINDOW:  # back-pressure: wait for the older half, then trim
            self._pending[WINDOW // 2].wait_for_publish(60)
            self._pending = [i for i in self._pending if not i.is_published()]

    def flush(self, timeout: float = 60.0) -> None:
        for info in self._pending:
            info.wait_for_publish(timeout)
        self._pending = []

    def close(self) -> None:
        self.flush()
        self.client.disconnect()
        self.client.loop_stop()
