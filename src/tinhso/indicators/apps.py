from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "tinhso.indicators"
    verbose_name = _("Chỉ tiêu và số liệu ngành")
    default_auto_field = "django.db.models.BigAutoField"
