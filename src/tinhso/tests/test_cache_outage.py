"""While Redis is unreachable the cache answers as an empty one: the API, the lookup and sign-in
keep working (their limits uncounted for the outage) instead of answering 500."""

import logging
import os
import socket

import pytest
from django.core.cache import caches
from django.test import Client

from tinhso import cache as cache_module
from tinhso.cache import ResilientRedisCache
from tinhso.testing import make_cast


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nothing listens there once the probe is closed


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "tinhso.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    # Django's setting_changed handler drops the cache connections: the next use builds this one.
    return caches["default"]


def test_every_operation_answers_as_an_empty_cache(redis_down, caplog, monkeypatch):
    monkeypatch.setattr(cache_module, "_last_logged", 0.0)  # logged at most every 30 s
    cache = redis_down
    assert isinstance(cache, ResilientRedisCache)
    with caplog.at_level(logging.ERROR, logger="tinhso.cache"):
        assert cache.get("k", "default") == "default"
        assert cache.add("k", 0, 60) is False
        assert cache.incr("k") == 1
        cache.set("k", 1, 60)
        assert cache.get_many(["a", "b"]) == {}
        assert cache.has_key("k") is False
        assert cache.delete("k") is False
    assert "Redis cache unreachable" in caplog.text


def test_api_lookup_and_sign_in_answer_while_redis_is_down(db, redis_down, settings):
    settings.TINHSO_API_RATE_ANON = "5/m"
    make_cast()
    client = Client()
    for _ in range(3):
        assert client.get("/api/v1/procedures").status_code == 200
    lookup = client.get("/api/v1/lookup/KHONG-CO", {"phone_last4": "1234"})
    assert lookup.status_code == 404 and lookup.json()["field"] == "code"
    token = client.post(
        "/api/v1/auth/token",
        {"username": "nobody", "password": "wrong-password"},
        content_type="application/json",
    )
    assert token.status_code == 401, token.content


def test_a_missing_counter_still_raises_with_redis_up():
    """Only unreachability is absorbed: incr on a missing key keeps Django's ValueError."""
    url = os.environ.get("TINHSO_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    cache = ResilientRedisCache(url, {"OPTIONS": {"socket_connect_timeout": 1}})
    try:
        cache.get("probe")
    except Exception:  # pragma: no cover - no Redis on this machine
        pytest.skip("no Redis on 127.0.0.1:6379")
    cache.delete("tinhso-test-missing")
    with pytest.raises(ValueError):
        cache.incr("tinhso-test-missing")
