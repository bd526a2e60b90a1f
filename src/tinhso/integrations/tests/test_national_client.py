"""The national client against a real HTTP gateway in a thread (national_gateway), per profile."""

import base64
import json
import socket
import time

import pytest
from django.core.cache import cache

from tinhso.integrations.national.client import (
    LOOKUP,
    PROGRESS,
    UPSERT,
    CallRecord,
    NationalClient,
    jwt_lifetime,
    retry_after_seconds,
)
from tinhso.integrations.tests.national_gateway import Gateway, running_gateway

DOSSIER = {"MaHoSo": "000.00.12.H61-250610-0001", "TrangThaiHoSo": "2"}


@pytest.fixture
def gateway(settings):
    cache.clear()
    with running_gateway() as gw:
        settings.TINHSO_DVCQG_URL = gw.url
        settings.TINHSO_DVCQG_USERNAME = "tinhso"
        settings.TINHSO_DVCQG_PASSWORD = "pw"
        settings.TINHSO_DVCQG_DSTCODE = "DVCQG"
        settings.TINHSO_DVCQG_UNIT_CODE = "000.00.00.H61"
        settings.TINHSO_DVCQG_CONNECT_TIMEOUT = 2.0
        settings.TINHSO_DVCQG_READ_TIMEOUT = 5.0
        yield gw
    cache.clear()


def client(profile: str, log: list[CallRecord]) -> NationalClient:
    return NationalClient(profile, log=log.append)


def upsert(c: NationalClient, *, updating: bool = False):
    payload = {"isUpdating": "True" if updating else "False", "data": [DOSSIER]}
    return c.call(UPSERT, payload, key=DOSSIER["MaHoSo"], attempt=2)


def test_profile_a_authenticates_with_dstcode_and_sends_the_session_envelope(gateway: Gateway):
    log: list[CallRecord] = []
    reply = upsert(client("A", log))
    assert reply.ok and reply.kind == "ok" and reply.code == "0"
    auth = gateway.calls("auth")[0]
    assert auth.headers["dstcode"] == "DVCQG"
    assert auth.body == {"username": "tinhso", "password": "pw"}
    body = gateway.calls("integration")[0].body
    assert body["session"] == "s1" and body["madonvi"] == "000.00.00.H61"
    assert body["service"] == "DongBoHoSoMC" and body["isUpdating"] == "False"
    assert body["data"] == [DOSSIER]
    assert [r.service for r in log] == ["auth", UPSERT]


def test_profile_a_reuses_the_cached_session(gateway: Gateway):
    c = client("A", [])
    upsert(c)
    assert upsert(c, updating=True).ok
    assert len(gateway.calls("auth")) == 1
    assert NationalClient("A", log=lambda r: None).call(LOOKUP, {"mahoso": "x"}).ok
    assert len(gateway.calls("auth")) == 1  # another client in the process shares the cache


def test_expired_session_is_refreshed_once_and_the_call_replayed(gateway: Gateway):
    log: list[CallRecord] = []
    c = client("A", log)
    upsert(c)
    gateway.expire_sessions()
    reply = upsert(c, updating=True)
    assert reply.ok
    assert len(gateway.calls("auth")) == 2
    assert [r.service for r in log] == ["auth", UPSERT, UPSERT, "auth", UPSERT]
    assert [r.outcome for r in log][2] == "auth"


def test_a_session_refused_twice_is_an_auth_reply_without_a_third_try(gateway: Gateway):
    gateway.void_sessions = True
    reply = upsert(client("A", []))
    assert not reply.ok and reply.kind == "auth" and reply.code == "-2"
    assert len(gateway.calls("auth")) == 2 and len(gateway.calls("integration")) == 2


@pytest.mark.parametrize("style", [0, "0", "00", " 0 "])
def test_every_success_code_style_is_success(gateway: Gateway, style):
    gateway.style = style
    reply = upsert(client("A", []))
    assert reply.ok and reply.code == str(style).strip()


