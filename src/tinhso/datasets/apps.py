from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DatasetsConfig(AppConfig):
    name = "tinhso.datasets"
    verbose_name = _("Dữ liệu mở")
    default_auto_field = "django.db.models.BigAutoField"
