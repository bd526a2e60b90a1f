from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "tinhso.notifications"
    verbose_name = _("Thông báo")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, once the models are loaded: the channel registry is explicit (each
        # implementation module), and applicant notices and deadline alerts follow the
        # dossier-changed event (ADR 0009).
        from tinhso.dossiers import events
        from tinhso.notifications import (  # noqa: F401
            channel_email,
            channel_sms_log,
            checks,
            subscribers,
        )

        events.register("notifications", subscribers.notify)
