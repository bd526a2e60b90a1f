from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SensorsConfig(AppConfig):
    name = "tinhso.sensors"
    verbose_name = _("Quan trắc")
    default_auto_field = "django.db.models.BigAutoField"
