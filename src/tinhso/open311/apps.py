from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    """The Open311 GeoReport v2 interface over the province's reports (issue 18)."""

    name = "tinhso.open311"
    verbose_name = _("Giao diện Open311 GeoReport v2")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tinhso.middleware import register_error_format  # the core's hook
        from tinhso.open311 import views
        from tinhso.open311.adapter import set_adapter
        from tinhso.open311.reports_adapter import ReportsAdapter  # needs the app registry

        set_adapter(ReportsAdapter())  # the protocol over the province's reports

        # Refused input (NUL byte, undecodable bytes) and Django's own 404/405 under the
        # protocol's prefix are answered as GeoReport errors, in the format the path asks.
        register_error_format("/open311/", views.bad_input)
