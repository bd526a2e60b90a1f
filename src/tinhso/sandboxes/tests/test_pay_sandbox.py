"""The sandbox's payment platform (PayGov v1.0.6): S-7 checks, the checkout page, the callbacks
and their fault knobs, over Django's test client (callbacks reach a local ``Receiver``)."""

import datetime
import hashlib
import re

import pytest
import time_machine
from django.utils import timezone

from tinhso.sandboxes.tests.support import BASE, Receiver, faults, post

PARTNER, SECRET = "TINHSO", "s3cr3t"
INIT_FIELDS = [
    "LoaiBanTin",
    "PhienBan",
    "MaDoiTac",
    "MaThamChieu",
    "SoTien",
    "LoaiHinhThanhToan",
    "MaKenhThanhToan",
    "MaThietBi",
    "NgonNgu",
    "MaTienTe",
    "MaNganHang",
    "ThongTinGiaoDich",
    "ThoiGianGD",
    "Ip",
]
CALLBACK_FIELDS = [
    "LoaiBanTin",
    "MaLoi",
    "MaDoiTac",
    "MaThamChieu",
    "SoTien",
    "MaTienTe",
    "MaGiaoDich",
    "MaNganHang",
    "ThoiGianGD",
    "ThongTinGiaoDich",
]


def sign(message, names, key=SECRET):
    text = "|".join([*(str(message[n]) for n in names), key])
    return hashlib.sha256(text.encode()).hexdigest()


def now_text(moment=None):
    return timezone.localtime(moment or timezone.now()).strftime("%Y%m%d%H%M%S")


def init_body(reference="dvcTEST0001TSAAAA2222", when=None, **changes):
    body = {
        "LoaiBanTin": "INIT",
        "PhienBan": "1.0.6",
        "MaDoiTac": PARTNER,
        "MaThamChieu": reference,
        "SoTien": "150000",
        "LoaiHinhThanhToan": "PAY",
        "MaKenhThanhToan": "1",
        "MaThietBi": "1",
        "NgonNgu": "vi-VN",
        "MaTienTe": "VND",
        "MaNganHang": "PAYMENT",
        "ThongTinGiaoDich": "THANH TOAN HO SO TEST",
        "ThoiGianGD": when or now_text(),
        "Ip": "127.0.0.1",
    } | changes
    body["MaXacThuc"] = sign(body, INIT_FIELDS)
    body["ThongTinBienLai"] = {"MaHoSo": "TEST"}
    return body


def lookup(kind, reference, when, key=SECRET):
    body = {
        "LoaiBanTin": kind,
        "PhienBan": "1.0.6",
        "MaDoiTac": PARTNER,
        "MaThamChieu": reference,
        "ThoiGianGD": when,
    }
    body["MaXacThuc"] = sign(
        body, ["LoaiBanTin", "PhienBan", "MaDoiTac", "MaThamChieu", "ThoiGianGD"], key
    )
    return body


def inner(response):
    import json

    answer = response.json()
    assert answer["error_code"] == "0", answer
    return json.loads(answer["message"])


@pytest.fixture
def platform(settings):
    settings.TINHSO_PAYGOV_SANDBOX_PARTNER_CODE = PARTNER
    settings.TINHSO_PAYGOV_SANDBOX_SECRET = SECRET
    with Receiver() as server:
        server.answers = [(200, {"MaLoi": "00", "MoTaLoi": "ok"})]
        settings.TINHSO_SITE_URL = server.url
        settings.TINHSO_PAYGOV_SANDBOX_CALLBACK_URL = "{site_url}/payments/paygov/callback"
        yield server


def test_init_answers_wrapped_with_the_checkout_url(client, platform):
    answer = inner(post(client, "pay/init", init_body()))
    assert answer["UrlThanhToan"].endswith("/sandbox/national/pay/checkout/dvcTEST0001TSAAAA2222")
    assert answer["MaThamChieu"] == "dvcTEST0001TSAAAA2222"


