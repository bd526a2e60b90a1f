from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "tinhso.audit"
    verbose_name = _("Nhật ký kiểm toán")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tinhso.audit import signals

        signals.connect()
