"""Template helpers of the portal and the back office: money in đồng, counts with a thousands dot,
payment providers in words, working days, accessible form widgets."""

from decimal import Decimal
from typing import Any

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from tinhso.documents import formatting
from tinhso.payments.providers import get_provider

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
def money(amount: int | None) -> str:
    """200000 -> "200.000 đồng" (0 stays "0 đồng": an amount, not a price label)."""
    return "" if amount is None else formatting.dong(int(amount))


@register.filter
def number(value: Decimal | int | float | None) -> str:
    """A count or quantity as a Vietnamese reader writes it: 4000 -> "4.000", 0.5 -> "0,5"."""
    if value is None or value == "":
        return ""
    return formatting.vn_number(Decimal(str(value)))


@register.filter
def provider_label(provider_id: str) -> str:
    """A payment provider's name in words ("vnpay" -> its label); an unknown id stays as is."""
    try:
        return str(get_provider(provider_id).label)
    except KeyError:
        return provider_id


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
