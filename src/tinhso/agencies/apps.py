from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "tinhso.agencies"
    default_auto_field = "django.db.models.BigAutoField"
