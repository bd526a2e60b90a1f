"""Knobs from the environment (spec §11.3): ``TINHSO_DVCQG_SANDBOX_<KNOB>`` is the default, the
``faults`` API overrides it, ``reset`` returns to it."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from tinhso.sandboxes.national import catalogue, faults
from tinhso.sandboxes.tests.support import call, insert_b, login, post, state


def test_env_rate_knob_applies_without_the_api(client, monkeypatch):
    monkeypatch.setenv("TINHSO_DVCQG_SANDBOX_HTTP5XX_RATE", "1")
    assert insert_b(client).status_code == 502


def test_api_overrides_env_and_reset_returns_to_it(client, monkeypatch):
    monkeypatch.setenv("TINHSO_DVCQG_SANDBOX_HTTP5XX_RATE", "1")
    answer = post(client, "faults", {"HTTP5XX_RATE": 0}).json()
    assert answer["environment"] == {"HTTP5XX_RATE": 1.0}
    assert insert_b(client).status_code == 200
    assert state(client).json()["inserts"] == 1
    post(client, "reset", {})
    assert insert_b(client).status_code == 502


def test_env_knob_per_service_is_beaten_by_api_per_service_only(client, monkeypatch):
    monkeypatch.setenv("TINHSO_DVCQG_SANDBOX_HTTP5XX_RATE", "1")
    post(client, "faults", {"service": "DongBoHoSoMC", "HTTP5XX_RATE": 0})
    assert insert_b(client).status_code == 200
    assert post(client, "hoso/tientrinh", []).status_code == 502


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("TIMEOUT_RATE", "0.5", 0.5),
        ("TIMEOUT_AFTER_COMMIT", "true", True),
        ("ERROR_CODE_STYLE", "str00", "str00"),
        ("ACK_LOST", "applied", "applied"),
        ("ACK_LOST", "true", True),
        ("DUPLICATE_ACK", "1", True),
        # JSON would read this code as a number; the text is what the knob means.
        ("CATALOGUE_CHANGE", "1.004873", "1.004873"),
        ("CATALOGUE_CHANGE", "true", "1.001193"),
        ("RATE_LIMIT", " 30 ", 30),
    ],
)
def test_env_values_go_through_the_knob_parsers(monkeypatch, name, text, expected):
    monkeypatch.setenv(f"TINHSO_DVCQG_SANDBOX_{name}", text)
    assert faults.value(name, "any") == expected


@pytest.mark.parametrize(
    ("name", "text"),
    [("TIMEOUT_RATE", "2"), ("ACK_LOST", "sometimes"), ("CATALOGUE_CHANGE", "x"), ("NOPE", "1")],
)
def test_bad_env_value_fails_loudly(monkeypatch, name, text):
    monkeypatch.setenv(f"TINHSO_DVCQG_SANDBOX_{name}", text)
    if name == "NOPE":  # not a knob: not read at all
        assert faults.env_knobs() == {}
        return
    with pytest.raises(ImproperlyConfigured, match=name):
        faults.value(name, "any")


def test_empty_env_value_means_unset(monkeypatch):
    monkeypatch.setenv("TINHSO_DVCQG_SANDBOX_HTTP5XX_RATE", "")
    assert faults.value("HTTP5XX_RATE", "any") == 0.0


def test_env_catalogue_change_bumps_the_package(monkeypatch):
    base = catalogue.package("1.004873")
    monkeypatch.setenv("TINHSO_DVCQG_SANDBOX_CATALOGUE_CHANGE", "1.004873")
    changed = catalogue.package("1.004873")
    assert base is not None and changed is not None
    assert changed["IDQUYETDINHCONGBO"].startswith("SB-CHANGE-1.004873-")
    assert base["IDQUYETDINHCONGBO"] != changed["IDQUYETDINHCONGBO"]


def test_env_session_expire_now_fires_once_per_state(client, monkeypatch):
    monkeypatch.setenv("TINHSO_DVCQG_SANDBOX_SESSION_EXPIRE_NOW", "true")
    session = login(client)
    assert call(client, session, "TraCuuHoSo", mahoso="x").json()["error_code"] == -2
    fresh = login(client)
    assert call(client, fresh, "TraCuuHoSo", mahoso="x").json()["error_code"] == 0
    post(client, "reset", {})
    again = login(client)
    assert call(client, again, "TraCuuHoSo", mahoso="x").json()["error_code"] == -2
