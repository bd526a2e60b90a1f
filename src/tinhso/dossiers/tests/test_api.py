"""The REST API: happy path, bad input and the JSON error shape."""

import datetime
import os
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from tinhso.accounts.testing import bearer_header as token
from tinhso.dossiers.models import Attachment, Dossier
from tinhso.testing import FORM_DATA, PDF_BYTES, PNG_BYTES, make_cast

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def cast(db):
    return make_cast()


def create(client, auth, **extra):
    body = {"procedure": "2.000001", "data": FORM_DATA} | extra
    return client.post("/api/v1/dossiers", body, content_type="application/json", **auth)


def media_files(settings) -> list[str]:
    found = []
    for root, _dirs, files in os.walk(settings.MEDIA_ROOT):
        found += [os.path.join(root, f) for f in files]
    return found


def test_health(client, db):
    assert client.get("/api/v1/health").json() == {"status": "ok"}


def test_wrong_password_gives_401_json(client, cast):
    response = client.post(
        "/api/v1/auth/token",
        {"username": "citizen1", "password": "x"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert response.json()["field"] == "password"


def test_agencies_and_procedure_search_without_diacritics(client, cast):
    agencies = client.get("/api/v1/agencies").json()
    assert {
        "code": "000.00.12.H61",
        "slug": "stp",
        "name": "Sở Tư pháp",
        "kind": "department",
    } in agencies
    found = client.get("/api/v1/procedures", {"q": "cap giay khai sinh"}).json()
    assert found["count"] == 2
    item = next(i for i in found["items"] if i["code"] == "2.000001")
    assert (
        item["agency_code"] == "000.00.12.H61"
        and item["fee"] == 100000
        and item["mode"] == "full_online"
    )
    detail = client.get("/api/v1/procedures/2.000001").json()
    assert detail["form_schema"]["required"] == ["ho_ten", "ngay_sinh"]
    assert [d["code"] for d in detail["documents"]] == ["TK", "CCCD"]
    assert client.get("/api/v1/procedures/9.999999").status_code == 404


def test_full_cycle_through_the_api(client, cast):
    citizen = token(client, "citizen1")
    with time_machine.travel(datetime.datetime(2025, 6, 10, 9, 0, tzinfo=TZ), tick=False):
        created = create(client, citizen)
        assert created.status_code == 201, created.content
        body = created.json()
        assert body["status"] == "submitted" and body["status_code"] == 1
        code = body["code"]
        upload = client.post(
            f"/api/v1/dossiers/{code}/attachments",
            {"document": "TK", "file": SimpleUploadedFile("to-khai.pdf", PDF_BYTES)},
            **citizen,
        )
        assert upload.status_code == 201, upload.content
        clerk = token(client, "ttpvhcc.clerk")
        seen = client.get(f"/api/v1/dossiers/{code}", **clerk).json()
        assert "receive" in seen["available_actions"]
        received = client.post(
            f"/api/v1/dossiers/{code}/actions",
            {"action": "receive"},
            content_type="application/json",
            **clerk,
        )
        assert received.status_code == 200, received.content
        assert received.json()["due_at"].startswith("2025-06-13T09:00:00")
    for who, action in [
        ("stp.specialist", "complete_step"),
        ("stp.leader", "approve"),
        ("ttpvhcc.clerk", "issue_result"),
        ("ttpvhcc.clerk", "return_result"),
    ]:
        response = client.post(
            f"/api/v1/dossiers/{code}/actions",
            {"action": action},
            content_type="application/json",
            **token(client, who),
        )
        assert response.status_code == 200, (action, response.content)
    final = client.get(f"/api/v1/dossiers/{code}", **citizen).json()
    assert final["status"] == "returned" and final["status_code"] == 10
    assert [h["action"] for h in final["history"]][-1] == "return_result"
    lookup = client.get(f"/api/v1/lookup/{code}", {"phone_last4": "5678"})
    assert lookup.status_code == 200 and lookup.json()["status_code"] == 10
    assert "Nguyễn" not in lookup.content.decode()


def test_lookup_reads_no_personal_data_and_answers_again_from_the_cache(client, cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    code = create(client, token(client, "citizen1")).json()["code"]
    answers, statements = [], []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            found = client.get(f"/api/v1/lookup/{code}", {"phone_last4": "5678"})
        assert found.status_code == 200, found.content
        answers.append(found.json())
        statements.append([q["sql"] for q in queries.captured_queries])
    body = answers[0]
    assert body["code"] == code and body["status"] == "submitted"
    assert [step["status_code"] for step in body["history"]] == [1]
    assert answers[1] == body
    # a miss: the cache key (id, history sequence, last save, phone), then dossier + history in
    # one statement; a hit: the key only
    assert [len(s) for s in statements] == [2, 1], statements
    for sql in statements[0]:
        assert "applicant_name" not in sql and "personal_id" not in sql


def test_lookup_with_wrong_digits_is_404_and_malformed_is_400(client, cast):
    code = create(client, token(client, "citizen1")).json()["code"]
    assert client.get(f"/api/v1/lookup/{code}", {"phone_last4": "0000"}).status_code == 404
    bad = client.get(f"/api/v1/lookup/{code}", {"phone_last4": "12a"})
    assert bad.status_code == 400 and bad.json()["field"] == "phone_last4"


def test_unauthenticated_filing_is_401(client, cast):
    response = client.post(
        "/api/v1/dossiers",
        {"procedure": "2.000001", "data": FORM_DATA},
        content_type="application/json",
    )
    assert response.status_code == 401 and "detail" in response.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"procedure": "9.999999", "data": FORM_DATA}, "procedure"),
        ({"procedure": "2.000001", "data": {"ngay_sinh": "1995-03-02"}}, "data.ho_ten"),
        (
            {"procedure": "2.000001", "data": FORM_DATA | {"ngay_sinh": "02/03/1995"}},
            "data.ngay_sinh",
        ),
        ({"procedure": "2.000001", "data": FORM_DATA | {"so_ban": 99}}, "data.so_ban"),
        ({"procedure": "2.000001"}, "data"),
        ({"data": FORM_DATA}, "procedure"),
        ({"procedure": "2.000001", "data": FORM_DATA, "agency": "sxd"}, "agency"),
    ],
)
def test_bad_filing_input_is_400_with_field_and_nothing_saved(client, cast, body, field):
    response = client.post(
        "/api/v1/dossiers", body, content_type="application/json", **token(client, "citizen1")
    )
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    assert response.json()["detail"]
    assert Dossier.objects.count() == 0


