"""``tinhso load_calendar``: enter the official notices on days off (``calendars.official``)."""

from typing import Any

from django.core.management.base import BaseCommand

from tinhso.calendars import official


class Command(BaseCommand):
    help = "Nhập các thông báo chính thức về ngày nghỉ lễ, Tết, hoán đổi ngày làm việc từ 2024."

    def handle(self, *args: Any, **options: Any) -> None:
        written = official.load()
        self.stdout.write(f"{written} calendar overrides entered or updated.")
