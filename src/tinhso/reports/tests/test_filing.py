"""Filing: routing to the agency (per-unit competence, dispatch queue), deadlines in working
days, the place (inside the province, nearest commune), anonymous reporters' phone codes."""

import datetime

import pytest

from tinhso.audit.models import AuditEntry
from tinhso.calendars.worktime import get_calendar
from tinhso.reports import services
from tinhso.reports.models import Report, ReportEvent
from tinhso.reports.services import InvalidInput

from .conftest import MONDAY_9, PHU_KHUONG, VN, file_as


def test_report_goes_to_the_categorys_agency_with_working_day_deadlines(world):
    report = file_as(world.cast.citizen)
    assert report.agency == world.cast.dept
    assert report.status == Report.Status.RECEIVED
    assert report.public_id.startswith("PA-") and len(report.public_id) == 13
    # 5 and 10 working days from Monday 9:00 (no holiday in March 2026): Monday and Monday.
    assert report.classify_due_at == datetime.datetime(2026, 3, 9, 9, 0, tzinfo=VN)
    assert report.due_at == datetime.datetime(2026, 3, 16, 9, 0, tzinfo=VN)
    assert report.reporter_name == "Nguyễn Văn An"
    event = ReportEvent.objects.get(report=report)
    assert (event.action, event.to_status) == ("file", "received")
    assert AuditEntry.objects.filter(
        action="report.file", target=f"report:{report.public_id}"
    ).exists()


def test_limits_are_data_on_the_category(world):
    world.road.handle_days = 3
    world.road.save()
    friday = datetime.datetime(2026, 3, 6, 16, 0, tzinfo=VN)
    report = file_as(world.cast.citizen, now=friday)
    assert report.due_at == get_calendar().due_at(friday, 3 * 480)
    assert report.due_at == datetime.datetime(2026, 3, 11, 16, 0, tzinfo=VN)  # skips the weekend


def test_local_competence_goes_to_the_commune_of_the_pin(world):
    report = file_as(world.cast.citizen, category="ngap-ung")
    assert report.commune.code == "28756"
    assert report.commune_approximate is True
    assert report.agency == world.cast.commune  # UBND phường Phú Khương, found by its unit


def test_report_without_agency_waits_in_the_dispatch_queue(world):
    report = file_as(world.cast.citizen, category="quy-dinh-hanh-chinh", place=None)
    assert report.agency is None and report.status == Report.Status.RECEIVED
    from tinhso.reports import selectors

    assert list(selectors.dispatch_queue(world.dispatcher)) == [report]
    assert list(selectors.dispatch_queue(world.cast.specialist)) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"category": "khong-co"}, "category"),
        ({"category": ""}, "category"),
        ({"text": "   "}, "description"),
        ({"text": "x" * 4001}, "description"),
        ({"text": "Xem <script>alert(1)</script>"}, "description"),
        ({"text": "nul \x00 byte"}, "description"),
        ({"place": None}, "lat"),  # a located category needs a pin or an address
    ],
)
def test_bad_input_is_refused_with_nothing_saved(world, changes, field):
    with pytest.raises(InvalidInput) as caught:
        file_as(world.cast.citizen, **changes)
    assert caught.value.field == field
    assert not Report.objects.exists()


def test_pin_outside_the_province_is_refused(world):
    hanoi = (PHU_KHUONG[0] + 10, PHU_KHUONG[1] - 1)
    with pytest.raises(InvalidInput) as caught:
        file_as(world.cast.citizen, place=hanoi)
    assert caught.value.field == "lat"
    assert "ngoài địa bàn tỉnh" in caught.value.message
    assert not Report.objects.exists()


def test_configured_boundary_box_is_used(world, settings):
    from tinhso.reports import geo

    settings.TINHSO_REPORTS_BOUNDARY = "106.0,10.0,106.3,10.2"  # excludes Phú Khương
    assert not geo.inside_province(10.247, 106.385)
    assert geo.inside_province(10.1, 106.1)
    settings.TINHSO_REPORTS_BOUNDARY = (
        '{"type": "Polygon", "coordinates": [[[106.3, 10.2], [106.5, 10.2], [106.5, 10.3],'
        " [106.3, 10.3], [106.3, 10.2]]]}"
    )
    assert geo.inside_province(10.247, 106.385)
    assert not geo.inside_province(10.1, 106.1)


def test_anonymous_reporter_needs_the_code_sent_to_the_phone(world, monkeypatch):
    monkeypatch.setattr(services, "generate_code", lambda: "123456")
    services.request_phone_code(phone="0912 345 678", now=MONDAY_9)
    with pytest.raises(InvalidInput) as caught:
        file_as(None, contact_phone="0912345678", phone_code="000000")
    assert caught.value.field == "phone_code"
    report = file_as(None, contact_phone="0912345678", phone_code="123456", contact_name="Ba")
    assert report.reporter is None and report.reporter_phone == "+84912345678"
    with pytest.raises(InvalidInput):  # a code is used once
        file_as(None, contact_phone="0912345678", phone_code="123456")


def test_wrong_codes_are_counted_and_exhaust_the_code(world, monkeypatch, settings):
    settings.TINHSO_REPORTS_PHONE_CODE_ATTEMPTS = 2
    monkeypatch.setattr(services, "generate_code", lambda: "123456")
    services.request_phone_code(phone="0912345678", now=MONDAY_9)
    for _ in range(2):
        with pytest.raises(InvalidInput):
            file_as(None, contact_phone="0912345678", phone_code="999999")
    with pytest.raises(InvalidInput):  # the right code no longer works
        file_as(None, contact_phone="0912345678", phone_code="123456")


def test_anonymous_without_phone_is_refused(world):
    with pytest.raises(InvalidInput) as caught:
        file_as(None)
    assert caught.value.field == "phone"


def test_petition_links_the_reporters_own_dossier_only(world):
    from tinhso.testing import file_online

    dossier = file_online(world.cast)
    report = file_as(
        world.cast.citizen, category="quy-dinh-hanh-chinh", place=None, dossier=dossier.code
    )
    assert report.dossier == dossier
    with pytest.raises(InvalidInput) as caught:
        file_as(
            world.cast.other_citizen,
            category="quy-dinh-hanh-chinh",
            place=None,
            dossier=dossier.code,
        )
    assert caught.value.field == "dossier"


def test_client_app_reports_need_no_phone_code(world):
    report = file_as(None, source=Report.Source.OPEN311, client="fixmystreet-vl")
    assert report.source == "open311" and report.client == "fixmystreet-vl"
    assert report.reporter is None and report.reporter_phone == ""
    from tinhso.reports import selectors

    assert list(selectors.public_reports()) == [report]
    world.rules.is_active = False
    world.rules.save()
    world.road.order = 1
    world.road.save()
    assert [c.code for c in selectors.active_categories()] == ["ngap-ung", "duong-hu-hong"]


def test_a_clashing_public_id_is_drawn_again(world, monkeypatch):
    first = file_as(world.cast.citizen)
    draws = iter([first.public_id, "PA-0000000001"])
    monkeypatch.setattr(services, "new_public_id", lambda: next(draws))
    second = file_as(world.cast.citizen, text="Ổ gà thứ hai")
    assert second.public_id == "PA-0000000001"
