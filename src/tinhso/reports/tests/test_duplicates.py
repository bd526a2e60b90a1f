"""Duplicate suggestions: by distance (the SQL distance on SQLite and PostgreSQL) and by text
with or without diacritics."""

import datetime
from decimal import Decimal

from tinhso.reports import duplicates, geo, services

from .conftest import MONDAY_9, PHU_KHUONG, file_as, offset


def test_haversine_matches_known_distances():
    # One minute of latitude is 1,853 m on the mean sphere.
    assert abs(geo.haversine_m(10.0, 106.0, 10.0 + 1 / 60, 106.0) - 1853.2) < 1


def test_nearby_finds_120_m_not_400_m(world):
    near = file_as(world.cast.citizen, place=offset(PHU_KHUONG, 120))
    file_as(world.cast.citizen, place=offset(PHU_KHUONG, 400), text="Ổ gà xa hơn")
    found = duplicates.nearby(float(PHU_KHUONG[0]), float(PHU_KHUONG[1]), world.road, now=MONDAY_9)
    assert [s.report for s in found] == [near]
    assert 115 < found[0].distance_m < 125


def test_nearby_only_open_public_same_category_recent_nearest_first(world):
    lat, lon = float(PHU_KHUONG[0]), float(PHU_KHUONG[1])
    far = file_as(world.cast.citizen, place=offset(PHU_KHUONG, 200))
    close = file_as(world.cast.citizen, place=offset(PHU_KHUONG, 50))
    file_as(world.cast.citizen, place=offset(PHU_KHUONG, 60), private=True)
    file_as(world.cast.citizen, category="ngap-ung", place=offset(PHU_KHUONG, 10))
    answered = file_as(world.cast.citizen, place=offset(PHU_KHUONG, 30))
    services.answer(report=answered, user=world.cast.leader, comment="Xong")
    old = MONDAY_9 - datetime.timedelta(days=91)
    file_as(world.cast.citizen, place=offset(PHU_KHUONG, 20), now=old)
    found = duplicates.nearby(lat, lon, world.road, now=MONDAY_9)
    assert [s.report for s in found] == [close, far]


def test_nearby_at_most_five_and_distance_zero_disables(world):
    for metres in range(10, 80, 10):
        file_as(world.cast.citizen, place=offset(PHU_KHUONG, metres))
    lat, lon = float(PHU_KHUONG[0]), float(PHU_KHUONG[1])
    found = duplicates.nearby(lat, lon, world.road, now=MONDAY_9)
    assert len(found) == 5
    assert [s.distance_m for s in found] == sorted(s.distance_m for s in found)
    world.road.duplicate_distance_m = 0
    assert duplicates.nearby(lat, lon, world.road, now=MONDAY_9) == []


def test_similar_text_with_or_without_diacritics(world):
    flooded = file_as(
        world.cast.citizen, category="ngap-ung", text="Đường Đồng Khởi ngập sâu sau mưa lớn"
    )
    file_as(world.cast.citizen, category="ngap-ung", text="Cống thoát nước bị tắc ở chợ")
    for query in ("ngập đường đồng khởi", "ngap duong dong khoi", "NGẬP ĐƯỜNG Đồng Khởi"):
        found = duplicates.similar(query, world.flooding, now=MONDAY_9)
        assert [s.report for s in found] == [flooded], query
    assert duplicates.similar("đèn đường tắt", world.flooding, now=MONDAY_9) == []
    assert duplicates.similar("ở", world.flooding, now=MONDAY_9) == []  # nothing to match on


def test_distance_expression_agrees_with_python(world):
    report = file_as(world.cast.citizen, place=(Decimal("10.250000"), Decimal("106.390000")))
    from tinhso.reports.models import Report

    row = Report.objects.annotate(d=geo.distance_to("lat", "lon", (10.247, 106.385))).get(
        pk=report.pk
    )
    assert abs(row.d - geo.haversine_m(10.25, 106.39, 10.247, 106.385)) < 0.01
