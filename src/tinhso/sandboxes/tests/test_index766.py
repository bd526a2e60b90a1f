"""S-9: the 766 simulator computes indicators from what the portal received."""

import datetime

import pytest
import time_machine

from tinhso.sandboxes.tests.support import BASE, dossier, insert_b, post, seed, step

PERIOD = "2025-12"
SECOND = "000.00.01.H61-251201-0002"


def index(client, period: str = PERIOD, **params: str) -> dict:
    response = client.get(BASE + "index766", {"period": period, **params})
    assert response.status_code == 200, response.content
    return {row["id"]: row for row in response.json()["indicators"]}


def done(**changes) -> dict:
    """A counter dossier received 1/12, settled 3/12 (due 5/12) and returned."""
    fields = {
        "TrangThaiHoSo": "10",
        "NgayKetThucXuLy": "20251203100000",
        "NgayTra": "20251203150000",
    }
    return dossier(**(fields | changes))


def test_fully_synced_counter_dossier_scores_1_4_at_100_percent(client, receiver):
    result = f"{receiver.url}/ok/ket-qua.pdf"
    sent = done(DanhSachGiayToKetQua=[{"GiayToId": "1", "DuongDanTepTinKetQua": result}])
    assert insert_b(client, sent).json()["error_code"] == "0"
    post(client, "hoso/tientrinh", [step(), step(TrangThai="4", ThoiDiemXuLy="20251202090000")])
    answer = client.get(BASE + "index766", {"period": PERIOD}).json()
    assert (answer["period"], answer["agency"]) == (PERIOD, "")
    rows = {row["id"]: row for row in answer["indicators"]}
    assert list(rows) == [
        "1.4",
        "2.1",
        "3.3",
        "3.6",
        "4.1",
        "4.2",
        "4.3",
        "4.4",
        "4.5b",
        "5.2",
        "5.3",
    ]
    assert rows["1.4"] | {"note": ""} == {
        "id": "1.4",
        "numerator": 1,
        "denominator": 1,
        "ratio": 1.0,
        "no_data": False,
        "note": "",
    }
    assert (rows["2.1"]["numerator"], rows["2.1"]["denominator"]) == (1, 1)
    assert (rows["3.3"]["numerator"], rows["3.3"]["denominator"]) == (0, 1)
    assert (rows["4.1"]["numerator"], rows["4.1"]["denominator"], rows["4.1"]["ratio"]) == (
        1,
        1,
        1.0,
    )
    assert rows["3.6"]["no_data"] is True  # no fee in this dossier
    for feedback in ("5.2", "5.3"):
        assert rows[feedback]["no_data"] is True
        assert rows[feedback]["numerator"] is None
        assert rows[feedback]["note"]


def test_unreachable_result_file_counts_as_missing_for_4_1(client, receiver):
    gone = f"{receiver.url}/gone/ket-qua.pdf"
    insert_b(client, done(DanhSachGiayToKetQua=[{"DuongDanTepTinKetQua": gone}]))
    insert_b(client, done(MaHoSo=SECOND))  # settled without any result document
    row = index(client)["4.1"]
    assert (row["numerator"], row["denominator"], row["ratio"]) == (0, 2, 0.0)


def test_dossier_filed_on_the_portal_but_never_synced_lowers_1_4(client):
    with time_machine.travel(datetime.datetime(2025, 12, 2, 3, 0, tzinfo=datetime.UTC)):
        insert_b(client)
        seed(client, agency="000.00.01.H61")
        filed = seed(client, agency="000.00.01.H61").json()["MaHoSo"]
        # The second one is synced upward under its national code: it counts once.
        insert_b(client, dossier(MaHoSo=filed, NgayTiepNhan="20251202093000"))
    row = index(client)["1.4"]
    assert (row["numerator"], row["denominator"], row["ratio"]) == (2, 3, 0.6667)


