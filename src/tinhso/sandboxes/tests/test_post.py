"""The sandbox's post (issue 17, docs/postal.md): tokens, orders idempotent by OrderNumber, their
tracking, the test control that advances a parcel and the fault knobs."""

import hashlib
import hmac
import json
from typing import Any

import pytest

from tinhso.sandboxes.national import post_views
from tinhso.sandboxes.tests.support import BASE, bearer, faults, post

ORDER_NUMBER = "000.00.01.H61-251201-0001"


@pytest.fixture(autouse=True)
def _credentials(settings):
    settings.TINHSO_POSTAL_USERNAME = "post-user"
    settings.TINHSO_POSTAL_PASSWORD = "post-password"


def order(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "OrderNumber": ORDER_NUMBER,
        "SenderName": "Trung tâm Phục vụ hành chính công tỉnh",
        "SenderTel": "02373000000",
        "ReceiverName": "Nguyễn Văn An",
        "ReceiverAddress": "25 Lê Lợi, phường Hạc Thành",
        "ReceiverProvince": "38",
        "ReceiverTel": "0912345678",
        "ReceiverEmail": "an@example.vn",
        "Content": "Kết quả giải quyết TTHC",
    }
    return body | changes


def token(client) -> str:
    response = post(client, "post/token", {"username": "post-user", "password": "post-password"})
    assert response.status_code == 200, response.content
    assert response.json()["expires_in"] > 60
    return str(response.json()["token"])


def test_a_token_needs_the_credentials(client):
    response = post(client, "post/token", {"username": "post-user", "password": "nope"})
    assert response.status_code == 401 and response.json()["error"]["code"] == "credentials"


def test_orders_need_a_valid_token(client):
    assert post(client, "post/orders", order()).status_code == 401
    assert post(client, "post/orders", order(), headers=bearer("made-up")).status_code == 401


def test_an_order_is_stored_once_per_order_number(client):
    auth = bearer(token(client))
    first = post(client, "post/orders", order(), headers=auth)
    assert first.status_code == 201
    item_code = first.json()["ItemCode"]
    again = post(client, "post/orders", order(ReceiverName="Khác"), headers=auth)
    assert again.status_code == 200 and again.json()["ItemCode"] == item_code
    other = post(client, "post/orders", order(OrderNumber="X-2"), headers=auth)
    assert other.json()["ItemCode"] != item_code


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ReceiverProvince": "Thanh Hóa"}, "ReceiverProvince"),
        ({"ReceiverTel": "+84912345678"}, "ReceiverTel"),
        ({"ReceiverTel": "12345"}, "ReceiverTel"),
        ({"ReceiverAddress": ""}, "ReceiverAddress"),
        ({"OrderNumber": None}, "OrderNumber"),
    ],
)
def test_an_order_with_a_bad_field_is_refused_with_a_400(client, changes, field):
    response = post(client, "post/orders", order(**changes), headers=bearer(token(client)))
    assert response.status_code == 400
    assert field in response.json()["error"]["message"]


def test_an_unavailable_post_answers_503(client):
    faults(client, service="VNPost", POSTAL_UNAVAILABLE=True)
    response = post(client, "post/orders", order(), headers=bearer(token(client)))
    assert response.status_code == 503


def test_advancing_a_parcel_records_events_and_notifies_signed(client, settings, monkeypatch):
    settings.TINHSO_POSTAL_WEBHOOK_SECRET = "shared"
    sent: list[tuple[bytes, str]] = []

    def fake_post(url, data, headers, timeout):
        sent.append((data, headers["X-Postal-Signature"]))

    monkeypatch.setattr(post_views.requests, "post", fake_post)
    auth = bearer(token(client))
    item_code = post(client, "post/orders", order(), headers=auth).json()["ItemCode"]
    for status in ("accepted", "in_transit"):
        response = post(client, "post/advance", {"ItemCode": item_code, "status": status})
        assert response.status_code == 200
    post_views.wait_for_notifications()
    tracked = client.get(f"{BASE}post/orders/{item_code}", headers=auth).json()
    assert tracked["Status"] == "in_transit"
    assert [e["Status"] for e in tracked["Events"]] == ["accepted", "in_transit"]
    assert len({e["EventId"] for e in tracked["Events"]}) == 2
    assert len(sent) == 2
    for body, sig in sent:
        assert hmac.compare_digest(sig, hmac.new(b"shared", body, hashlib.sha256).hexdigest())
        assert json.loads(body)["OrderNumber"] == ORDER_NUMBER


def test_return_to_sender_knob_turns_a_delivery_into_a_return(client):
    item_code = post(client, "post/orders", order(), headers=bearer(token(client))).json()[
        "ItemCode"
    ]
    faults(client, service="VNPost", POSTAL_RETURN_TO_SENDER=True)
    response = post(
        client, "post/advance", {"ItemCode": item_code, "status": "delivered", "notify": False}
    )
    assert response.json()["Status"] == "returned_to_sender"


def test_advance_refuses_an_unknown_parcel_or_status(client):
    assert (
        post(client, "post/advance", {"ItemCode": "EB9", "status": "accepted"}).status_code == 400
    )
    item_code = post(client, "post/orders", order(), headers=bearer(token(client))).json()[
        "ItemCode"
    ]
    assert (
        post(client, "post/advance", {"ItemCode": item_code, "status": "lost"}).status_code == 400
    )


def test_reset_forgets_the_orders(client):
    auth = bearer(token(client))
    item_code = post(client, "post/orders", order(), headers=auth).json()["ItemCode"]
    assert post(client, "reset", {}).status_code == 200
    auth = bearer(token(client))  # the tokens are forgotten too
    assert client.get(f"{BASE}post/orders/{item_code}", headers=auth).status_code == 404


def test_the_post_is_not_served_when_the_sandbox_is_off(client, settings):
    settings.TINHSO_NATIONAL_SANDBOX = False
    assert post(client, "post/token", {}).status_code == 404
    assert client.get(f"{BASE}post/orders/EB1").status_code == 404
