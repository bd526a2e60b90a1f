"""System checks: a misspelt ``TINHSO_SMS_CHANNEL`` fails at start-up, not at the first SMS."""

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from tinhso.notifications.channels import sms_channel


@checks.register()
def check_sms_channel(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    try:
        sms_channel()
    except ImproperlyConfigured as exc:
        return [
            checks.Error(
                str(exc),
                hint=f"TINHSO_SMS_CHANNEL is {getattr(settings, 'TINHSO_SMS_CHANNEL', None)!r}; "
                "see docs/notifications.md",
                id="notifications.E001",
            )
        ]
    return []
