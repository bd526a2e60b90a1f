"""Profile C: OAuth2 client credentials at ``token`` (token inside ``message``), then the Profile B
operations behind a bearer token under ``lgsp/hoso/``."""

import base64
import json

import pytest

from tinhso.sandboxes.tests.support import BASE, dossier, post, state, step

CREDENTIALS = {"client_id": "tinhso-demo", "client_secret": "demo-password"}


def get_token(client, **form) -> str:
    response = client.post(
        BASE + "token", {"grant_type": "client_credentials", **CREDENTIALS, **form}
    )
    answer = response.json()
    assert answer["error_code"] == "0", answer
    inner = json.loads(answer["message"])
    assert inner["token_type"] == "Bearer"
    assert inner["expires_in"] == 1800
    return inner["access_token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_token_arrives_inside_message_and_opens_the_lgsp_routes(client):
    token = get_token(client)
    answer = post(client, "lgsp/hoso/themmoi", [dossier()], headers=bearer(token)).json()
    assert answer == {"error_code": "0", "message": "Thêm mới hồ sơ thành công"}
    response = post(client, "lgsp/hoso/tientrinh", [step()], headers=bearer(token))
    assert response.content.decode() == "Cập nhật thành công"
    updated = post(client, "lgsp/hoso/capnhat", [dossier(TrangThaiHoSo="5")], headers=bearer(token))
    assert updated.json()["error_code"] == "0"
    held = state(client).json()
    assert (held["inserts"], held["updates"], len(held["progress"])) == (1, 1, 1)


def test_client_credentials_may_come_as_http_basic(client):
    basic = base64.b64encode(b"tinhso-demo:demo-password").decode()
    response = client.post(
        BASE + "token",
        {"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.json()["error_code"] == "0"


def test_wrong_secret_gets_401(client):
    response = client.post(
        BASE + "token",
        {"grant_type": "client_credentials", "client_id": "tinhso-demo", "client_secret": "x"},
    )
    assert response.status_code == 401
    assert response.json()["error_code"] == "-1"


def test_other_grant_type_gets_400(client):
    response = client.post(BASE + "token", {"grant_type": "password", **CREDENTIALS})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}]
)
def test_lgsp_routes_need_a_valid_bearer_token(client, headers):
    response = post(client, "lgsp/hoso/themmoi", [dossier()], headers=headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error_code"] == "-2"
    assert state(client).status_code == 404


def test_token_lifetime_follows_session_ttl(client):
    post(client, "faults", {"service": "token", "SESSION_TTL": 7200})
    response = client.post(BASE + "token", {"grant_type": "client_credentials", **CREDENTIALS})
    assert json.loads(response.json()["message"])["expires_in"] == 7200
