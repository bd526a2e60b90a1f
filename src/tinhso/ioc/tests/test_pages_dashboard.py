"""Operations-centre pages: who gets in, what the figures say, drill-down to the dossiers."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tinhso.accounts.models import User
from tinhso.agencies.models import Agency, Role, StaffAssignment
from tinhso.units.models import AdministrativeUnit

JULY = {"period": "month", "month": "2025-07"}


def make_province_leader(cast):
    committee = Agency.objects.create(
        code="000.00.00.H61",
        slug="ubnd-tinh",
        name="UBND tỉnh Vĩnh Long",
        kind=Agency.Kind.PROVINCE_COMMITTEE,
        unit=cast.centre.unit,
    )
    user = User.objects.create_user(
        "province.leader", password="pw", kind=User.Kind.OFFICIAL, email="pl@example.vn"
    )
    StaffAssignment.objects.create(user=user, agency=committee, role=Role.LEADER)
    return user


@pytest.fixture
def province_leader(cast):
    return make_province_leader(cast)


def card(response, key):
    return next(c for c in response.context["cards"] if c["key"] == key)


def test_anonymous_is_sent_to_the_login_page(client, db):
    response = client.get(reverse("ioc:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))


@pytest.mark.parametrize("who", ["citizen", "clerk", "specialist"])
def test_citizens_and_officials_who_are_not_leaders_get_403(client, cast, who):
    client.force_login(getattr(cast, who))
    assert client.get(reverse("ioc:dashboard")).status_code == 403
    assert client.get(reverse("ioc:index766")).status_code == 403
    assert client.get(reverse("ioc:export", args=["summary", "xlsx"])).status_code == 403


def test_province_leader_sees_the_province_with_comparison(client, july, province_leader):
    client.force_login(province_leader)
    response = client.get(reverse("ioc:dashboard"), JULY)
    assert response.status_code == 200
    assert card(response, "received")["value"] == 4
    assert card(response, "received")["previous"] == 0  # June 2025
    assert card(response, "resolved")["value"] == 2
    on_time = card(response, "on_time_rate")
    assert (on_time["numerator"], on_time["denominator"]) == (1, 2)  # d2 was late
    rows = {row["label"]: row["summary"].received for row in response.context["rows"]}
    assert rows["Sở Tư pháp"] == 3
    body = response.content.decode()
    assert 'id="trend-data"' in body and "Sở Tư pháp" in body
    assert "<script>" not in body  # CSP: chart data only as application/json


def test_breakdown_row_drills_down_into_the_agency(client, july, province_leader, cast):
    client.force_login(province_leader)
    response = client.get(reverse("ioc:dashboard"), JULY)
    row = next(r for r in response.context["rows"] if r["label"] == "Sở Tư pháp")
    assert f"agency={cast.dept.pk}" in row["drill"]
    drilled = client.get(reverse("ioc:dashboard") + "?" + row["drill"])
    assert drilled.context["filters"].agency == cast.dept
    assert drilled.context["filters"].by == "procedure"
    assert card(drilled, "received")["value"] == 3


def test_agency_leader_is_limited_to_own_agency(client, july, cast):
    client.force_login(cast.leader)
    response = client.get(reverse("ioc:dashboard"), JULY)
    assert response.status_code == 200
    assert response.context["filters"].agency == cast.dept
    assert card(response, "received")["value"] == 3
    assert [a.pk for a in response.context["filters"].agencies] == [cast.dept.pk]
    other = client.get(reverse("ioc:dashboard"), {**JULY, "agency": cast.other_dept.pk})
    assert other.status_code == 403


def test_dossier_list_behind_a_figure_links_to_the_back_office(client, july, cast):
    client.force_login(cast.leader)
    response = client.get(reverse("ioc:dossiers"), {**JULY, "metric": "received"})
    assert response.status_code == 200
    codes = {row["dossier"].code for row in response.context["rows"]}
    assert codes == {d.code for d in (july[0], july[1], july[3])}
    assert reverse("backoffice:dossier", args=[july[0].code]) in response.content.decode()
    late = client.get(reverse("ioc:dossiers"), {**JULY, "metric": "in_progress"})
    assert {r["dossier"].code for r in late.context["rows"]} == {july[3].code}


def test_an_agency_leader_list_takes_its_count_from_the_figure_not_the_dossier_table(
    client, july, cast
):
    client.force_login(cast.leader)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("ioc:dossiers"), {**JULY, "metric": "received"})
    assert response.context["page"].paginator.count == response.context["total"] == 3
    assert "Danh sách gồm 3 hồ sơ" in response.content.decode()
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"] and "dossiers_dossier" in q["sql"]]
    assert counts == []
    # Latest first by the day the figure counts on (received), the page lists exactly those.
    listed = [row["dossier"] for row in response.context["rows"]]
    assert [d.received_at for d in listed] == sorted((d.received_at for d in listed), reverse=True)


def test_province_leader_reads_every_dossier_behind_a_figure_and_is_audited(
    client, july, province_leader
):
    """docs/security.md, "Province leaders": the list behind a province-wide figure has the
    figure's dossiers, each opening a read-only page; the list and each read are audited."""
    from tinhso.audit.models import AuditEntry

    client.force_login(province_leader)
    response = client.get(reverse("ioc:dossiers"), {**JULY, "metric": "received"})
    assert response.status_code == 200
    assert response.context["total"] == 4
    assert response.context["page"].paginator.count == 4
    codes = {row["dossier"].code for row in response.context["rows"]}
    assert codes == {d.code for d in july}
    assert all(row["read_only"] and not row["link"] for row in response.context["rows"])
    listed = AuditEntry.objects.get(action="ioc.dossiers_read", actor=province_leader)
    assert sorted(listed.details["codes"]) == sorted(codes)
    page = client.get(reverse("ioc:dossier", args=[july[1].code]))
    assert page.status_code == 200
    assert july[1].procedure_version.name in page.content.decode()
    assert AuditEntry.objects.filter(
        action="ioc.dossier_read", actor=province_leader, target=f"dossier:{july[1].code}"
    ).exists()


