"""Events that reach the log without anyone calling ``log_event``: signals and audited views."""

from typing import Any

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.test import Client

from tinhso.accounts.models import User
from tinhso.agencies.models import Role, StaffAssignment
from tinhso.audit.models import AuditEntry
from tinhso.audit.services import log_event
from tinhso.dossiers.models import Dossier
from tinhso.testing import file_online, make_cast

pytestmark = pytest.mark.django_db


def actions(**filters: Any) -> list[str]:
    return list(
        AuditEntry.objects.filter(**filters).order_by("id").values_list("action", flat=True)
    )


def test_login_logout_and_failed_login_are_logged(client: Client) -> None:
    User.objects.create_user("citizen9", password="right-password")
    client.post(
        "/dang-nhap/", {"username": "citizen9", "password": "wrong"}, REMOTE_ADDR="198.51.100.4"
    )
    failed = AuditEntry.objects.get(action="auth.login_failed")
    assert (failed.target, failed.outcome, failed.actor_id) == ("user:citizen9", "failure", None)
    assert client.login(username="citizen9", password="right-password")
    client.logout()
    assert actions(target="user:citizen9") == ["auth.login_failed", "auth.login", "auth.logout"]
    assert "right-password" not in str(AuditEntry.objects.values_list("details", flat=True))


def test_every_dossier_transition_is_logged(django_capture_on_commit_callbacks: Any) -> None:
    cast = make_cast()
    with django_capture_on_commit_callbacks(execute=True):
        dossier = file_online(cast)
    dossier = Dossier.objects.get(pk=dossier.pk)
    history = list(dossier.history.order_by("seq"))
    logged = AuditEntry.objects.filter(
        action="dossier.transition", target=f"dossier:{dossier.code}"
    )
    assert logged.count() == len(history) >= 1
    first = logged.order_by("id").first()
    assert first is not None and first.details["to"] == history[0].to_status
    assert first.actor_id == history[0].actor_id


def test_role_and_privilege_changes_are_logged() -> None:
    cast = make_cast()
    user = User.objects.create_user("newbie", kind=User.Kind.OFFICIAL)
    assignment = StaffAssignment.objects.create(user=user, agency=cast.dept, role=Role.SPECIALIST)
    assignment.role = Role.LEADER
    assignment.save()
    assignment.delete()
    user.is_staff = True
    user.save()
    group = Group.objects.create(name="catalogue editors")
    user.groups.add(group)
    assert actions(target="user:newbie") == [
        "user.privileges_changed",  # an official account created
        "role.assigned",
        "role.changed",
        "role.removed",
        "user.privileges_changed",
        "user.groups_changed",
    ]
    change = AuditEntry.objects.filter(
        target="user:newbie", action="user.privileges_changed"
    ).last()
    assert change is not None and change.details["changes"] == {"is_staff": [False, True]}


def test_saving_a_user_without_privilege_change_logs_nothing() -> None:
    user = User.objects.create_user("quiet")
    before = AuditEntry.objects.count()
    user.first_name = "Q"
    user.save()
    assert AuditEntry.objects.count() == before


def test_admin_changes_are_logged_from_the_admin_log() -> None:
    admin = User.objects.create_superuser("root", password="pw")
    LogEntry.objects.log_actions(
        user_id=admin.pk,
        queryset=[admin],
        action_flag=CHANGE,
        change_message="Changed fee.",
        single_object=True,
    )
    entry = AuditEntry.objects.get(action="admin.change")
    assert entry.actor_id == admin.pk
    assert entry.target == f"accounts.user:{admin.pk}"
    assert entry.details["operation"] == "change"


def test_official_views_and_downloads_are_logged(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    cast = make_cast()
    with django_capture_on_commit_callbacks(execute=True):
        dossier = file_online(cast)
    attachment = dossier.attachments.first()
    assert attachment is not None
    client.force_login(cast.clerk)
    assert client.get(f"/backoffice/ho-so/{dossier.code}/").status_code == 200
    response = client.get(f"/backoffice/ho-so/{dossier.code}/tep/{attachment.pk}/")
    assert response.status_code == 200
    logged = AuditEntry.objects.filter(actor=cast.clerk, target=f"dossier:{dossier.code}")
    assert sorted(logged.values_list("action", flat=True)) == [
        "attachment.download",
        "dossier.view",
    ]
    download = logged.get(action="attachment.download")
    assert download.details == {"document": "attachment", "id": attachment.pk}


def test_official_reading_a_dossier_through_the_api_is_logged_but_the_owner_is_not(
    client: Client,
) -> None:
    cast = make_cast()
    dossier = file_online(cast)
    client.force_login(cast.citizen)
    assert client.get(f"/api/v1/dossiers/{dossier.code}").status_code == 200
    client.force_login(cast.clerk)
    assert client.get(f"/api/v1/dossiers/{dossier.code}").status_code == 200
    views = AuditEntry.objects.filter(action="dossier.view", target=f"dossier:{dossier.code}")
    assert list(views.values_list("actor_id", flat=True)) == [cast.clerk.pk]


def test_behind_a_trusted_proxy_the_entry_records_the_client_address(db, rf, settings):
    settings.TINHSO_TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", HTTP_X_FORWARDED_FOR="203.0.113.7", REMOTE_ADDR="10.0.0.2")
    entry = log_event(action="auth.login_failed", actor=None, request=request, outcome="failure")
    assert entry.ip == "203.0.113.7"
