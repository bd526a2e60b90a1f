"""The population database's wire protocol and the field-by-field comparison (spec §7.2,
R-NAT-082/084), without HTTP: requests built, answers of every shape interpreted."""

import datetime
import json

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured

from tinhso.integrations import population
from tinhso.integrations.population import client, service
from tinhso.sandboxes.national import dancu


def answer(body, status=200) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = (body if isinstance(body, str) else json.dumps(body)).encode()
    return response


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Nguyễn Văn  An", "NGUYEN VAN AN"),
        ("đặng thị đào", "DANG THI DAO"),
        ("  Trương Gia Bảo ", "TRUONG GIA BAO"),
        ("Huỳnh Ngọc Hà", "HUYNH NGOC HA"),
    ],
)
def test_names_go_on_the_wire_upper_case_without_diacritics(name, expected):
    assert client.ascii_upper(name) == expected


def test_the_request_carries_every_field_as_a_string(settings):
    body = client.build_request(
        "083095001234", "VLG_DVC_1", name="Nguyễn Văn An", birth_date=datetime.date(1995, 3, 12)
    )
    assert body["HoVaTen"] == "NGUYEN VAN AN"
    assert (body["NgayThangNam"], body["Nam"]) == ("19950312", "1995")
    assert body["MaYeuCau"] == "VLG_DVC_1" and body["MaTichHop"] == "037"
    assert all(isinstance(value, str) for value in body.values())
    assert dancu.check(body) == ""  # what the sandbox's S-8 accepts


def test_request_ids_are_unique_and_carry_the_prefix(settings):
    settings.TINHSO_DANCU_REQUEST_PREFIX = "VLG_"
    ids = {client.new_request_id() for _ in range(200)}
    assert len(ids) == 200 and all(i.startswith("VLG_") and len(i) <= 64 for i in ids)


def test_a_found_citizen_is_read_from_the_soap_xml_inside_message():
    xml = dancu.envelope(dancu.PEOPLE["083301004567"])
    result = client.interpret(answer({"error_code": 0, "message": xml}), "083301004567")
    assert result.kind == "found"
    citizen = result.citizen
    assert citizen is not None
    assert citizen.name == "Trần Thị Bích" and citizen.sex == "female"
    assert citizen.birth_date == datetime.date(2001, 7, 20)
    assert citizen.permanent.text() == "78 Ấp 5, Phường An Hội, Tỉnh Vĩnh Long"
    assert (citizen.permanent.commune_code, citizen.current.detail) == ("28777", "45 Ấp 3")


@pytest.mark.parametrize(
    ("response", "kind", "failure"),
    [
        (answer({"error_code": "00", "message": dancu.envelope(None)}), "not_found", ""),
        (answer({"error_code": "-1", "message": "Thiếu MaYeuCau"}), "unavailable", "error_code:-1"),
        (answer("<html>502</html>", status=502), "unavailable", "http_502"),
        (answer("not json"), "unavailable", "bad_answer"),
        (answer({"error_code": "0", "message": "<unclosed"}), "unavailable", "bad_answer"),
        (answer({"error_code": "0", "message": ""}), "unavailable", "bad_answer"),
        (
            answer(
                {
                    "error_code": "0",
                    "message": '<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
                }
            ),
            "unavailable",
            "bad_answer",
        ),
    ],
)
def test_every_other_answer_is_not_found_or_unavailable(response, kind, failure):
    result = client.interpret(response, "083095001234")
    assert (result.kind, result.failure, result.citizen) == (kind, failure, None)


def test_a_citizen_with_another_id_in_the_answer_is_not_taken_for_the_one_asked():
    xml = dancu.envelope(dancu.PEOPLE["083095001234"])
    result = client.interpret(answer({"error_code": "0", "message": xml}), "083301004567")
    assert result.kind == "not_found"


def test_the_comparison_covers_only_the_declared_fields():
    citizen = client.interpret(
        answer({"error_code": "0", "message": dancu.envelope(dancu.PEOPLE["083095001234"])}),
        "083095001234",
    ).citizen
    assert citizen is not None
    assert service.compare(citizen, name="", birth_date=None, address="") == {}
    assert service.compare(
        citizen,
        name="nguyễn  văn AN",
        birth_date=datetime.date(1995, 3, 12),
        address="12 Đồng Khởi, phường Phú Khương",
    ) == {"name": "matched", "birth_date": "matched", "address": "matched"}
    for elsewhere in ("12 Đồng Khởi, phường An Hội", "21 Đồng Khởi, phường Phú Khương"):
        verdicts = service.compare(citizen, name="", birth_date=None, address=elsewhere)
        assert verdicts == {"address": "mismatched"}
    assert service.compare(
        citizen,
        name="Nguyễn Văn Ân",  # another name, not a spelling of An
        birth_date=datetime.date(1995, 3, 13),
        address="12 đường Đồng Khởi, P. Phú Khương, Vĩnh Long",
    ) == {"name": "mismatched", "birth_date": "mismatched", "address": "matched"}
    assert (
        service.compare(citizen, name="Nguyễn Văn Anh", birth_date=None, address="")["name"]
        == "mismatched"
    )


