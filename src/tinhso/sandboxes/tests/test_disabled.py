"""The sandbox must never answer in production: every route is 404 when it is off."""

import pytest

from tinhso.sandboxes.tests.support import BASE

ROUTES = [
    ("post", "auth"),
    ("post", "integration"),
    ("post", "hoso/themmoi"),
    ("post", "hoso/capnhat"),
    ("post", "hoso/tientrinh"),
    ("post", "token"),
    ("post", "lgsp/hoso/themmoi"),
    ("get", "state"),
    ("post", "reset"),
    ("post", "faults"),
    ("get", "catalogue/LayDanhSachTTHCDonVi"),
    ("get", "catalogue/LayThuTuc"),
    ("get", "catalogue/LayQDCB"),
    ("get", "inbound/list"),
    ("get", "inbound/detail/some-id"),
    ("put", "inbound/ack"),
    ("post", "inbound/seed"),
    ("post", "inbound/push"),
    ("get", "index766"),
]


def request(client, method, route):
    if method == "get":
        return client.get(BASE + route)
    if method == "put":
        return client.put(BASE + route, "{}", content_type="application/json")
    return client.post(BASE + route, "{}", content_type="application/json")


@pytest.mark.parametrize(("method", "route"), ROUTES)
def test_every_route_is_404_when_the_sandbox_is_off(client, settings, method, route):
    settings.TINHSO_NATIONAL_SANDBOX = False
    response = request(client, method, route)
    assert response.status_code == 404


@pytest.mark.parametrize(("method", "route"), ROUTES)
def test_every_route_answers_when_the_sandbox_is_on(client, method, route):
    response = request(client, method, route)
    assert response.status_code != 404