@pytest.mark.parametrize(
    "changes",
    [
        {"MaXacThuc": "0" * 64},
        {"ThoiGianGD": "20200101120000"},
        {"MaDoiTac": "SOMEONE"},
        {"MaThamChieu": "dvc-with-dash"},
    ],
)
def test_init_refuses_bad_signature_stale_time_foreign_partner_or_bad_reference(
    client, platform, changes
):
    body = init_body()
    if "MaXacThuc" not in changes:
        body = init_body(**{k: v for k, v in changes.items()})
    else:
        body |= changes
    answer = post(client, "pay/init", body).json()
    assert answer["error_code"] == "-1"


def test_init_time_more_than_five_minutes_off_is_refused(client, platform):
    late = now_text(timezone.now() - datetime.timedelta(minutes=6))
    assert post(client, "pay/init", init_body(when=late)).json()["error_code"] == "-1"
    close = now_text(timezone.now() - datetime.timedelta(minutes=4))
    assert post(client, "pay/init", init_body(when=close)).json()["error_code"] == "0"


def test_a_reference_is_never_initialised_twice(client, platform):
    assert post(client, "pay/init", init_body()).json()["error_code"] == "0"
    assert post(client, "pay/init", init_body()).json()["error_code"] == "-1"


def test_query_with_another_time_string_finds_nothing(client, platform):
    # 15:30 sent at INIT; a 12-hour formatter would send 03:30 in the QUERY (R-NAT-062).
    with time_machine.travel(datetime.datetime(2026, 3, 15, 8, 30, tzinfo=datetime.UTC)):
        when = now_text()
        assert when.endswith("153000")
        post(client, "pay/init", init_body(when=when))
        twelve_hour = when[:8] + "033000"
        assert (
            post(client, "pay/query", lookup("QUERY", "dvcTEST0001TSAAAA2222", twelve_hour)).json()[
                "error_code"
            ]
            == "-1"
        )
        answer = inner(post(client, "pay/query", lookup("QUERY", "dvcTEST0001TSAAAA2222", when)))
    assert answer["TrangThaiGD"] == "3"
    assert answer["MaXacThuc"] == sign(answer, CALLBACK_FIELDS)


def test_query_with_a_wrong_signature_is_refused(client, platform):
    when = now_text()
    post(client, "pay/init", init_body(when=when))
    body = lookup("QUERY", "dvcTEST0001TSAAAA2222", when, key="other")
    assert post(client, "pay/query", body).json()["error_code"] == "-1"


def test_paying_sends_one_signed_callback_and_query_then_bill_answer(client, platform):
    when = now_text()
    post(client, "pay/init", init_body(when=when))
    assert (
        post(client, "pay/bill", lookup("GET_BILL", "dvcTEST0001TSAAAA2222", when)).json()[
            "error_code"
        ]
        == "-1"
    )
    done = post(
        client, "pay/complete", {"MaThamChieu": "dvcTEST0001TSAAAA2222", "result": "pay"}
    ).json()
    assert done["status"] == "paid" and done["callbacks"][0]["MaLoi"] == "00"
    [call] = platform.requests
    assert call["path"] == "/payments/paygov/callback"
    note = call["body"]
    assert note["MaLoi"] == "00" and note["SoTien"] == "150000" and note["ThoiGianGD"] == when
    assert note["MaXacThuc"] == sign(note, CALLBACK_FIELDS)
    answer = inner(post(client, "pay/query", lookup("QUERY", "dvcTEST0001TSAAAA2222", when)))
    assert answer["TrangThaiGD"] == "1" and answer["MaGiaoDich"] == note["MaGiaoDich"]
    pdf = post(client, "pay/bill", lookup("GET_BILL", "dvcTEST0001TSAAAA2222", when))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-1.4")
    assert b"dvcTEST0001TSAAAA2222" in pdf.content
    again = post(client, "pay/complete", {"MaThamChieu": "dvcTEST0001TSAAAA2222", "result": "fail"})
    assert again.status_code == 400


