"""The REST API under /api/v1/, composed from each app's router."""

from django.db import connection
from django.http import HttpRequest
from ninja import NinjaAPI

from tinhso.accounts.api import bearer, session_user
from tinhso.accounts.api import router as auth_router
from tinhso.accounts.throttling import api_throttles
from tinhso.agencies.api import router as agencies_router
from tinhso.apierrors import install_handlers
from tinhso.backoffice.api import router as inbox_router
from tinhso.calendars.api import router as calendar_router
from tinhso.dossiers.api import public_router as lookup_router
from tinhso.dossiers.api import router as dossiers_router
from tinhso.integrations.api import router as integrations_router
from tinhso.ioc.api import router as ioc_router
from tinhso.payments.api import router as payments_router
from tinhso.procedures.api import router as procedures_router
from tinhso.reports.api import router as reports_router
from tinhso.results.api import router as results_router

api = NinjaAPI(
    title="Tỉnh Số API",
    version="1.0.0",
    description="API dịch vụ công của Tỉnh Số — public-service API (see docs/api.md).",
    urls_namespace="api",
    # Signed in by default (public operations say auth=None). Listing the session here also makes
    # the docs page (/api/v1/docs) send the CSRF token that session calls need.
    auth=[bearer, session_user],
    throttle=api_throttles(),
)
install_handlers(api)


@api.get("/health", tags=["system"], summary="Health check", auth=None)
def health(request: HttpRequest) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"status": "ok"}


api.add_router("", auth_router)
api.add_router("", agencies_router)
api.add_router("", procedures_router)
api.add_router("", dossiers_router)
api.add_router("", lookup_router)
api.add_router("", payments_router)
api.add_router("", calendar_router)
api.add_router("", results_router)
api.add_router("", ioc_router)
api.add_router("", inbox_router)
api.add_router("", integrations_router)
api.add_router("", reports_router)
