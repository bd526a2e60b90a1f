from django.apps import AppConfig


class ProceduresConfig(AppConfig):
    name = "tinhso.procedures"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tinhso.procedures import cache

        cache.connect()
