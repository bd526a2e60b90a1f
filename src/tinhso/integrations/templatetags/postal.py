"""``{% shipment_of dossier as shipment %}``: the dossier's shipment by post with its events, for
the dossier pages (citizen and official), without touching their views."""

from django import template

from tinhso.dossiers.models import Dossier
from tinhso.integrations.postal.models import Shipment

register = template.Library()


@register.simple_tag
def shipment_of(dossier: Dossier) -> Shipment | None:
    """The shipment of ``dossier`` (None when its result does not go by post), events loaded."""
    if dossier.return_method != "postal" or not dossier.pk:
        return None
    return Shipment.objects.prefetch_related("events").filter(dossier=dossier).first()