@pytest.mark.parametrize("timeout", [0, -1, 60])
def test_the_app_refuses_to_start_with_a_read_timeout_no_clerk_can_wait_for(settings, timeout):
    settings.TINHSO_DANCU_READ_TIMEOUT = timeout
    with pytest.raises(ImproperlyConfigured, match="TINHSO_DANCU_READ_TIMEOUT"):
        population.connect()
    settings.TINHSO_DANCU_READ_TIMEOUT = 8.0
    settings.TINHSO_DANCU_REQUEST_PREFIX = "VLG-DVC/"
    with pytest.raises(ImproperlyConfigured, match="PREFIX"):
        population.connect()
    settings.TINHSO_DANCU_REQUEST_PREFIX = "VLG_DVC_"
    population.connect()


class ScriptedSession:
    """In place of ``requests.Session``: answers each call from a script (a response or an
    exception) and records the request ids and read timeouts it was given."""

    def __init__(self, *script):
        self.script = list(script)
        self.request_ids: list[str] = []
        self.read_timeouts: list[float] = []

    def post(self, url, *, json, auth, timeout):
        self.request_ids.append(json["MaYeuCau"])
        self.read_timeouts.append(timeout[1])
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        return step


FOUND = {"error_code": 0, "message": dancu.envelope(dancu.PEOPLE["083095001234"])}


@pytest.fixture
def quick_retries(monkeypatch, settings):
    monkeypatch.setattr(client, "RETRY_PAUSE", 0)
    settings.TINHSO_DANCU_ATTEMPTS = 3
    settings.TINHSO_DANCU_READ_TIMEOUT = 8.0


def test_a_transient_failure_is_asked_again_with_a_new_request_id(quick_retries):
    session = ScriptedSession(answer("<html>503</html>", status=503), answer(FOUND))
    result = client.lookup("083095001234", "VLG_DVC_FIRST", session=session)
    assert result.kind == "found" and result.citizen is not None
    assert [a.kind for a in result.attempts] == ["unavailable", "found"]
    assert session.request_ids[0] == "VLG_DVC_FIRST"
    assert len(set(session.request_ids)) == 2  # the gateway refuses a repeated MaYeuCau (S-8)
    assert [a.request_id for a in result.attempts] == session.request_ids


def test_a_lookup_stops_after_the_configured_attempts(quick_retries):
    refused = requests.ConnectionError("refused")
    session = ScriptedSession(refused, refused, refused, answer(FOUND))
    result = client.lookup("083095001234", "VLG_DVC_1", session=session)
    assert (result.kind, result.failure) == ("unavailable", "connection")
    assert len(result.attempts) == 3 and len(session.script) == 1  # the 4th answer never asked


@pytest.mark.parametrize(
    "first",
    [
        answer({"error_code": "00", "message": dancu.envelope(None)}),  # not found: an answer
        answer({"error_code": "-1", "message": "Sai MaTichHop"}),  # the database refused it
        requests.Timeout("read timeout"),  # the waiting time is spent
    ],
)
def test_answers_and_timeouts_are_not_asked_again(quick_retries, first):
    session = ScriptedSession(first, answer(FOUND))
    result = client.lookup("083095001234", "VLG_DVC_1", session=session)
    assert len(result.attempts) == 1 and len(session.script) == 1


def test_retries_share_the_read_timeout_a_person_waits(quick_retries, settings, monkeypatch):
    settings.TINHSO_DANCU_READ_TIMEOUT = 5.0
    now = [100.0]
    monkeypatch.setattr(client.time, "monotonic", lambda: now[0])

    class Slow(ScriptedSession):
        def post(self, url, **kwargs):
            now[0] += 2.5  # each call takes 2.5 s of the 5 s the person waits
            return super().post(url, **kwargs)

    session = Slow(*[answer("<html>502</html>", status=502)] * 3)
    result = client.lookup("083095001234", "VLG_DVC_1", session=session)
    assert result.kind == "unavailable"
    # The second call gets what is left; no third call once less than a second is left.
    assert session.read_timeouts == [5.0, 2.5] and len(result.attempts) == 2


@pytest.mark.django_db
def test_each_call_is_logged_with_its_own_request_id(quick_retries, monkeypatch):
    from tinhso.integrations.models import IntegrationLog
    from tinhso.testing import make_cast

    cast = make_cast()
    session = ScriptedSession(answer("<html>503</html>", status=503), answer(FOUND))
    monkeypatch.setattr(client.requests, "Session", lambda: session)
    result = service.lookup("083095001234", requested_by=cast.clerk)
    logged = list(
        IntegrationLog.objects.filter(system=client.SYSTEM)
        .order_by("pk")
        .values_list("key", "outcome")
    )
    assert logged == [(session.request_ids[0], "unavailable"), (session.request_ids[1], "found")]
    assert result.lookup.request_id == session.request_ids[1] and result.found
