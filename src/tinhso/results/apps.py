from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResultsConfig(AppConfig):
    name = "tinhso.results"
    verbose_name = _("Kết quả điện tử")
    default_auto_field = "django.db.models.BigAutoField"
