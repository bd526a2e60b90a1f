"""Where a user lands after signing in: the rules the apps register, tried in order."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from tinhso.accounts import landing
from tinhso.accounts.models import User
from tinhso.agencies.models import Role, StaffAssignment

pytestmark = pytest.mark.django_db


def test_the_apps_register_the_landing_pages_in_this_order():
    assert [(rule.order, rule.url_name) for rule in landing.landings()] == [
        (10, "backoffice:inbox"),
        (20, "audit:search"),
        (30, "ioc:dashboard"),
        (100, "portal:my_dossiers"),
    ]


def test_officials_auditors_and_citizens_land_on_their_own_pages(cast):
    auditor = User.objects.create_user("kiemtoan", password="pw", kind=User.Kind.OFFICIAL)
    StaffAssignment.objects.create(user=auditor, agency=cast.dept, role=Role.AUDITOR)
    assert landing.home_url(cast.clerk) == reverse("backoffice:inbox")
    assert landing.home_url(auditor) == reverse("audit:search")
    assert landing.home_url(cast.citizen) == reverse("portal:my_dossiers")


def test_the_first_rule_that_applies_wins_and_the_sign_in_page_follows_it(cast, monkeypatch):
    monkeypatch.setattr(landing, "_registry", dict(landing._registry))
    landing.register(
        order=5, url_name="stores:list", applies=lambda user: user.username == "citizen1"
    )
    response = Client().post("/dang-nhap/", {"username": "citizen1", "password": "pw"})
    assert response["Location"] == reverse("stores:list")
    response = Client().post("/dang-nhap/", {"username": "citizen2", "password": "pw"})
    assert response["Location"] == reverse("portal:my_dossiers")


def test_two_rules_may_not_share_a_place(monkeypatch):
    monkeypatch.setattr(landing, "_registry", dict(landing._registry))
    with pytest.raises(ImproperlyConfigured):
        landing.register(order=10, url_name="portal:home")
