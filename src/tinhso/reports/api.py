"""``/api/v1/feedback/…``: reports and petitions (issue 18)."""

from ninja import Router

router = Router(tags=["Phản ánh, kiến nghị"])
