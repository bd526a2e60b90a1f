from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SandboxesConfig(AppConfig):
    """In-project sandboxes of outside systems that speak their protocol, check what we send and
    offer fault knobs (issue 16): the national portal under ``/sandbox/national/``. Served only
    when enabled (never in production)."""

    name = "tinhso.sandboxes"
    verbose_name = _("Môi trường thử nghiệm hệ thống bên ngoài")
    default_auto_field = "django.db.models.BigAutoField"
