"""Celery application. Without a broker configured, tasks run in-process (eager)."""

import logging
import os
from typing import Any

from celery import Celery
from kombu.transport import redis as kombu_redis

logger = logging.getLogger(__name__)


class _QoS(kombu_redis.QoS):
    """kombu's Redis QoS, surviving a broker that goes away while tasks are unacknowledged.

    When Redis goes down, the worker closes the lost connection, and closing the channel
    restores the unacknowledged messages (our tasks are acknowledged late, so there usually are
    some) through a connection whose client kombu has already dropped: kombu 5.7.0 raises
    ``AttributeError: 'NoneType' object has no attribute 'hostname'`` and the worker exits with
    "Unrecoverable error" instead of reconnecting (seen in the fault tests, docs/operations.md).
    Without a client there is nothing to restore them through: they stay in Redis's unacked
    set, and the next worker connected restores them after the visibility timeout (or, if Redis
    lost them, the catch-up sweeps redo the work).
    """

    def restore_unacked(self, client: Any = None) -> None:
        if client is None and self.channel.connection.client is None:
            logger.warning(
                "Broker connection lost: %s unacknowledged message(s) left to the visibility "
                "timeout",
                len(self._delivered),
            )
            self._delivered.clear()
            return
        super().restore_unacked(client)


class _Channel(kombu_redis.Channel):
    QoS = _QoS


class RedisTransport(kombu_redis.Transport):
    """The Redis transport with ``_QoS`` (``CELERY_BROKER_TRANSPORT`` for redis:// brokers)."""

    Channel = _Channel


os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.settings")

app = Celery("tinhso")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
