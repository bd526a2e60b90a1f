import datetime

import pytest
import time_machine
from django.urls import reverse

from tinhso.units.models import AdministrativeUnit
from tinhso.units.services import load_units

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:units_administrativeunit_changelist"


@pytest.fixture(autouse=True)
def _units():
    load_units()


def _listed(response) -> list[AdministrativeUnit]:
    return list(response.context["cl"].result_list)


def test_search_without_diacritics_finds_every_version(admin_client):
    response = admin_client.get(reverse(CHANGELIST), {"q": "phu tuc"})

    assert response.status_code == 200
    assert sorted((u.code, str(u.valid_from)) for u in _listed(response)) == [
        ("28810", "2025-07-01"),  # new Xã Phú Túc
        ("28819", "2020-01-01"),  # old Xã Phú Túc
    ]


def test_search_by_code_lists_each_period_of_a_reused_code(admin_client):
    response = admin_client.get(reverse(CHANGELIST), {"q": "28810"})

    assert [u.name for u in sorted(_listed(response), key=lambda u: u.valid_from)] == [
        "Xã An Khánh",
        "Thị trấn Châu Thành",
        "Xã Phú Túc",
    ]


def test_filters_by_level_and_current_validity(admin_client):
    with time_machine.travel(datetime.datetime(2025, 8, 1, 3, tzinfo=datetime.UTC)):
        current = admin_client.get(
            reverse(CHANGELIST), {"level__exact": "commune", "validity": "current"}
        )
        ended = admin_client.get(
            reverse(CHANGELIST), {"level__exact": "district", "validity": "ended"}
        )

    assert current.context["cl"].result_count == 49
    assert ended.context["cl"].result_count == 9


def test_change_page_shows_predecessors_and_units_cannot_be_deleted(admin_client):
    new_ward = AdministrativeUnit.objects.get(code="28756", valid_from="2025-07-01")

    page = admin_client.get(reverse("admin:units_administrativeunit_change", args=[new_ward.pk]))
    delete = admin_client.post(
        reverse("admin:units_administrativeunit_delete", args=[new_ward.pk]), {"post": "yes"}
    )

    assert page.status_code == 200
    assert "Phường 8 (28759, 01/01/2020)" in page.content.decode()
    assert delete.status_code == 403
    assert AdministrativeUnit.objects.filter(pk=new_ward.pk).exists()
