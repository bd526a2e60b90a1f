from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoresConfig(AppConfig):
    name = "tinhso.stores"
    verbose_name = _("Kho giấy tờ cá nhân")
    default_auto_field = "django.db.models.BigAutoField"
