from django.apps import AppConfig


class UnitsConfig(AppConfig):
    name = "tinhso.units"
    default_auto_field = "django.db.models.BigAutoField"