def test_timeliness_2_1(client):
    insert_b(client, done(NgayKetThucXuLy="20251208100000", NgayTra="20251208150000"))  # late
    insert_b(client, dossier(MaHoSo=SECOND))  # open, due 5/12: late at the period's end
    insert_b(
        client,
        dossier(
            MaHoSo="000.00.01.H61-251201-0003",
            TrangThaiHoSo="5",
            DanhSachHoSoBoSung=[{"HoSoBoSungId": 1, "NgayHenTraMoi": "20260115170000"}],
        ),
    )  # open, its due date moved by a supplement round: on time
    insert_b(client, dossier(MaHoSo="000.00.01.H61-251201-0004", TrangThaiHoSo="3"))  # refused
    row = index(client)["2.1"]
    assert (row["numerator"], row["denominator"]) == (1, 3)


def test_dossier_flags_feed_3_3_3_6_and_4_2_to_4_5b(client):
    insert_b(
        client,
        dossier(
            KenhThucHien="2",
            HoSoCoThanhPhanSoHoa="1",
            DuocThanhToanTrucTuyen="1",
            DSKetNoiCSDL=[{"MaCSDL": "1"}],
            TaiLieuNop=[{"DuocTaiSuDung": "2", "DuocLayTuKhoDMQG": "1", "DuocSoHoa": "1"}],
        ),
        dossier(MaHoSo=SECOND, DuocThanhToanTrucTuyen="3"),
    )
    rows = index(client)
    counts = {key: (row["numerator"], row["denominator"]) for key, row in rows.items()}
    assert counts["3.3"] == (1, 2)
    assert counts["3.6"] == (1, 2)
    assert counts["4.2"] == (1, 2)
    assert counts["4.3"] == (1, 2)
    assert counts["4.4"] == (1, 2)
    assert counts["4.5b"] == (1, 2)
    assert rows["3.3"]["ratio"] == 0.5


def test_agency_filter_uses_maCoQuan_or_the_code_prefix(client):
    insert_b(client, dossier(), dossier(MaHoSo="000.28756.H61-251201-0001"))
    insert_b(client, dossier(MaHoSo=SECOND, MaCoQuan="000.28756.H61"))
    assert index(client)["1.4"]["denominator"] == 3
    assert index(client, MaCoQuan="000.00.01.H61")["1.4"]["denominator"] == 1
    commune = client.get(BASE + "index766", {"period": PERIOD, "MaCoQuan": "000.28756.H61"}).json()
    assert commune["agency"] == "000.28756.H61"
    assert {r["id"]: r["denominator"] for r in commune["indicators"]}["1.4"] == 2


def test_other_month_has_no_data_not_zero_but_open_dossiers_carry_over(client):
    insert_b(client)  # received in December, still processing, due 5/12
    rows = index(client, "2026-01")
    carried = rows.pop("2.1")
    assert (carried["numerator"], carried["denominator"], carried["no_data"]) == (0, 1, False)
    for row in rows.values():
        assert row["no_data"] is True
        assert row["ratio"] is None


@pytest.mark.parametrize("period", ["", "2025-13", "2025-1", "december", "2025-12-01"])
def test_bad_period_is_400(client, period):
    response = client.get(BASE + "index766", {"period": period})
    assert response.status_code == 400
    assert "YYYY-MM" in response.json()["detail"]


def test_dossier_settled_after_the_period_counts_as_open_at_its_end(client):
    # Received 1/12, due 5/1/2026, settled 3/1/2026: open and within its time at the end of
    # December, then settled on time in January.
    late_settled = done(
        NgayHenTra="20260105170000",
        NgayKetThucXuLy="20260103100000",
        NgayTra="20260103150000",
    )
    insert_b(client, late_settled)
    december, january = index(client)["2.1"], index(client, "2026-01")["2.1"]
    assert (december["numerator"], december["denominator"]) == (1, 1)
    assert (january["numerator"], january["denominator"]) == (1, 1)
    assert index(client, "2026-02")["2.1"]["no_data"] is True
