from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    """The one layer through which Tỉnh Số reaches outside systems (issue 16): a transactional
    outbox, an append-only integration log, and the national portal's client (docs/integrations.md)."""

    name = "tinhso.integrations"
    verbose_name = _("Kết nối hệ thống bên ngoài")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tinhso.integrations import (
            datastore,
            paygov,
            population,
            postal,
            sso,
            subscribers,
            systems,
        )
        from tinhso.integrations.national import inbound_views
        from tinhso.integrations.national.system import DvcqgSystem
        from tinhso.middleware import register_error_format  # the core's hook, loaded with the app

        subscribers.connect()
        systems.register(DvcqgSystem())
        paygov.connect()
        population.connect()
        datastore.connect()
        sso.connect()
        postal.connect()
        # Refused input to the push endpoint is answered in its own JSON form, never an HTML page.
        register_error_format("/national/inbound/", inbound_views.bad_input)
