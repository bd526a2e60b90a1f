from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "tinhso.notifications"
    verbose_name = _("Thông báo")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The channel registry is explicit: import each implementation module here.
        from tinhso.notifications import (  # noqa: F401
            channel_email,
            channel_sms_log,
            checks,
        )
