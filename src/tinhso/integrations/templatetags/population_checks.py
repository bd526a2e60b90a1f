"""The back office's dossier page shows the population lookups linked to the dossier (spec §7;
issue 17: "the clerk sees the population lookup result"): outcome, who asked and why, which
declared fields matched. Nothing of the answer itself exists to show (R-NAT-006)."""

from dataclasses import dataclass
from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from tinhso.integrations.population.models import PopulationLookup

register = template.Library()

FIELD_LABELS = {
    "name": _("Họ và tên"),
    "birth_date": _("Ngày sinh"),
    "address": _("Nơi thường trú"),
}


@dataclass(frozen=True)
class Check:
    lookup: PopulationLookup

    def _labels(self, names: list[str]) -> list[str]:
        return [str(FIELD_LABELS.get(name, name)) for name in names]

    @property
    def matched(self) -> list[str]:
        return self._labels([k for k, v in self.lookup.comparison.items() if v == "matched"])

    @property
    def mismatched(self) -> list[str]:
        return self._labels(self.lookup.mismatches)

    @property
    def copied(self) -> list[str]:
        return self._labels(list(self.lookup.fields_copied))


@register.inclusion_tag("integrations/_population_checks.html")
def population_checks(dossier: Any) -> dict[str, Any]:
    rows = (
        PopulationLookup.objects.filter(dossier=dossier)
        .select_related("requested_by")
        .order_by("-created_at")
    )
    return {"checks": [Check(row) for row in rows]}