def test_error_messages_follow_the_callers_language(client, cast):
    auth = token(client, "citizen1")
    vi = client.post(
        "/api/v1/dossiers",
        {"procedure": "9.999999", "data": {}},
        content_type="application/json",
        **auth,
    )
    en = client.post(
        "/api/v1/dossiers",
        {"procedure": "9.999999", "data": {}},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **auth,
    )
    assert "thủ tục" in vi.json()["detail"]
    assert "procedure" in en.json()["detail"].lower() and en.json()["detail"] != vi.json()["detail"]


def test_idempotency_key_returns_the_first_dossier(client, cast):
    auth = token(client, "citizen1") | {"HTTP_IDEMPOTENCY_KEY": "abc-123"}
    first = create(client, auth)
    second = create(client, auth)
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["code"] == second.json()["code"]
    assert Dossier.objects.count() == 1
    conflict = create(client, auth, data=FORM_DATA | {"ho_ten": "Người khác"})
    assert conflict.status_code == 409 and conflict.json()["field"] == "Idempotency-Key"


@pytest.mark.parametrize(
    ("name", "content", "message_part"),
    [
        ("fake.pdf", b"MZ\x90\x00 this is an executable, not a PDF" * 4, "PDF"),
        ("empty.pdf", b"", "rỗng"),
    ],
)
def test_rejected_uploads_leave_no_file(client, cast, settings, name, content, message_part):
    auth = token(client, "citizen1")
    code = create(client, auth).json()["code"]
    response = client.post(
        f"/api/v1/dossiers/{code}/attachments",
        {"document": "TK", "file": SimpleUploadedFile(name, content)},
        **auth,
    )
    assert response.status_code == 400
    assert message_part in response.json()["detail"]
    assert Attachment.objects.count() == 0 and media_files(settings) == []


def test_oversized_upload_is_rejected(client, cast, settings):
    settings.TINHSO_UPLOAD_MAX_BYTES = 1024
    auth = token(client, "citizen1")
    code = create(client, auth).json()["code"]
    big = PDF_BYTES + b"0" * 2048
    response = client.post(
        f"/api/v1/dossiers/{code}/attachments",
        {"document": "TK", "file": SimpleUploadedFile("big.pdf", big)},
        **auth,
    )
    assert response.status_code == 400 and "dung lượng" in response.json()["detail"]
    assert media_files(settings) == []


