from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IocConfig(AppConfig):
    name = "tinhso.ioc"
    verbose_name = _("Trung tâm điều hành")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tinhso.ioc import receivers

        receivers.connect()
