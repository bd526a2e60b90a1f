"""Alert rules: thresholds, once per window, e-mail to security staff, acknowledgement."""

import datetime
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tinhso.accounts.models import User
from tinhso.agencies.models import Role, StaffAssignment
from tinhso.audit.alerts import (
    ensure_default_rules,
    evaluate_rules,
    is_after_hours,
    raise_chain_alert,
)
from tinhso.audit.models import AuditEntry, SecurityAlert, SecurityAlertRule
from tinhso.audit.services import log_event
from tinhso.notifications.models import Delivery
from tinhso.notifications.tests.fakes import install_sms_channel
from tinhso.testing import make_cast

pytestmark = pytest.mark.django_db
TZ = datetime.timezone(datetime.timedelta(hours=7))


@pytest.fixture
def security() -> User:
    cast = make_cast()
    user = User.objects.create_user("security", kind=User.Kind.OFFICIAL, email="soc@tinh.vn")
    StaffAssignment.objects.create(user=user, agency=cast.other_dept, role=Role.SECURITY)
    # Creating the cast assigned roles: keep those privilege changes out of the other rules' tests.
    ensure_default_rules()
    SecurityAlertRule.objects.filter(kind="privilege_changes").update(is_active=False)
    return user


def fail_logins(n: int, ip: str = "203.0.113.9") -> None:
    from django.test import RequestFactory

    request = RequestFactory().post("/dang-nhap/", REMOTE_ADDR=ip)
    for i in range(n):
        log_event(
            action="auth.login_failed",
            actor=None,
            target=f"user:u{i}",
            request=request,
            outcome="failure",
        )


def test_failed_logins_over_threshold_alert_once_and_mail_security_staff(
    security: User, django_capture_on_commit_callbacks: Any
) -> None:
    fail_logins(19)
    with django_capture_on_commit_callbacks(execute=True):
        assert evaluate_rules() == []
    fail_logins(1)
    with django_capture_on_commit_callbacks(execute=True):
        raised = evaluate_rules()
    assert [(a.rule.kind, a.subject, a.count) for a in raised] == [
        ("failed_logins", "ip:203.0.113.9", 20)
    ]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["soc@tinh.vn"]
    assert "ip:203.0.113.9" in mail.outbox[0].body
    fail_logins(5)
    with django_capture_on_commit_callbacks(execute=True):
        assert evaluate_rules() == []  # same window: not again
    assert SecurityAlert.objects.count() == 1 and len(mail.outbox) == 1
    assert AuditEntry.objects.filter(action="soc.alert_raised").count() == 1


def test_a_new_window_may_alert_again(security: User) -> None:
    fail_logins(20)
    assert len(evaluate_rules()) == 1
    later = timezone.now() + datetime.timedelta(minutes=20)
    with time_machine.travel(later, tick=False):
        fail_logins(20)
        assert len(evaluate_rules()) == 1
    assert SecurityAlert.objects.count() == 2


def test_many_attachment_downloads_by_one_official(security: User) -> None:
    clerk = User.objects.create_user("downloader", kind=User.Kind.OFFICIAL)
    for i in range(30):
        log_event(action="attachment.download", actor=clerk, target=f"dossier:{i}")
    kinds = {(a.rule.kind, a.subject) for a in evaluate_rules()}
    assert ("attachment_downloads", clerk.username) in kinds


def test_unusual_dossier_views_compare_with_the_usual_rate(security: User) -> None:
    rule_kinds = {"dossier_views"}
    official = User.objects.create_user("busy", kind=User.Kind.OFFICIAL)
    steady = User.objects.create_user("steady", kind=User.Kind.OFFICIAL)
    two_days_ago = timezone.now() - datetime.timedelta(days=2)
    for hour in range(5):  # steady usually opens about 60 dossiers in an hour of work
        with time_machine.travel(two_days_ago + datetime.timedelta(hours=hour), tick=False):
            for i in range(60):
                log_event(action="dossier.view", actor=steady, target=f"dossier:s{hour}-{i}")
    for i in range(70):
        log_event(action="dossier.view", actor=official, target=f"dossier:b{i}")
        log_event(action="dossier.view", actor=steady, target=f"dossier:t{i}")
    raised = {a.subject for a in evaluate_rules() if a.rule.kind in rule_kinds}
    assert raised == {"busy"}


def test_after_hours_uses_working_days_and_the_workday_window() -> None:
    assert not is_after_hours(datetime.datetime(2025, 9, 10, 9, 0, tzinfo=TZ))  # Wednesday
    assert is_after_hours(datetime.datetime(2025, 9, 10, 22, 0, tzinfo=TZ))
    assert is_after_hours(datetime.datetime(2025, 9, 13, 10, 0, tzinfo=TZ))  # Saturday
    assert is_after_hours(datetime.datetime(2025, 9, 2, 10, 0, tzinfo=TZ))  # National Day


def test_after_hours_access_alerts(security: User) -> None:
    official = User.objects.create_user("night", kind=User.Kind.OFFICIAL)
    night = datetime.datetime(2025, 9, 10, 23, 0, tzinfo=TZ)
    with time_machine.travel(night, tick=False):
        for i in range(5):
            log_event(action="dossier.view", actor=official, target=f"dossier:{i}")
        raised = {(a.rule.kind, a.subject) for a in evaluate_rules()}
    assert ("after_hours", "night") in raised