def test_png_is_accepted_and_unknown_document_code_rejected(client, cast, settings):
    auth = token(client, "citizen1")
    code = create(client, auth).json()["code"]
    ok = client.post(
        f"/api/v1/dossiers/{code}/attachments",
        {"document": "CCCD", "file": SimpleUploadedFile("anh.pdf", PNG_BYTES)},
        **auth,
    )
    assert (
        ok.status_code == 201
        and ok.json()["content_type"] == "image/png"
        and ok.json()["name"] == "anh.png"
    )
    bad = client.post(
        f"/api/v1/dossiers/{code}/attachments",
        {"document": "XYZ", "file": SimpleUploadedFile("a.pdf", PDF_BYTES)},
        **auth,
    )
    assert bad.status_code == 400 and bad.json()["field"] == "document"
    assert len(media_files(settings)) == 1


def test_action_out_of_order_is_409_and_other_agency_gets_404(client, cast):
    code = create(client, token(client, "citizen1")).json()["code"]
    clerk = token(client, "ttpvhcc.clerk")
    early = client.post(
        f"/api/v1/dossiers/{code}/actions",
        {"action": "issue_result"},
        content_type="application/json",
        **clerk,
    )
    assert early.status_code == 409 and early.json()["field"] == "action"
    unknown = client.post(
        f"/api/v1/dossiers/{code}/actions",
        {"action": "explode"},
        content_type="application/json",
        **clerk,
    )
    assert unknown.status_code == 400
    missing_docs = client.post(
        f"/api/v1/dossiers/{code}/actions",
        {"action": "receive"},
        content_type="application/json",
        **clerk,
    )
    assert missing_docs.status_code == 409 and missing_docs.json()["field"] == "documents"
    outsider = client.post(
        f"/api/v1/dossiers/{code}/actions",
        {"action": "receive"},
        content_type="application/json",
        **token(client, "sxd.specialist"),
    )
    assert outsider.status_code == 404
    assert client.get(f"/api/v1/dossiers/{code}", **token(client, "citizen2")).status_code == 404


def test_attachment_refused_after_receipt(client, cast):
    auth = token(client, "citizen1")
    code = create(client, auth).json()["code"]
    client.post(
        f"/api/v1/dossiers/{code}/attachments",
        {"document": "TK", "file": SimpleUploadedFile("a.pdf", PDF_BYTES)},
        **auth,
    )
    client.post(
        f"/api/v1/dossiers/{code}/actions",
        {"action": "receive"},
        content_type="application/json",
        **token(client, "ttpvhcc.clerk"),
    )
    late = client.post(
        f"/api/v1/dossiers/{code}/attachments",
        {"document": "CCCD", "file": SimpleUploadedFile("b.pdf", PDF_BYTES)},
        **auth,
    )
    assert late.status_code == 409


def test_apology_through_the_api_requires_a_later_date(client, cast):
    auth = token(client, "citizen1")
    with time_machine.travel(datetime.datetime(2025, 6, 10, 9, 0, tzinfo=TZ), tick=False):
        code = create(client, auth).json()["code"]
        client.post(
            f"/api/v1/dossiers/{code}/attachments",
            {"document": "TK", "file": SimpleUploadedFile("a.pdf", PDF_BYTES)},
            **auth,
        )
        client.post(
            f"/api/v1/dossiers/{code}/actions",
            {"action": "receive"},
            content_type="application/json",
            **token(client, "ttpvhcc.clerk"),
        )
        leader = token(client, "stp.leader")
        earlier = client.post(
            f"/api/v1/dossiers/{code}/actions",
            {"action": "apologize", "comment": "Cần xác minh", "new_due_at": "2025-06-11T17:00"},
            content_type="application/json",
            **leader,
        )
        assert earlier.status_code == 400 and earlier.json()["field"] == "new_due_at"
        ok = client.post(
            f"/api/v1/dossiers/{code}/actions",
            {
                "action": "apologize",
                "comment": "Cần xác minh",
                "new_due_at": "2025-06-18T09:00:00+07:00",  # the limit: 3 working days later
            },
            content_type="application/json",
            **leader,
        )
        assert ok.status_code == 200
        body = ok.json()
        assert body["due_at"].startswith("2025-06-18T09:00") and body["original_due_at"].startswith(
            "2025-06-13"
        )
