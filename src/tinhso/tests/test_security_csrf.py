"""The REST API takes a browser session only with a valid CSRF token; bearer tokens stay exempt.

Every test uses ``Client(enforce_csrf_checks=True)``, the browser's behaviour: Django's test
client skips CSRF checks otherwise.
"""

import re

import pytest
from django.test import Client

from tinhso.accounts.testing import token_request
from tinhso.dossiers.models import Dossier, Status
from tinhso.testing import FORM_DATA, file_online, make_cast, pdf_upload

pytestmark = pytest.mark.django_db

NEW_DOSSIER = {"procedure": "2.000001", "data": FORM_DATA}


@pytest.fixture
def cast(db):
    return make_cast()


@pytest.fixture
def filed(cast) -> Dossier:
    return file_online(cast)


def browser(user=None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def page_token(client: Client, **extra) -> str:
    """The token a page script reads: the hidden field every signed-in page carries (the
    CSRF cookie is HttpOnly)."""
    html = client.get("/ho-so/", **extra).content.decode()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert found, "a signed-in page carries the CSRF token"
    return found.group(1)


def assert_csrf_refusal(response) -> None:
    assert response.status_code == 403, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["field"] == "csrf" and "CSRF" in body["detail"]


def test_session_without_token_cannot_file_a_dossier(cast):
    client = browser(cast.citizen)
    response = client.post("/api/v1/dossiers", NEW_DOSSIER, content_type="application/json")
    assert_csrf_refusal(response)
    assert not Dossier.objects.exists()


def test_session_without_token_cannot_withdraw_or_pay_or_attach(cast, filed):
    client = browser(cast.citizen)
    withdraw = client.post(
        f"/api/v1/dossiers/{filed.code}/actions",
        {"action": "withdraw", "comment": "x"},
        content_type="application/json",
    )
    assert_csrf_refusal(withdraw)
    pay = client.post(
        f"/api/v1/dossiers/{filed.code}/payments",
        {"provider": "vnpay"},
        content_type="application/json",
    )
    assert_csrf_refusal(pay)
    attach = client.post(
        f"/api/v1/dossiers/{filed.code}/attachments", {"document": "CCCD", "file": pdf_upload()}
    )
    assert_csrf_refusal(attach)
    filed.refresh_from_db()
    assert filed.status == Status.SUBMITTED
    assert filed.attachments.count() == 1 and not filed.payments.exists()


def test_cross_origin_text_plain_post_is_refused(cast, filed):
    """The attack of issue 13: a page on another origin posts a "simple" request (no preflight)
    with the victim's cookie. The API now refuses a text/plain body by its Content-Type (415,
    ASVS 13.2.5) before the session is looked at; the same body declared JSON (which a browser
    sends cross-site only after a preflight) still meets the CSRF check."""
    client = browser(cast.citizen)
    client.get("/ho-so/")  # the victim has visited the site: a CSRF cookie exists
    for path, body in [
        ("/api/v1/dossiers", '{"procedure": "2.000001", "data": {"ho_ten": "X Y"}}'),
        (f"/api/v1/dossiers/{filed.code}/actions", '{"action": "withdraw"}'),
    ]:
        response = client.post(
            path, body, content_type="text/plain", HTTP_ORIGIN="http://127.0.0.1:9999"
        )
        assert response.status_code == 415, response.content
        response = client.post(
            path, body, content_type="application/json", HTTP_ORIGIN="http://127.0.0.1:9999"
        )
        assert_csrf_refusal(response)
    filed.refresh_from_db()
    assert filed.status == Status.SUBMITTED
    assert Dossier.objects.count() == 1


def test_session_with_the_page_token_works(cast, filed):
    client = browser(cast.citizen)
    token = page_token(client)
    created = client.post(
        "/api/v1/dossiers",
        NEW_DOSSIER,
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
        HTTP_ORIGIN="http://testserver",
    )
    assert created.status_code == 201, created.content
    withdrawn = client.post(
        f"/api/v1/dossiers/{filed.code}/actions",
        {"action": "withdraw", "comment": "Nộp nhầm"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert withdrawn.status_code == 200, withdrawn.content
    filed.refresh_from_db()
    assert filed.status == Status.WITHDRAWN
    assert Dossier.objects.count() == 2


def test_token_from_another_origin_is_refused(cast):
    """A valid token is not enough when the browser says the request comes from elsewhere."""
    client = browser(cast.citizen)
    token = page_token(client)
    response = client.post(
        "/api/v1/dossiers",
        NEW_DOSSIER,
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
        HTTP_ORIGIN="https://evil.example",
    )
    assert_csrf_refusal(response)
    assert not Dossier.objects.exists()


def test_over_https_the_referer_must_be_the_site(cast, settings):
    settings.SECURE_SSL_REDIRECT = False
    client = browser(cast.citizen)
    token = page_token(client, secure=True)
    post = {"content_type": "application/json", "HTTP_X_CSRFTOKEN": token, "secure": True}
    assert_csrf_refusal(client.post("/api/v1/dossiers", NEW_DOSSIER, **post))
    assert_csrf_refusal(
        client.post("/api/v1/dossiers", NEW_DOSSIER, HTTP_REFERER="https://evil.example/x", **post)
    )
    same_site = client.post(
        "/api/v1/dossiers", NEW_DOSSIER, HTTP_REFERER="https://testserver/ho-so/", **post
    )
    assert same_site.status_code == 201, same_site.content


def test_bearer_token_needs_no_csrf_token(cast, filed):
    client = browser()
    answer = client.post(
        "/api/v1/auth/token", token_request("citizen1"), content_type="application/json"
    )
    assert answer.status_code == 200, answer.content  # anonymous endpoint: no token needed
    auth = {"HTTP_AUTHORIZATION": f"Bearer {answer.json()['token']}"}
    created = client.post("/api/v1/dossiers", NEW_DOSSIER, content_type="application/json", **auth)
    assert created.status_code == 201, created.content
    withdrawn = client.post(
        f"/api/v1/dossiers/{filed.code}/actions",
        '{"action": "withdraw"}',
        content_type="application/json",
        HTTP_ORIGIN="http://127.0.0.1:9999",
        **auth,
    )
    assert withdrawn.status_code == 200, withdrawn.content


def test_bearer_token_wins_over_a_session_without_csrf_token(cast):
    """A script that holds a token and happens to carry a cookie is not refused."""
    client = browser(cast.citizen)
    answer = client.post(
        "/api/v1/auth/token", token_request("citizen1"), content_type="application/json"
    )
    created = client.post(
        "/api/v1/dossiers",
        NEW_DOSSIER,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {answer.json()['token']}",
    )
    assert created.status_code == 201, created.content


def test_reads_need_no_token_and_anonymous_calls_are_not_csrf_checked(cast, filed):
    client = browser(cast.citizen)
    assert client.get(f"/api/v1/dossiers/{filed.code}").status_code == 200
    anonymous = browser()
    refused = anonymous.post("/api/v1/dossiers", NEW_DOSSIER, content_type="application/json")
    assert refused.status_code == 401  # not signed in, rather than a CSRF refusal
    lookup = anonymous.get(f"/api/v1/lookup/{filed.code}", {"phone_last4": "5678"})
    assert lookup.status_code == 200, lookup.content
    verify = anonymous.post("/api/v1/verify", {"file": pdf_upload()})
    assert verify.status_code in (200, 400), verify.content


def test_api_docs_page_sends_the_csrf_token_with_try_it_out(cast):
    html = browser(cast.citizen).get("/api/v1/docs").content.decode()
    assert 'data-api-csrf="true"' in html
    assert re.search(r'data-csrf-token="[A-Za-z0-9]{32,}"', html)
