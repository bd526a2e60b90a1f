"""Photos: content-checked, size-capped, EXIF position stripped (or used as the place when the
citizen asks), and no orphan file when the report fails."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tinhso.reports.models import Report, ReportPhoto
from tinhso.reports.services import InvalidInput

from .conftest import file_as, jpeg


def _media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_photo_is_stored_without_its_exif_position(world, settings):
    report = file_as(world.cast.citizen, photos=[jpeg(gps=True)])
    photo = ReportPhoto.objects.get(report=report)
    assert photo.file.name.startswith(f"reports/{report.pk}/")
    with photo.file.open("rb") as handle, Image.open(handle) as image:
        assert not image.getexif().get_ifd(0x8825)


def test_photo_place_is_used_when_the_citizen_chooses_it(world):
    report = file_as(world.cast.citizen, place=None, photos=[jpeg(gps=True)], use_photo_place=True)
    assert (round(float(report.lat), 4), round(float(report.lon), 4)) == (10.2472, 106.385)
    assert report.commune.code == "28756"
    with (
        ReportPhoto.objects.get(report=report).file.open("rb") as handle,
        Image.open(handle) as image,
    ):
        assert not image.getexif().get_ifd(0x8825)  # the place is on the report, not in the file


def test_photo_place_without_gps_is_an_error(world):
    with pytest.raises(InvalidInput) as caught:
        file_as(world.cast.citizen, place=None, photos=[jpeg()], use_photo_place=True)
    assert caught.value.field == "photos"


def test_not_an_image_is_refused(world, settings):
    fake = SimpleUploadedFile(
        "anh.jpg", b"this is not an image at all" * 10, content_type="image/jpeg"
    )
    with pytest.raises(InvalidInput) as caught:
        file_as(world.cast.citizen, photos=[fake])
    assert caught.value.field == "photos"
    assert not Report.objects.exists() and _media_files(settings) == []


def test_pdf_is_not_a_photo(world):
    from tinhso.testing import pdf_upload

    with pytest.raises(InvalidInput):
        file_as(world.cast.citizen, photos=[pdf_upload()])
    assert not Report.objects.exists()


def test_too_big_photo_is_refused(world, settings):
    settings.TINHSO_REPORTS_PHOTO_MAX_BYTES = 1000
    big = Image.effect_noise((200, 200), 100).convert("RGB")
    out = io.BytesIO()
    big.save(out, "JPEG", quality=95)
    with pytest.raises(InvalidInput) as caught:
        file_as(world.cast.citizen, photos=[SimpleUploadedFile("to.jpg", out.getvalue())])
    assert "vượt quá" in caught.value.message
    assert not Report.objects.exists()


def test_too_many_photos_are_refused(world, settings):
    settings.TINHSO_REPORTS_MAX_PHOTOS = 1
    with pytest.raises(InvalidInput):
        file_as(world.cast.citizen, photos=[jpeg(), jpeg(name="b.jpg")])


def test_no_orphan_file_when_the_report_fails_after_saving_photos(world, settings, monkeypatch):
    from tinhso.reports import services

    def broken(*args, **kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr(services, "_record", broken)
    with pytest.raises(RuntimeError):
        file_as(world.cast.citizen, photos=[jpeg(), jpeg(name="b.jpg")])
    assert not Report.objects.exists() and not ReportPhoto.objects.exists()
    assert _media_files(settings) == []
