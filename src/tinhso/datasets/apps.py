from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from tinhso.middleware import register_error_format


class DatasetsConfig(AppConfig):
    name = "tinhso.datasets"
    verbose_name = _("Dữ liệu mở")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here: ckan imports models, which need the app registry ready.
        from tinhso.datasets import ckan

        # Refused input (a NUL, text not UTF-8) on the CKAN API answers in CKAN's envelope.
        register_error_format("/api/3/", ckan.bad_input)
        register_error_format("/api/action/", ckan.bad_input)