def test_the_read_only_dossier_page_is_404_for_an_agency_leader(client, july, cast):
    from tinhso.audit.models import AuditEntry

    client.force_login(cast.leader)
    assert client.get(reverse("ioc:dossier", args=[july[2].code])).status_code == 404
    assert client.get(reverse("ioc:dossier", args=[july[0].code])).status_code == 404
    assert not AuditEntry.objects.filter(action="ioc.dossier_read").exists()
    response = client.get(reverse("ioc:dossiers"), {**JULY, "metric": "received"})
    assert not response.context["province_reader"]
    assert not AuditEntry.objects.filter(action="ioc.dossiers_read").exists()


def test_unknown_metric_is_404(client, cast):
    client.force_login(cast.leader)
    assert client.get(reverse("ioc:dossiers"), {"metric": "secret"}).status_code == 404


def test_bad_period_falls_back_with_a_message(client, cast):
    client.force_login(cast.leader)
    response = client.get(reverse("ioc:dashboard"), {"period": "month", "month": "2025-13"})
    assert response.status_code == 200
    assert response.context["filters"].errors


def test_historical_districts_are_offered_only_for_periods_before_july_2025(
    client, cast, province_leader
):
    old_province = AdministrativeUnit.objects.create(
        code="83",
        name="Tỉnh Bến Tre",
        kind="Tỉnh",
        level="province",
        valid_from=datetime.date(2020, 1, 1),
        valid_to=datetime.date(2025, 7, 1),
    )
    AdministrativeUnit.objects.create(
        code="831",
        name="Huyện Châu Thành",
        kind="Huyện",
        level="district",
        parent=old_province,
        valid_from=datetime.date(2020, 1, 1),
        valid_to=datetime.date(2025, 7, 1),
    )
    client.force_login(province_leader)
    june = client.get(reverse("ioc:dashboard"), {"period": "month", "month": "2025-06"})
    august = client.get(reverse("ioc:dashboard"), {"period": "month", "month": "2025-08"})
    assert "Huyện Châu Thành" in {u.name for u in june.context["filters"].units}
    assert "Huyện Châu Thành" not in {u.name for u in august.context["filters"].units}
    scoped = client.get(reverse("ioc:dashboard"), {"period": "year", "year": "2024", "unit": "831"})
    assert scoped.status_code == 200 and scoped.context["filters"].unit.name == "Huyện Châu Thành"


@pytest.mark.parametrize(
    "params",
    [
        {"period": "quarter", "quarter": "2025-Q3"},
        {"period": "year", "year": "2025"},
        {"period": "custom", "from": "2025-07-01", "to": "2025-07-31"},
    ],
)
def test_quarter_year_and_custom_periods_count_the_same_july_dossiers(
    client, july, province_leader, params
):
    client.force_login(province_leader)
    response = client.get(reverse("ioc:dashboard"), params)
    assert card(response, "received")["value"] == 4


def test_index766_ranking_traces_each_indicator(client, july, province_leader):
    client.force_login(province_leader)
    response = client.get(reverse("ioc:index766"), {"period": "2025-07", "level": "agency"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Sở Tư pháp" in body and "không có dữ liệu" in body
    assert (
        "Mẫu số bằng 0 trong kỳ" in body
    )  # the note of an indicator without data (5.2: no reports)
    rows = response.context["rows"]
    assert rows[0].rank == 1


def test_agency_leader_sees_only_own_row_of_index766(client, july, cast):
    client.force_login(cast.leader)
    response = client.get(reverse("ioc:index766"), {"period": "2025-07"})
    assert [row.key for row in response.context["rows"]] == [str(cast.dept.pk)]


def test_a_province_leader_lands_on_the_operations_centre_an_agency_leader_on_the_back_office(
    cast, province_leader
):
    from django.urls import reverse

    from tinhso.accounts import landing

    assert landing.home_url(province_leader) == reverse("ioc:dashboard")
    assert landing.home_url(cast.leader) == reverse("backoffice:inbox")
    assert landing.home_url(cast.clerk) == reverse("backoffice:inbox")
