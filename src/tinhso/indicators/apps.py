from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from tinhso.ioc import dashboard_alerts


class IndicatorsConfig(AppConfig):
    name = "tinhso.indicators"
    verbose_name = _("Chỉ tiêu và số liệu ngành")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here: the alerts module imports models, which need the app registry ready.
        from tinhso.indicators.alerts import open_alerts_for

        dashboard_alerts.register(open_alerts_for)