def test_privilege_change_alerts(security: User) -> None:
    SecurityAlertRule.objects.filter(kind="privilege_changes").update(is_active=True)
    user = User.objects.create_user("plain")
    user.is_superuser = True
    user.save()
    raised = {(a.rule.kind, a.subject) for a in evaluate_rules()}
    assert ("privilege_changes", "user:plain") in raised


def test_a_security_key_whose_counter_went_back_alerts_once(
    security: User, django_capture_on_commit_callbacks: Any
) -> None:
    for reason in ("challenge_missing", "sign_count_regression", "sign_count_regression"):
        log_event(
            action="auth.webauthn_failed",
            actor=None,
            target="user:stp.clerk" if reason != "challenge_missing" else "user:other",
            details={"step": "authenticate", "reason": reason},
            outcome="failure",
        )
    with django_capture_on_commit_callbacks(execute=True):
        raised = [a for a in evaluate_rules() if a.rule.kind == "cloned_key"]
    assert [(a.subject, a.count) for a in raised] == [("user:stp.clerk", 2)]
    assert not [a for a in evaluate_rules() if a.rule.kind == "cloned_key"]  # once per window
    assert len(mail.outbox) == 1 and "user:stp.clerk" in mail.outbox[0].body
    assert "Khóa bảo mật có dấu hiệu bị sao chép" in mail.outbox[0].body


def test_lockouts_logged_by_the_login_layer_alert(security: User) -> None:
    log_event(action="auth.lockout", actor=None, target="user:victim", outcome="failure")
    raised = {(a.rule.kind, a.subject) for a in evaluate_rules()}
    assert ("lockouts", "user:victim") in raised


def test_inactive_rule_does_not_alert(security: User) -> None:
    evaluate_rules()
    SecurityAlertRule.objects.filter(kind="failed_logins").update(is_active=False)
    fail_logins(25)
    assert all(a.rule.kind != "failed_logins" for a in evaluate_rules())


def test_acknowledgement_is_recorded_once_and_audited(client: Client, security: User) -> None:
    fail_logins(20)
    alert = evaluate_rules()[0]
    client.force_login(security)
    response = client.post(
        f"/backoffice/kiem-soat/canh-bao/{alert.pk}/xac-nhan/", {"note": "Chặn IP"}
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == security and alert.note == "Chặn IP"
    first_time = alert.acknowledged_at
    client.post(f"/backoffice/kiem-soat/canh-bao/{alert.pk}/xac-nhan/", {"note": "again"})
    alert.refresh_from_db()
    assert alert.acknowledged_at == first_time and alert.note == "Chặn IP"
    ack = AuditEntry.objects.get(action="soc.alert_acknowledged")
    assert ack.actor_id == security.pk and ack.target == f"alert:{alert.pk}"
    page = client.get("/backoffice/kiem-soat/soc/")
    assert alert not in page.context["o"].open_alerts


def test_alerts_command_and_a_broken_chain_alert(security: User, as_attacker: Any) -> None:
    entry = log_event(action="auth.login", actor=security)
    as_attacker("UPDATE audit_auditentry SET target = 'x' WHERE id = %s", [entry.pk])
    from io import StringIO

    with pytest.raises(Exception, match="not anchored"):
        call_command("audit", "anchor", stdout=StringIO(), stderr=StringIO())
    alert = SecurityAlert.objects.get(rule__kind="chain_broken")
    assert f"entry #{entry.pk}" in alert.details["problems"][0]
    out = StringIO()
    call_command("audit", "alerts", stdout=out)
    assert "new alert" in out.getvalue()


def test_security_alerts_go_through_the_notifications_outbox_by_email_and_sms(
    security: User, monkeypatch: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    sms = install_sms_channel(monkeypatch, settings, failures=1)  # refused once, then retried
    settings.TINHSO_SECURITY_EMAILS = ["ttcntt@tinh.vn"]
    security.phone = "0912345678"
    security.save(update_fields=["phone"])
    fail_logins(20)
    with django_capture_on_commit_callbacks(execute=True):
        [alert] = evaluate_rules()
    with django_capture_on_commit_callbacks(execute=True):
        raise_chain_alert(["entry #1: hash mismatch"])  # another alert, another message

    deliveries = Delivery.objects.filter(topic="security_alert").order_by("id")
    assert [(d.channel, d.recipient, d.status) for d in deliveries] == [
        ("email", "soc@tinh.vn", "sent"),
        ("email", "ttcntt@tinh.vn", "sent"),
        ("sms", "0912345678", "sent"),
    ] * 2
    assert deliveries[2].attempts == 2 and deliveries[2].backend == sms.id
    assert (
        sorted(m.to[0] for m in mail.outbox)
        == ["soc@tinh.vn", "soc@tinh.vn"] + ["ttcntt@tinh.vn"] * 2
    )
    assert mail.outbox[0].subject == "[Tỉnh Số] 1 cảnh báo an ninh mới"
    assert "ip:203.0.113.9" in mail.outbox[0].body
    assert [phone for phone, _ in sms.sent] == ["0912345678"] * 2
    assert "/backoffice/kiem-soat/soc/" in sms.sent[0][1]
    assert deliveries[0].key == f"alerts:{alert.pk}-{alert.pk}"
