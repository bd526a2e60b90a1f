from typing import Any

from django.core.management.base import BaseCommand

from tinhso.dossiers.deadlines import scan_deadlines


class Command(BaseCommand):
    help = "Tìm hồ sơ sắp đến hạn và quá hạn, báo cho cán bộ chịu trách nhiệm (chạy định kỳ)."

    def handle(self, *args: Any, **options: Any) -> None:
        report = scan_deadlines()
        self.stdout.write(
            f"Sắp đến hạn: {report.due_soon}; quá hạn: {report.overdue}; "
            f"cảnh báo mới: {report.alerted} hồ sơ."
        )