def test_a_refusal_keeps_the_portal_message_verbatim(gateway: Gateway):
    gateway.mode = "reject"
    log: list[CallRecord] = []
    reply = upsert(client("A", log))
    assert not reply.ok and reply.kind == "rejected"
    assert (reply.code, reply.message) == ("-1", "MaTTHC không hợp lệ")
    assert log[-1].error_code == "-1" and log[-1].message == "MaTTHC không hợp lệ"


def test_a_message_holding_json_is_unwrapped(gateway: Gateway):
    gateway.mode = "wrapped"
    reply = client("A", []).call(LOOKUP, {"mahoso": "H61-1"})
    assert reply.ok and reply.result == [{"MaHoSo": "H61-1"}]


def test_profile_b_posts_bare_arrays_to_one_url_per_operation(gateway: Gateway):
    c = client("B", [])
    assert upsert(c).ok
    assert upsert(c, updating=True).ok
    assert gateway.calls("hoso/themmoi")[0].body == [DOSSIER]
    assert gateway.calls("hoso/capnhat")[0].body == [DOSSIER]
    assert not gateway.calls("auth") and not gateway.calls("token")


def test_plain_text_progress_is_a_heuristic_success(gateway: Gateway):
    log: list[CallRecord] = []
    reply = client("B", log).call(PROGRESS, {"data": [{"MaHoSo": "x"}]})
    assert reply.ok and reply.heuristic and reply.message == "Cập nhật thành công"
    assert log[-1].outcome == "heuristic_ok"
    assert gateway.progress == [{"MaHoSo": "x"}]


def test_plain_text_without_a_success_phrase_is_not_a_success(gateway: Gateway):
    gateway.mode = "text_unknown"
    reply = client("B", []).call(PROGRESS, {"data": [{"MaHoSo": "x"}]})
    assert not reply.ok and reply.kind == "garbage"


def test_profile_c_takes_the_token_from_inside_message_and_sends_it_as_bearer(gateway: Gateway):
    log: list[CallRecord] = []
    reply = upsert(client("C", log))
    assert reply.ok
    token = gateway.calls("token")[0]
    assert token.body["grant_type"] == "client_credentials"
    assert token.body["client_id"] == "tinhso"
    assert gateway.calls("lgsp/hoso/themmoi")[0].headers["Authorization"] == "Bearer t1"
    assert log[0].service == "token" and "t1" not in log[0].message  # no secret in the log


def test_profile_c_refreshes_a_refused_token_once(gateway: Gateway):
    c = client("C", [])
    upsert(c)
    gateway.expire_sessions()
    assert upsert(c, updating=True).ok
    assert len(gateway.calls("token")) == 2


def test_5xx_is_a_server_reply(gateway: Gateway):
    gateway.mode = "5xx"
    reply = upsert(client("A", []))
    assert (reply.ok, reply.kind, reply.http_status) == (False, "server", 503)


def test_429_carries_retry_after(gateway: Gateway):
    gateway.mode = "429"
    reply = upsert(client("B", []))
    assert reply.kind == "rate_limited" and reply.retry_after == 7.0


def test_non_json_200_is_garbage(gateway: Gateway):
    gateway.mode = "garbage"
    reply = upsert(client("A", []))
    assert (reply.ok, reply.kind, reply.http_status) == (False, "garbage", 200)


def test_read_timeout_after_sending_is_an_unknown_outcome(gateway: Gateway, settings):
    settings.TINHSO_DVCQG_READ_TIMEOUT = 0.3
    gateway.mode = "slow"
    log: list[CallRecord] = []
    reply = upsert(client("B", log))
    assert reply.kind == "timeout" and reply.unknown_outcome
    assert log[-1].http_status is None and log[-1].outcome == "timeout"


