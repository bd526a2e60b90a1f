"""OWASP ASVS V7.4.1 and V7.4.3: an unexpected error answers a generic message, never the
exception or a traceback, on pages and on the REST API (docs/security.md).

The URLconf of this module adds two views that fail on purpose to the site's own."""

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path
from ninja import NinjaAPI

SECRET_DETAIL = "postgres://tinhso:mat-khau-csdl@10.0.0.5/tinhso"


def _failing_page(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(f"could not connect to {SECRET_DETAIL}")


_api = NinjaAPI(urls_namespace="asvs-errors")


@_api.get("/boom")
def _failing_operation(request: HttpRequest) -> dict[str, str]:
    raise RuntimeError(f"could not connect to {SECRET_DETAIL}")


urlpatterns = [
    path("asvs-boom/", _failing_page),
    path("asvs-api/", _api.urls),
    path("", include("tinhso.urls")),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.mark.parametrize("url", ["/asvs-boom/", "/asvs-api/boom"])
def test_unexpected_error_answers_a_generic_500_without_details(settings, url, caplog):
    settings.DEBUG = False
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code == 500
    body = response.content.decode()
    assert SECRET_DETAIL not in body
    assert "RuntimeError" not in body and "Traceback" not in body
    # The detail goes to the server's log (django.request), for the operators.
    assert any(SECRET_DETAIL in record.getMessage() or record.exc_info for record in caplog.records)
