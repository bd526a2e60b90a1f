"""Template helpers of the portal: money in đồng, working days, accessible form widgets."""

from decimal import Decimal
from typing import Any

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def dong(amount: int | None) -> str:
    """8000 -> "8.000 đ"; 0 -> "Miễn phí" (money is integer đồng, never a float)."""
    if amount is None:
        return ""
    if amount == 0:
        return _("Miễn phí")
    return f"{int(amount):,}".replace(",", ".") + " đ"


@register.filter
def days(value: Decimal | int | None) -> str:
    """Working days with a Vietnamese decimal comma: Decimal("3.00") -> "3", "0.5" -> "0,5"."""
    if value is None:
        return ""
    number = Decimal(value).normalize()
    text = f"{number:f}"
    return text.replace(".", ",")


@register.simple_tag
def widget(field: BoundField, **extra: Any) -> SafeString:
    """Render ``field``'s widget tied to its hint and error (aria-describedby, aria-invalid)."""
    attrs: dict[str, Any] = {k.replace("_", "-"): v for k, v in extra.items()}
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}-hint")
    if field.errors:
        described.append(f"{field.auto_id}-error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)
