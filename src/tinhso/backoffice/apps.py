from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "tinhso.backoffice"
    default_auto_field = "django.db.models.BigAutoField"
