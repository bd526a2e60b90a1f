from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "tinhso.portal"
    default_auto_field = "django.db.models.BigAutoField"
