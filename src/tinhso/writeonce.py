"""Rows written once and never changed: history, payment events, issued slips and receipts (R-FORM-2)."""

from typing import Any

from django.db import models


class WriteOnceModel(models.Model):
    """A model whose instances can be inserted but never updated or deleted through the ORM instance.

    Bulk queryset updates stay possible for the few documented cases (none in the domain code); the
    audit trail of issue 5 will add database-level protection on PostgreSQL.
    """

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError(
                f"{type(self).__name__} rows are immutable: written once, never changed"
            )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError(f"{type(self).__name__} rows are immutable: written once, never deleted")
