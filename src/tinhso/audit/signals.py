"""Where events come from without anyone calling ``log_event``: Django's own signals.

Connected in ``AuditConfig.ready``: logins, logouts and failures; every dossier transition (a
new ``HistoryEntry``); staff assignments, user privileges and group membership; and every change
made through the Django admin (catalogue, calendars, fees, keys, settings …), from its LogEntry.
"""

from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.http import HttpRequest

from tinhso.accounts.auditing import security_event
from tinhso.accounts.models import User
from tinhso.agencies.models import StaffAssignment
from tinhso.audit.services import log_event
from tinhso.dossiers.models import Dossier, HistoryEntry
from tinhso.dossiers.signals import personal_data_read

PRIVILEGE_FIELDS = ("is_active", "is_staff", "is_superuser", "kind")
ADMIN_FLAGS = {ADDITION: "add", CHANGE: "change", DELETION: "delete"}


def on_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    log_event(
        action="auth.login", actor=user, target=f"user:{user.get_username()}", request=request
    )


def on_logout(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is None:
        return
    log_event(
        action="auth.logout", actor=user, target=f"user:{user.get_username()}", request=request
    )


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username", ""))[:150]
    log_event(
        action="auth.login_failed",
        actor=None,
        target=f"user:{username}" if username else "",
        request=request,
        outcome="failure",
    )


def on_security_event(
    sender: Any,
    *,
    action: str,
    actor: User | None,
    target: str,
    details: dict[str, Any] | None,
    request: HttpRequest | None,
    outcome: str,
    **kwargs: Any,
) -> None:
    """The accounts app's own events (``tinhso.accounts.auditing.audit``)."""
    log_event(
        action=action,
        actor=actor,
        target=target,
        details=details,
        request=request,
        outcome=outcome,
    )


def on_history(sender: Any, instance: HistoryEntry, created: bool, **kwargs: Any) -> None:
    if not created:
        return
    log_event(
        action="dossier.transition",
        actor=instance.actor,
        target=f"dossier:{instance.dossier.code}",
        details={
            "transition": instance.action,
            "from": instance.from_status,
            "to": instance.to_status,
            "history_seq": instance.seq,
            "role": instance.actor_role,
            "agency_id": instance.agency_id,
        },
    )


def on_personal_data_read(
    sender: Any,
    dossier: Dossier,
    user: User,
    channel: str,
    request: HttpRequest | None = None,
    **kwargs: Any,
) -> None:
    log_event(
        action="dossier.view",
        actor=user,
        target=f"dossier:{dossier.code}",
        details={"channel": channel},
        request=request,
    )


def on_assignment_saved(
    sender: Any, instance: StaffAssignment, created: bool, **kwargs: Any
) -> None:
    log_event(
        action="role.assigned" if created else "role.changed",
        actor=None,
        target=f"user:{instance.user.get_username()}",
        details={
            "assignment_id": instance.pk,
            "agency": instance.agency.slug,
            "role": instance.role,
            "valid_from": instance.valid_from.isoformat() if instance.valid_from else None,
            "valid_to": instance.valid_to.isoformat() if instance.valid_to else None,
        },
    )


def on_assignment_deleted(sender: Any, instance: StaffAssignment, **kwargs: Any) -> None:
    log_event(
        action="role.removed",
        actor=None,
        target=f"user:{instance.user.get_username()}",
        details={
            "assignment_id": instance.pk,
            "agency_id": instance.agency_id,
            "role": instance.role,
        },
    )


def remember_privileges(sender: Any, instance: User, **kwargs: Any) -> None:
    if instance._state.adding or instance.pk is None:
        return
    old = User.objects.filter(pk=instance.pk).values(*PRIVILEGE_FIELDS).first()
    instance._audit_old_privileges = old  # type: ignore[attr-defined]


def on_user_saved(sender: Any, instance: User, created: bool, **kwargs: Any) -> None:
    current = {name: getattr(instance, name) for name in PRIVILEGE_FIELDS}
    if created:
        if not (instance.is_staff or instance.is_superuser or instance.kind != User.Kind.CITIZEN):
            return
        changes = {name: [None, value] for name, value in current.items()}
    else:
        old = getattr(instance, "_audit_old_privileges", None)
        instance._audit_old_privileges = current  # type: ignore[attr-defined]
        if old is None:
            return
        changes = {
            name: [old[name], current[name]] for name in current if old[name] != current[name]
        }
        if not changes:
            return
    log_event(
        action="user.privileges_changed",
        actor=None,
        target=f"user:{instance.get_username()}",
        details={"created": created, "changes": changes},
    )


def on_groups_changed(
    sender: Any, instance: Any, action: str, pk_set: set[int] | None, model: Any, **kwargs: Any
) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not isinstance(instance, User):  # changed from the group's side: one event per user
        users = list(User.objects.filter(pk__in=pk_set or []))
        for user in users:
            _log_groups(user, action, [instance.pk])
        return
    _log_groups(instance, action, sorted(pk_set or []))


def _log_groups(user: User, action: str, ids: list[int]) -> None:
    log_event(
        action="user.groups_changed",
        actor=None,
        target=f"user:{user.get_username()}",
        details={"change": action.removeprefix("post_"), "group_ids": ids},
    )


def on_permissions_changed(
    sender: Any, instance: Any, action: str, pk_set: set[int] | None, **kwargs: Any
) -> None:
    if action not in ("post_add", "post_remove", "post_clear") or not isinstance(instance, User):
        return
    log_event(
        action="user.permissions_changed",
        actor=None,
        target=f"user:{instance.get_username()}",
        details={"change": action.removeprefix("post_"), "permission_ids": sorted(pk_set or [])},
    )


def on_admin_change(sender: Any, instance: LogEntry, created: bool, **kwargs: Any) -> None:
    if not created:
        return
    content_type: Any = instance.content_type
    model = f"{content_type.app_label}.{content_type.model}" if content_type else "unknown"
    actor: Any = instance.user
    log_event(
        action="admin.change",
        actor=actor,
        target=f"{model}:{instance.object_id or ''}",
        details={
            "operation": ADMIN_FLAGS.get(instance.action_flag, str(instance.action_flag)),
            "object": (instance.object_repr or "")[:120],
            "message": instance.get_change_message()[:500],
        },
    )


def connect() -> None:
    user_logged_in.connect(on_login, dispatch_uid="audit.login")
    user_logged_out.connect(on_logout, dispatch_uid="audit.logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="audit.login_failed")
    security_event.connect(on_security_event, dispatch_uid="audit.security_event")
    post_save.connect(on_history, sender=HistoryEntry, dispatch_uid="audit.history")
    personal_data_read.connect(on_personal_data_read, dispatch_uid="audit.personal_data_read")
    post_save.connect(on_assignment_saved, sender=StaffAssignment, dispatch_uid="audit.assign")
    post_delete.connect(
        on_assignment_deleted, sender=StaffAssignment, dispatch_uid="audit.unassign"
    )
    pre_save.connect(remember_privileges, sender=User, dispatch_uid="audit.user_pre")
    post_save.connect(on_user_saved, sender=User, dispatch_uid="audit.user_post")
    m2m_changed.connect(on_groups_changed, sender=User.groups.through, dispatch_uid="audit.groups")
    m2m_changed.connect(
        on_permissions_changed, sender=User.user_permissions.through, dispatch_uid="audit.perms"
    )
    post_save.connect(on_admin_change, sender=LogEntry, dispatch_uid="audit.admin")
