"""The push endpoint of dossiers filed on the national portal: ``POST /national/inbound/dossiers``
(spec §4.1-1, contract in docs/integrations.md)."""

import datetime
import json

import pytest
import time_machine

from tinhso.dossiers.models import Dossier
from tinhso.integrations.models import InboundDossier, IntegrationLog
from tinhso.integrations.national import inbound_views
from tinhso.integrations.tests.test_inbound_import import NATIONAL_CODE, national_object
from tinhso.testing import make_cast

pytestmark = pytest.mark.django_db

URL = "/national/inbound/dossiers"
SECRET = "bi-mat-lien-thong"


@pytest.fixture(autouse=True)
def configured(settings):
    settings.TINHSO_NATIONAL_INBOUND_SECRET = SECRET
    with time_machine.travel(datetime.datetime(2026, 12, 10, 3, 0, tzinfo=datetime.UTC)):
        yield


@pytest.fixture(autouse=True)
def json_errors():
    """What ``IntegrationsConfig.ready()`` does (``register_error_format``): input the middleware
    refuses under /national/inbound/ is answered in the endpoint's JSON format."""
    from tinhso.middleware import _ERROR_FORMATS, register_error_format

    before = dict(_ERROR_FORMATS)
    register_error_format("/national/inbound/", inbound_views.bad_input)
    yield
    _ERROR_FORMATS.clear()
    _ERROR_FORMATS.update(before)


@pytest.fixture
def cast():
    return make_cast()


def push(client, body, *, secret=SECRET, content_type="application/json", **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret is not None else {}
    data = body if isinstance(body, bytes | str) else json.dumps(body, ensure_ascii=False)
    return client.post(URL, data, content_type=content_type, **headers, **extra)


def test_a_pushed_dossier_is_created_and_answered_as_opencps_does(client, cast):
    response = push(client, national_object())
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    dossier = Dossier.objects.get(other_code=NATIONAL_CODE)
    assert response.json() == {"error_code": 0, "message": f"{NATIONAL_CODE}|{dossier.code}"}
    row = InboundDossier.objects.get()
    assert row.channel == "push" and row.acked_at is not None
    log = IntegrationLog.objects.get(service="inbound/push")
    assert log.direction == "in" and log.key == NATIONAL_CODE and log.error_code == "0"


def test_a_repeated_push_answers_duplicate_and_creates_nothing(client, cast):
    push(client, national_object())
    again = push(client, national_object())
    assert again.status_code == 200
    body = again.json()
    assert body["error_code"] == 1 and body["message"].startswith(f"{NATIONAL_CODE}|")
    assert "đã tồn tại" in body["message"]
    assert Dossier.objects.count() == 1


def test_without_the_right_secret_the_answer_is_401_and_nothing_is_saved(client, cast):
    for secret in (None, "sai", SECRET + "x", ""):
        response = push(client, national_object(), secret=secret)
        assert response.status_code == 401, secret
        assert response.json()["error_code"] == -1
    response = client.post(
        URL, json.dumps(national_object()), content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {SECRET}",
    )  # fmt: skip
    assert response.status_code == 401
    assert not Dossier.objects.exists()


def test_no_secret_configured_closes_the_endpoint(client, cast, settings):
    settings.TINHSO_NATIONAL_INBOUND_SECRET = ""
    response = push(client, national_object(), secret="")
    assert response.status_code == 403 and not Dossier.objects.exists()


def test_anything_but_json_is_415(client, cast):
    response = push(client, "MaHoSo=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415 and response.json()["error_code"] == -1


def test_malformed_bodies_are_400(client, cast):
    for body in (b"{not json", b"\xff\xfe", b"[1, 2]", json.dumps({"MaTTHC": "2.000001"})):
        response = push(client, body)
        assert response.status_code == 400, body
        assert response.json()["error_code"] == -1
    with_nul = national_object(TrichYeuHoSo="a\u0000b")
    assert push(client, with_nul).status_code == 400
    assert not Dossier.objects.exists()


def test_a_get_is_405(client, cast):
    response = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {SECRET}")
    assert response.status_code == 405 and response.json()["error_code"] == -1


def test_an_unknown_procedure_is_a_business_refusal_with_200(client, cast):
    response = push(client, national_object(procedure="9.999999"))
    assert response.status_code == 200
    assert response.json()["error_code"] == -1 and "9.999999" in response.json()["message"]
    assert not Dossier.objects.exists()


def test_the_endpoint_needs_no_csrf_token(cast, settings):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert push(strict, national_object()).status_code == 200


def test_a_body_over_the_size_limit_is_refused_not_a_server_error(client, cast, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 200
    response = push(client, national_object())
    # 400 from the middleware (which reads the body first) until it answers 413 in the
    # endpoint's format; 413 from the view itself.
    assert response.status_code in (400, 413), response.content
    assert not Dossier.objects.exists()