def test_refused_connection_is_not_an_unknown_outcome(settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.TINHSO_DVCQG_URL = f"http://127.0.0.1:{port}"
    reply = upsert(client("B", []))
    assert reply.kind == "connection" and not reply.unknown_outcome


def test_a_failed_authentication_never_reaches_the_business_call(gateway: Gateway, settings):
    settings.TINHSO_DVCQG_URL = gateway.url + "/nowhere"  # its "auth" answers no session
    reply = upsert(client("A", []))
    assert not reply.ok and not reply.unknown_outcome
    assert not gateway.calls("nowhere/integration")


def test_every_call_is_logged_with_hash_latency_and_attempt_but_no_payload(gateway: Gateway):
    log: list[CallRecord] = []
    upsert(client("A", log))
    record = log[-1]
    assert record.system == "dvcqg" and record.key == DOSSIER["MaHoSo"]
    assert record.attempt == 2 and record.http_status == 200 and record.latency_ms >= 0
    assert len(record.request_hash) == 64
    assert "MaHoSo" not in record.message and len(record.message) <= 4096


def test_credentials_leave_no_hash_and_no_session_in_the_log(gateway: Gateway):
    log: list[CallRecord] = []
    upsert(client("A", log))
    assert (log[0].service, log[0].request_hash, log[0].message) == ("auth", "", "")


@pytest.mark.django_db
def test_default_log_is_the_integration_log(gateway: Gateway):
    from tinhso.integrations.models import IntegrationLog

    NationalClient("A").call(UPSERT, {"isUpdating": "False", "data": [DOSSIER]}, key="K-1")
    rows = list(IntegrationLog.objects.filter(system="dvcqg").order_by("pk"))
    assert [(r.service, r.key, r.http_status, r.error_code) for r in rows] == [
        ("auth", "K-1", 200, "0"),
        ("DongBoHoSoMC", "K-1", 200, "0"),
    ]


def test_site_url_placeholder_is_replaced(settings):
    settings.TINHSO_SITE_URL = "https://dvc.example.vn"
    settings.TINHSO_DVCQG_URL = "{site_url}/sandbox/national/"
    assert NationalClient("A").base == "https://dvc.example.vn/sandbox/national"


def test_jwt_session_is_reused_only_until_its_exp():
    claims = base64.urlsafe_b64encode(json.dumps({"exp": time.time() + 600}).encode()).decode()
    assert 590 < (jwt_lifetime(f"eyJhbGciOiJIUzI1NiJ9.{claims.rstrip('=')}.sig") or 0) <= 600
    assert jwt_lifetime("opaque-session") is None


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after_seconds("12") == 12.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after_seconds("soon") is None


# --- the gateway's REST routes (catalogue, inbound pull) -----------------------------------------


def test_gateway_get_carries_profile_a_session_as_bearer_and_unwraps_the_message(gateway):
    log: list[CallRecord] = []
    reply = client("A", log).gateway(
        "GET", "catalogue/LayThuTuc", service="LayThuTuc", params={"maTTHC": "1.001193"}
    )
    assert reply.ok and reply.result == {
        "echo": {"maTTHC": "1.001193"},
        "route": "catalogue/LayThuTuc",
    }
    seen = gateway.calls("catalogue/LayThuTuc")[0]
    assert seen.headers["Authorization"] == "Bearer s1"
    assert [(r.service, r.outcome) for r in log] == [("auth", "ok"), ("LayThuTuc", "ok")]


def test_gateway_put_under_profile_b_fetches_a_token_first(gateway):
    log: list[CallRecord] = []
    reply = client("B", log).gateway(
        "PUT", "inbound/ack", service="ack", json_body={"maHoSo": "X", "daNhan": True}
    )
    assert reply.ok and reply.result["echo"] == {"maHoSo": "X", "daNhan": True}
    assert gateway.calls("token") and not gateway.calls("auth")
    assert gateway.calls("inbound/ack")[0].headers["Authorization"] == "Bearer t1"


def test_gateway_refreshes_an_expired_session_once_and_replays(gateway):
    log: list[CallRecord] = []
    c = client("C", log)
    assert c.gateway("GET", "inbound/list", service="list").ok
    gateway.expire_sessions()
    reply = c.gateway("GET", "inbound/list", service="list")
    assert reply.ok
    assert [r.outcome for r in log if r.service == "list"] == ["ok", "auth", "ok"]
    assert len(gateway.calls("token")) == 2


def test_gateway_reports_a_server_failure_without_raising(gateway):
    gateway.mode = "5xx"
    reply = client("A", []).gateway("GET", "inbound/list", service="list")
    assert not reply.ok and reply.kind == "server" and reply.http_status == 503
