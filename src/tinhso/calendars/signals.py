"""Drop the cached calendar as soon as an override changes (see ``worktime.get_calendar``)."""

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from tinhso.calendars.models import CalendarOverride
from tinhso.calendars.worktime import invalidate_calendar_cache


@receiver(post_save, sender=CalendarOverride, dispatch_uid="calendars_override_saved")
@receiver(post_delete, sender=CalendarOverride, dispatch_uid="calendars_override_deleted")
def _override_changed(sender: type[CalendarOverride], **kwargs: Any) -> None:
    invalidate_calendar_cache()
