from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    """The one layer through which Tỉnh Số reaches outside systems (issue 16): a transactional
    outbox, an append-only integration log, and the national portal's client (docs/integrations.md)."""

    name = "tinhso.integrations"
    verbose_name = _("Kết nối hệ thống bên ngoài")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tinhso.integrations import subscribers, systems
        from tinhso.integrations.national.system import DvcqgSystem

        subscribers.connect()
        systems.register(DvcqgSystem())
