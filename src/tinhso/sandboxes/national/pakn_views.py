"""HTTP face of the Q&A test control: ``POST pakn/seed`` files a question on the portal as a
citizen would (404 unless the national sandbox is on; JSON only, as every control route). The
Q&A services themselves are Profile A ``integration`` services (``views.integration``)."""

import json
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils import timezone

from tinhso.sandboxes.national import pakn
from tinhso.sandboxes.national.views import json_api


def _body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


@json_api
def seed(request: HttpRequest) -> JsonResponse:
    """``{"MADONVI", "MALINHVUC", "NOIDUNG", "HOVATEN", …, "NGAYGUI"}``, all optional →
    ``{"HOIDAPID", "item"}``; 400 ``{"detail"}`` for a field the portal would not take."""
    try:
        question = pakn.parse_seed(_body(request), timezone.now())
    except pakn.SeedError as exc:
        return JsonResponse(
            {"detail": str(exc)}, status=400, json_dumps_params={"ensure_ascii": False}
        )
    record = pakn.seed(question)
    ident = record["question"]["HOIDAPID"]
    summary = pakn.summary(ident) or {}
    response = JsonResponse(
        {"HOIDAPID": ident, "item": summary.get("item")},
        json_dumps_params={"ensure_ascii": False},
    )
    response["Cache-Control"] = "no-store"  # the asker's contact details
    return response
