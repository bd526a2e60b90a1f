"""Security events of this app, written to the append-only audit log (tinhso.audit)."""

from typing import Any

from django.http import HttpRequest

from tinhso.accounts.models import User


def audit(
    action: str,
    *,
    actor: User | None,
    target: str = "",
    details: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    outcome: str = "success",
) -> None:
    from tinhso.audit.services import log_event  # the audit app imports accounts models

    log_event(
        action=action,
        actor=actor,
        target=target,
        details=details,
        request=request,
        outcome=outcome,
    )
