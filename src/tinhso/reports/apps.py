from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Citizen feedback and petitions (phản ánh, kiến nghị; issue 18)."""

    name = "tinhso.reports"
    verbose_name = _("Phản ánh, kiến nghị")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tinhso.reports.geo import connect_signals

        connect_signals()
