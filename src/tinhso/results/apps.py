from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResultsConfig(AppConfig):
    name = "tinhso.results"
    verbose_name = _("Kết quả điện tử")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Models are loaded only now: subscribe to the dossier events here (ADR 0009).
        from tinhso.dossiers import events, guards
        from tinhso.results import subscribers
        from tinhso.results.guards import ApprovalNeedsDraft

        events.register("results", subscribers.sign_results)
        guards.register(ApprovalNeedsDraft())
