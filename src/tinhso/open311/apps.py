from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    """The Open311 GeoReport v2 interface over the province's reports (issue 18)."""

    name = "tinhso.open311"
    verbose_name = _("Giao diện Open311 GeoReport v2")
    default_auto_field = "django.db.models.BigAutoField"
