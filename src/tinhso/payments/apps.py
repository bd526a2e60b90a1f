from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "tinhso.payments"
    verbose_name = _("Thanh toán")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tinhso.payments.providers import load_providers

        load_providers()
