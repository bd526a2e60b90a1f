"""The reports world: the project's cast (tinhso.testing.make_cast) and three categories —
a located one with local competence, a located one answered by a department, and a petition
without an agency (the dispatch queue)."""

import datetime
import io
import secrets
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tinhso.accounts.api import _hash
from tinhso.accounts.models import ApiToken, User
from tinhso.agencies.models import Role
from tinhso.reports import services
from tinhso.reports.models import Category, Report
from tinhso.testing import Cast, make_cast, make_staff

VN = ZoneInfo("Asia/Ho_Chi_Minh")
# Near the seat of phường Phú Khương (units/data/seats.csv: 10.2470, 106.3850).
PHU_KHUONG = (Decimal("10.247000"), Decimal("106.385000"))
MONDAY_9 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=VN)  # a plain working Monday


@dataclass
class World:
    cast: Cast
    flooding: Category  # per-unit competence (commune), falls back to the department
    road: Category  # the department (cast.dept) answers
    rules: Category  # petition, no agency: the dispatch queue
    dept_clerk: User
    dispatcher: User


@pytest.fixture
def world(db) -> World:
    cast = make_cast()
    flooding = Category.objects.create(
        code="ngap-ung", name="Ngập úng", agency=cast.dept, per_unit_competence=True
    )
    road = Category.objects.create(
        code="duong-hu-hong", name="Ổ gà, hư hỏng đường", agency=cast.dept
    )
    rules = Category.objects.create(
        code="quy-dinh-hanh-chinh", name="Kiến nghị về quy định hành chính", located=False
    )
    return World(
        cast=cast,
        flooding=flooding,
        road=road,
        rules=rules,
        dept_clerk=make_staff("stp.clerk", cast.dept, Role.CLERK),
        dispatcher=cast.clerk,  # a clerk of the one-stop centre
    )


def file_as(
    user: User | None,
    category: str = "duong-hu-hong",
    text: str = "Ổ gà lớn giữa đường, xe máy dễ té",
    place: tuple[Decimal, Decimal] | None = PHU_KHUONG,
    now: datetime.datetime = MONDAY_9,
    **extra,
) -> Report:
    lat, lon = place if place else (None, None)
    data = services.NewReport(category=category, description=text, lat=lat, lon=lon, **extra)
    return services.file_report(data=data, reporter=user, now=now)


def offset(place: tuple[Decimal, Decimal], north_m: float) -> tuple[Decimal, Decimal]:
    """A point ``north_m`` metres north of ``place``."""
    return (place[0] + Decimal(north_m / 111_195).quantize(Decimal("0.000001")), place[1])


def bearer(user: User) -> dict[str, str]:
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, key_hash=_hash(key))
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def jpeg(gps: bool = False, size: int = 32, name: str = "anh.jpg") -> SimpleUploadedFile:
    image = Image.new("RGB", (size, size), "red")
    out = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x8825] = {1: "N", 2: (10.0, 14.0, 50.0), 3: "E", 4: (106.0, 23.0, 6.0)}
        image.save(out, "JPEG", exif=exif.tobytes())
    else:
        image.save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")
