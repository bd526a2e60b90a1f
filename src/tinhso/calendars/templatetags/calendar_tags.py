"""``{% due_explanation received_at due_at %}``: how a due time was counted (calendar days off,
make-up days, provisional years), for the pages that show a dossier's appointment."""

import datetime as dt
from typing import Any

from django import template

from tinhso.calendars.explain import explain_due

register = template.Library()


@register.inclusion_tag("calendars/_due_explanation.html")
def due_explanation(received_at: dt.datetime | None, due_at: dt.datetime | None) -> dict[str, Any]:
    if received_at is None or due_at is None:
        return {"explanation": None}
    return {"explanation": explain_due(received_at, due_at)}
