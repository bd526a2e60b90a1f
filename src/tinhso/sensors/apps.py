from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from tinhso.middleware import register_error_format


class SensorsConfig(AppConfig):
    name = "tinhso.sensors"
    verbose_name = _("Quan trắc")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here: the SensorThings modules import models, which need the app registry ready.
        from tinhso.sensors.sta import serialise

        # Refused input (a NUL, text not UTF-8) on SensorThings answers in its error body.
        register_error_format("/api/sensorthings/", serialise.bad_input)
