from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from tinhso.middleware import register_error_format


class PaymentsConfig(AppConfig):
    name = "tinhso.payments"
    verbose_name = _("Thanh toán")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tinhso.payments.providers import load_providers
        from tinhso.payments.sandbox import views as sandbox_views

        load_providers()
        # Refused input on the sandbox's transaction API answers as VNPay's API does.
        register_error_format("/payments/sandbox/vnpay/api", sandbox_views.api_bad_input)
