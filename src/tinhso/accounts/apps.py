from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tinhso.accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tinhso.accounts import signals  # noqa: F401  (connects the receivers)
