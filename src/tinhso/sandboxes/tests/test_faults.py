"""Fault knobs of spec §11.3 for the sync services, set through ``POST faults``."""

import datetime
import json
import threading
import time
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
import requests
import time_machine
from django.core.wsgi import get_wsgi_application

from tinhso.sandboxes.tests.support import (
    BASE,
    CODE,
    call,
    dossier,
    faults,
    insert_b,
    login,
    post,
    state,
    step,
    upsert,
)


def test_unknown_knob_or_bad_value_is_refused(client):
    for body in (
        {"NO_SUCH_KNOB": 1},
        {"TIMEOUT_RATE": 2},
        {"ERROR_CODE_STYLE": "int1"},
        {"RATE_LIMIT": -1},
        {"SESSION_TTL": 0},
        {"TIMEOUT_AFTER_COMMIT": "yes"},
        {"service": 5},
    ):
        response = post(client, "faults", body)
        assert response.status_code == 400, body
        assert "detail" in response.json()
    assert post(client, "faults", [1]).status_code == 400


def test_knobs_are_global_or_per_service_and_null_removes(client):
    faults(client, HTTP5XX_RATE=1)
    knobs = faults(client, service="TraCuuHoSo", HTTP5XX_RATE=0).json()["knobs"]
    assert knobs == {
        "global": {"HTTP5XX_RATE": 1.0},
        "services": {"TraCuuHoSo": {"HTTP5XX_RATE": 0.0}},
    }
    assert insert_b(client).status_code in (502, 503, 504)
    knobs = faults(client, HTTP5XX_RATE=None).json()["knobs"]
    assert knobs["global"] == {}


def test_per_service_knob_leaves_other_services_alone(client):
    faults(client, service="CapNhatTienDoHoSoMC", HTTP5XX_RATE=1)
    assert insert_b(client).json()["error_code"] == "0"
    assert post(client, "hoso/tientrinh", [step()]).status_code == 502


def test_http5xx_rate_half_fails_every_second_call_with_html(client):
    session = login(client)
    faults(client, HTTP5XX_RATE=0.5)
    statuses = []
    for _ in range(6):
        response = call(client, session, "TraCuuHoSo", mahoso=CODE)
        statuses.append(response.status_code)
        if response.status_code != 200:
            assert response["Content-Type"].startswith("text/html")
            assert b"<html>" in response.content
    assert statuses == [200, 502, 200, 503, 200, 504]


def test_http5xx_rate_zero_turns_it_off(client):
    faults(client, HTTP5XX_RATE=1)
    assert insert_b(client).status_code >= 500
    faults(client, HTTP5XX_RATE=0)
    assert insert_b(client).status_code == 200
    assert state(client).json()["inserts"] == 1


def test_garbage_rate_answers_200_without_json_and_stores_nothing(client):
    faults(client, HTTP200_GARBAGE_RATE=1)
    bodies = []
    for _ in range(2):
        response = insert_b(client)
        assert response.status_code == 200
        bodies.append(response.content)
    assert bodies == [b"", b"<html><body>Request accepted</body></html>"]
    assert state(client).status_code == 404


def test_session_expire_now_fails_the_next_call_once_and_ends_sessions(client):
    session = login(client)
    faults(client, SESSION_EXPIRE_NOW=True)
    assert call(client, session, "TraCuuHoSo", mahoso=CODE).json()["error_code"] == -2
    assert call(client, session, "TraCuuHoSo", mahoso=CODE).json()["error_code"] == -2
    fresh = login(client)
    assert call(client, fresh, "TraCuuHoSo", mahoso=CODE).json()["error_code"] == 0


def test_session_expire_now_for_one_service(client):
    session = login(client)
    faults(client, service="DongBoHoSoMC", SESSION_EXPIRE_NOW=True)
    assert call(client, session, "TraCuuHoSo", mahoso=CODE).json()["error_code"] == 0
    assert upsert(client, session).json()["error_code"] == -2
    assert upsert(client, login(client)).json()["error_code"] == 0


@pytest.mark.parametrize(("style", "success"), [("int0", 0), ("str0", "0"), ("str00", "00")])
def test_error_code_style(client, style, success):
    faults(client, ERROR_CODE_STYLE=style)
    assert upsert(client, login(client)).json()["error_code"] == success
    assert insert_b(client).json()["error_code"] == (-3 if style == "int0" else "-3")


def test_default_styles_are_int_for_profile_a_and_string_for_profile_b(client):
    assert upsert(client, login(client)).json()["error_code"] == 0
    assert insert_b(client, dossier(MaHoSo="000.00.01.H61-251201-0002")).json()["error_code"] == "0"


def test_wrap_message_puts_the_lookup_result_inside_message(client):
    session = login(client)
    upsert(client, session)
    faults(client, WRAP_MESSAGE=True)
    answer = call(client, session, "TraCuuHoSo", mahoso=CODE).json()
    assert "result" not in answer
    assert json.loads(answer["message"]) == {"result": [dossier()]}


