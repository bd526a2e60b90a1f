from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "tinhso.documents"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tinhso.documents import subscribers

        # Models are loaded only now: subscribe to the dossier events here (ADR 0009).
        from tinhso.dossiers import events

        events.register("slips", subscribers.issue_slips)