def test_late_failure_and_bad_signature_knobs_shape_the_callbacks(client, platform):
    faults(client, CALLBACK_LATE_FAILURE=True, CALLBACK_BAD_SIGNATURE=True)
    post(client, "pay/init", init_body())
    post(client, "pay/complete", {"MaThamChieu": "dvcTEST0001TSAAAA2222", "result": "pay"})
    notes = [r["body"] for r in platform.requests]
    assert [n["MaLoi"] for n in notes] == ["00", "99"]
    assert all(n["MaXacThuc"] != sign(n, CALLBACK_FIELDS) for n in notes)


def test_pay_pending_for_drops_the_callback_and_query_answers_3_then_1(client, platform):
    faults(client, PAY_PENDING_FOR=40)
    when = now_text()
    post(client, "pay/init", init_body(when=when))
    post(client, "pay/complete", {"MaThamChieu": "dvcTEST0001TSAAAA2222", "result": "pay"})
    assert platform.requests == []
    body = lookup("QUERY", "dvcTEST0001TSAAAA2222", when)
    assert inner(post(client, "pay/query", body))["TrangThaiGD"] == "3"
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=39)):
        assert inner(post(client, "pay/query", body))["TrangThaiGD"] == "3"
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=41)):
        assert inner(post(client, "pay/query", body))["TrangThaiGD"] == "1"


def test_failed_and_abandoned_checkouts_query_as_4(client, platform):
    when = now_text()
    post(client, "pay/init", init_body(when=when))
    post(client, "pay/init", init_body("dvcTEST0002TSBBBB3333", when=when))
    post(client, "pay/complete", {"MaThamChieu": "dvcTEST0001TSAAAA2222", "result": "fail"})
    assert platform.requests[0]["body"]["MaLoi"] == "99"
    assert (
        inner(post(client, "pay/query", lookup("QUERY", "dvcTEST0001TSAAAA2222", when)))[
            "TrangThaiGD"
        ]
        == "4"
    )
    abandoned = lookup("QUERY", "dvcTEST0002TSBBBB3333", when)
    assert inner(post(client, "pay/query", abandoned))["TrangThaiGD"] == "3"
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=61)):
        assert inner(post(client, "pay/query", abandoned))["TrangThaiGD"] == "4"


def test_checkout_page_buttons_post_back_and_leave_pending(client, platform):
    post(client, "pay/init", init_body())
    page = client.get(BASE + "pay/checkout/dvcTEST0001TSAAAA2222")
    html = page.content.decode()
    assert page.status_code == 200 and "150000 VND" in html
    assert {"pay", "fail", "pending"} <= set(re.findall(r'name="result" value="(\w+)"', html))
    left = client.post(BASE + "pay/checkout/dvcTEST0001TSAAAA2222", {"result": "pending"})
    assert "Giao dịch đang chờ xử lý" in left.content.decode() and platform.requests == []
    paid = client.post(BASE + "pay/checkout/dvcTEST0001TSAAAA2222", {"result": "pay"})
    assert "Thanh toán thành công" in paid.content.decode()
    assert [r["body"]["MaLoi"] for r in platform.requests] == ["00"]
    assert client.get(BASE + "pay/checkout/unknown").status_code == 404


def test_complete_refuses_bad_input_as_json(client, platform):
    assert post(client, "pay/complete", ["x"]).status_code == 400
    response = post(client, "pay/complete", {"MaThamChieu": "nope", "result": "pay"})
    assert response.status_code == 400 and "detail" in response.json()
    post(client, "pay/init", init_body())
    bad = post(client, "pay/complete", {"MaThamChieu": "dvcTEST0001TSAAAA2222", "result": "maybe"})
    assert bad.status_code == 400


def test_reset_forgets_the_transactions(client, platform):
    post(client, "pay/init", init_body())
    assert post(client, "reset", {}).status_code == 200
    assert post(client, "pay/init", init_body()).json()["error_code"] == "0"
