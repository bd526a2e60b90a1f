"""Builders of what Tỉnh Số sends, and calls to the sandbox over Django's test client."""

import json
from typing import Any

BASE = "/sandbox/national/"
CODE = "000.00.01.H61-251201-0001"
HEADERS = {"dstcode": "DVCQG"}


def dossier(**changes: Any) -> dict[str, Any]:
    """A whole dossier (R-NAT-023's union of fields) received on 1/12/2025, processing."""
    data: dict[str, Any] = {
        "MaHoSo": CODE,
        "MaTTHC": "1.001193",
        "TenTTHC": "Đăng ký khai sinh",
        "MaLinhVuc": "HT",
        "TenLinhVuc": "Hộ tịch",
        "KenhThucHien": "1",
        "SoBienNhan": "",
        "ChuHoSo": "Nguyễn Văn An",
        "SoGiayToChuHoSo": "086090000001",
        "LoaiDoiTuong": "1",
        "MaDoiTuong": None,
        "TrichYeuHoSo": "Đăng ký khai sinh cho con",
        "NgayNopHoSo": "20251201080000",
        "NgayTiepNhan": "20251201083000",
        "NgayHenTra": "20251205170000",
        "TrangThaiHoSo": "4",
        "NgayTuChoi": "",
        "NgayKetThucXuLy": "",
        "NgayTra": "",
        "HinhThuc": "0",
        "DonViXuLy": "UBND xã Mỹ Hòa",
        "TaiLieuNop": [],
        "DanhSachGiayToKetQua": [],
        "DanhSachHoSoBoSung": [],
    }
    data.update(changes)
    return data


def step(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "MaHoSo": CODE,
        "NguoiXuLy": "Trần Thị Bình",
        "ChucDanh": "Công chức tư pháp - hộ tịch",
        "ThoiDiemXuLy": "20251201083000",
        "PhongBanXuLy": "Bộ phận một cửa",
        "NoiDungXuLy": "Tiếp nhận hồ sơ",
        "TrangThai": "2",
        "NgayBatDau": "20251201083000",
        "NgayKetThucTheoQuyDinh": "20251201170000",
    }
    data.update(changes)
    return data


def post(client, path: str, body: Any, **extra: Any):
    return client.post(BASE + path, json.dumps(body), content_type="application/json", **extra)


def login(client) -> str:
    answer = post(
        client, "auth", {"username": "tinhso-demo", "password": "demo-password"}, headers=HEADERS
    ).json()
    assert str(answer["error_code"]) in ("0", "00"), answer
    return answer["session"]


def call(client, session: str, service: str, path: str = "integration", **fields: Any):
    body = {"session": session, "madonvi": "000.00.01.H61", "service": service, **fields}
    return post(client, path, body, headers=HEADERS)


def upsert(client, session: str, *items: dict[str, Any], updating: bool = False):
    return call(
        client, session, "DongBoHoSoMC", isUpdating=str(updating), data=list(items or [dossier()])
    )


def insert_b(client, *items: dict[str, Any]):
    return post(client, "hoso/themmoi", list(items or [dossier()]))


def state(client, code: str = CODE):
    return client.get(BASE + "state", {"MaHoSo": code})


def faults(client, **knobs: Any):
    response = post(client, "faults", knobs)
    assert response.status_code == 200, response.content
    return response
