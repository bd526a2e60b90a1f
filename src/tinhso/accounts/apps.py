from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class AccountsConfig(AppConfig):
    name = "tinhso.accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tinhso.accounts import signals  # noqa: F401  (connects the receivers; models loaded)

        # Each app's privacy.py adds its part of the personal-data export and of a consent
        # withdrawal (accounts.personal_data), its landing.py the home page of some users
        # (accounts.landing), its code_senders.py how sign-in codes are delivered
        # (accounts.code_senders): found here as the admin finds admin.py modules.
        autodiscover_modules("privacy", "landing", "code_senders")
