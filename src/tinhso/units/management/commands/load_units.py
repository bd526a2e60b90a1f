"""``tinhso load_units``: load the administrative-unit reference data (idempotent)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from tinhso.units.services import SUCCESSORS_FILE, UNITS_FILE, UnitDataError, load_units


class Command(BaseCommand):
    # Plain strings: argparse cannot format lazy translations.
    help = (
        "Nạp danh mục đơn vị hành chính (Bến Tre trước và sau ngày 01/07/2025); "
        "chạy lại không tạo trùng."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--units",
            type=Path,
            default=UNITS_FILE,
            help="Tệp CSV đơn vị (mặc định: dữ liệu kèm theo)",
        )
        parser.add_argument(
            "--successors",
            type=Path,
            default=SUCCESSORS_FILE,
            help="Tệp CSV liên kết kế thừa (mặc định: dữ liệu kèm theo)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = load_units(units_path=options["units"], successors_path=options["successors"])
        except (UnitDataError, OSError) as exc:
            raise CommandError(_("Dữ liệu đơn vị hành chính không hợp lệ: %s") % exc) from exc
        self.stdout.write(
            _(
                "Đơn vị hành chính: tạo mới %(created)d, cập nhật %(updated)d, "
                "giữ nguyên %(unchanged)d. Liên kết kế thừa: thêm %(added)d, gỡ %(removed)d."
            )
            % {
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "added": report.links_added,
                "removed": report.links_removed,
            }
        )
