"""The REST API under /api/v1/, composed from each app's router."""

from django.db import connection
from ninja import NinjaAPI

api = NinjaAPI(
    title="Tỉnh Số API",
    version="1.0.0",
    description="API dịch vụ công của Tỉnh Số — public-service API (see docs/api.md).",
    urls_namespace="api",
)


@api.get("/health", tags=["system"], summary="Health check")
def health(request):  # type: ignore[no-untyped-def]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"status": "ok"}
