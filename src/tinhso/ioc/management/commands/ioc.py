from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tinhso.ioc import aggregates
from tinhso.ioc.models import DailyStat, DossierFact, OpenStat


class Command(BaseCommand):
    help = "Trung tâm điều hành: `tinhso ioc rebuild` tính lại toàn bộ số liệu tổng hợp từ hồ sơ."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("rebuild", help="Recompute facts and aggregates from the dossier tables")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rebuild":
            aggregates.rebuild()
            self.stdout.write(
                f"{DossierFact.objects.count()} hồ sơ, {DailyStat.objects.count()} dòng số liệu ngày, "
                f"{OpenStat.objects.count()} dòng hồ sơ đang xử lý."
            )