def test_progress_text_only_answers_unknown_text_but_stores(client):
    session = login(client)
    upsert(client, session)
    faults(client, PROGRESS_TEXT_ONLY=True)
    response = post(client, "hoso/tientrinh", [step()])
    assert response.status_code == 200
    assert "thành công" not in response.content.decode()
    response = call(client, session, "CapNhatTienDoHoSoMC", data=[step(TrangThai="4")])
    assert response["Content-Type"].startswith("text/plain")
    assert "thành công" not in response.content.decode()
    assert len(state(client).json()["progress"]) == 2


def test_rate_limit_answers_429_with_retry_after_then_frees(client):
    with time_machine.travel(datetime.datetime(2026, 1, 5, 8, 0, tzinfo=datetime.UTC)) as clock:
        faults(client, RATE_LIMIT=2)
        assert insert_b(client).status_code == 200
        clock.shift(10)
        assert insert_b(client).status_code == 200
        clock.shift(10)
        limited = insert_b(client)
        assert limited.status_code == 429
        assert limited["Retry-After"] == "40"
        clock.shift(41)
        assert insert_b(client, dossier(MaHoSo="000.00.01.H61-251201-0002")).status_code == 200


@pytest.mark.parametrize(
    ("style", "code", "phrase"),
    [
        ("thanhhoa", "-3", "đã tồn tại"),
        ("opencps", "3", "đã tồn tại"),
        ("success", "0", "đã tồn tại"),
    ],
)
def test_duplicate_style(client, style, code, phrase):
    insert_b(client)
    faults(client, DUPLICATE_STYLE=style)
    answer = insert_b(client).json()
    assert answer["error_code"] == code
    assert phrase in answer["message"]
    assert state(client).json()["inserts"] == 1


def test_timeout_before_commit_stores_nothing(client):
    faults(client, TIMEOUT_RATE=1, TIMEOUT_SECONDS=0.2)
    started = time.monotonic()
    response = insert_b(client)
    assert time.monotonic() - started >= 0.2
    assert response.status_code == 504
    assert state(client).status_code == 404


def test_timeout_after_commit_stores_then_sleeps(client):
    faults(client, TIMEOUT_RATE=1, TIMEOUT_AFTER_COMMIT=True, TIMEOUT_SECONDS=0.2)
    started = time.monotonic()
    assert insert_b(client).json()["error_code"] == "0"
    assert time.monotonic() - started >= 0.2
    assert state(client).json()["inserts"] == 1


class _ThreadedServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server():
    """The real WSGI application on a real socket, so that a client can time out."""
    httpd = make_server("127.0.0.1", 0, get_wsgi_application(), _ThreadedServer, _Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}{BASE}"
    httpd.shutdown()
    httpd.server_close()


def test_client_read_timeout_after_commit_leaves_the_dossier_stored_once(client, server):
    """Spec 11.4 scenario 2 in small: the client gives up, the insert happened; the retry is an
    update and the portal holds one dossier."""
    faults(
        client,
        service="DongBoHoSoMC",
        TIMEOUT_RATE=1,
        TIMEOUT_AFTER_COMMIT=True,
        TIMEOUT_SECONDS=1.5,
    )
    with pytest.raises(requests.ReadTimeout):
        requests.post(server + "hoso/themmoi", json=[dossier()], timeout=(2, 0.5))
    time.sleep(1.2)  # the server finishes its sleep
    assert state(client).json()["inserts"] == 1
    faults(client, service="DongBoHoSoMC", TIMEOUT_RATE=0)
    answer = requests.post(server + "hoso/capnhat", json=[dossier()], timeout=5).json()
    assert answer["error_code"] == "0"
    held = state(client).json()
    assert (held["inserts"], held["updates"]) == (1, 1)
    assert client.get(BASE + "state").json() == {"dossiers": [CODE]}


def test_reset_clears_knobs(client):
    faults(client, HTTP5XX_RATE=1)
    post(client, "reset", {})
    assert insert_b(client).status_code == 200


def test_auth_has_its_own_knobs(client):
    faults(client, service="auth", HTTP5XX_RATE=1)
    response = post(
        client,
        "auth",
        {"username": "tinhso-demo", "password": "demo-password"},
        headers={"dstcode": "DVCQG"},
    )
    assert response.status_code == 502
    assert insert_b(client).status_code == 200


def test_knobs_live_in_the_state_directory(client, settings, tmp_path):
    """Another server process pointed at the same directory sees the same knobs; another
    directory is another portal."""
    faults(client, HTTP5XX_RATE=1)
    assert (settings.TINHSO_NATIONAL_SANDBOX_DIR / "knobs.json").exists()
    settings.TINHSO_NATIONAL_SANDBOX_DIR = tmp_path / "other-portal"
    assert insert_b(client).status_code == 200


@pytest.mark.parametrize("path", ["reset", "faults", "hoso/themmoi", "auth", "integration"])
def test_a_cross_site_form_cannot_reach_the_sandbox_api(client, path):
    """A page on another site can make a browser POST a form, never JSON without a preflight: the
    sandbox's API answers 415 to anything but JSON and changes nothing."""
    post(client, "faults", {"HTTP5XX_RATE": 1})
    response = client.post(
        BASE + path, "HTTP5XX_RATE=0", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert "application/json" in response.json()["detail"]
    assert client.get(BASE + "state").status_code == 200  # still enabled, nothing reset
    knobs = post(client, "faults", {}).json()["knobs"]
    assert knobs["global"]["HTTP5XX_RATE"] == 1
