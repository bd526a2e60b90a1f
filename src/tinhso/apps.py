from django.apps import AppConfig


class TinhsoConfig(AppConfig):
    """The project-level app (commands, base templates, static files, deployment checks)."""

    name = "tinhso"
    verbose_name = "Tỉnh Số"

    def ready(self) -> None:
        # Registers the deployment checks (``check --deploy``); their module imports app code,
        # which is loaded only once the app registry is ready.
        from tinhso import checks  # noqa: F401
