"""The portal pushes a dossier filed on it to Tỉnh Số's endpoint (a local HTTP server here):
``inbound/seed`` with ``push``, ``inbound/push``, and ``DUPLICATE_ACK``'s repeated pushes."""

import socket

from tinhso.sandboxes.tests.support import BASE, faults, login, post, seed, state


def detail(client, item_id: str) -> dict:
    token = login(client)
    answer = client.get(
        BASE + f"inbound/detail/{item_id}", headers={"Authorization": f"Bearer {token}"}
    )
    return dict(answer.json()["result"])


def test_seed_with_push_posts_the_inbound_object_with_the_bearer_secret(client, receiver):
    answer = seed(client, push=True).json()
    (request,) = receiver.requests
    assert request["path"] == "/national/inbound/dossiers"
    assert request["headers"]["Authorization"] == "Bearer push-secret"
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["body"] == detail(client, answer["id"])
    assert request["body"]["MaHoSo"] == answer["MaHoSo"]
    assert answer["pushes"] == [
        {
            "url": f"{receiver.url}/national/inbound/dossiers",
            "at": answer["pushes"][0]["at"],
            "status": 200,
            "body": {"error_code": 0, "message": "ok"},
        }
    ]
    held = state(client, answer["MaHoSo"]).json()["inbound"]
    assert held["pushes"] == answer["pushes"]
    assert held["acked"] is False  # a push is not an ack of the pull adapter


def test_seed_without_push_sends_nothing(client, receiver):
    answer = seed(client).json()
    assert "pushes" not in answer
    assert receiver.requests == []


def test_push_route_pushes_again_and_records_every_answer(client, receiver):
    code = seed(client).json()["MaHoSo"]
    receiver.answers = [
        (200, {"error_code": 0, "message": f"{code}|ABC"}),
        (200, {"error_code": 1, "message": f"{code}|đã tồn tại"}),
    ]
    first = post(client, "inbound/push", {"MaHoSo": code}).json()["pushes"]
    second = post(client, "inbound/push", {"MaHoSo": code}).json()["pushes"]
    assert [p["body"]["error_code"] for p in first + second] == [0, 1]
    assert [r["body"]["MaHoSo"] for r in receiver.requests] == [code, code]
    pushes = state(client, code).json()["inbound"]["pushes"]
    assert [p["body"]["message"] for p in pushes] == [f"{code}|ABC", f"{code}|đã tồn tại"]


def test_non_json_answer_is_recorded_as_text(client, receiver):
    receiver.answers = [(502, "<html><body>Bad gateway</body></html>")]
    pushes = seed(client, push=True).json()["pushes"]
    assert pushes[0]["status"] == 502
    assert "Bad gateway" in pushes[0]["body"]


def test_duplicate_ack_pushes_two_then_three_copies(client, receiver):
    faults(client, service="inbound", DUPLICATE_ACK=True)
    code = seed(client, push=True).json()["MaHoSo"]
    assert len(receiver.requests) == 2
    post(client, "inbound/push", {"MaHoSo": code})
    assert len(receiver.requests) == 5
    assert {r["body"]["MaHoSo"] for r in receiver.requests} == {code}
    assert len(state(client, code).json()["inbound"]["pushes"]) == 5


def test_unreachable_endpoint_is_recorded_not_raised(client, settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.TINHSO_DVCQG_SANDBOX_PUSH_URL = f"http://127.0.0.1:{port}/national/inbound/dossiers"
    answer = seed(client, push=True)
    assert answer.status_code == 200
    (push,) = answer.json()["pushes"]
    assert push["status"] == 0
    assert "ConnectionError" in push["body"]


def test_push_of_an_unknown_code_is_400(client, receiver):
    response = post(client, "inbound/push", {"MaHoSo": "000.28756.H61-261208-9000"})
    assert response.status_code == 400
    assert response.json()["detail"]
    assert post(client, "inbound/push", {}).status_code == 400
    assert receiver.requests == []
