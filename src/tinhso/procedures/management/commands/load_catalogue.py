from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tinhso.procedures.loader import CATALOGUE_DIR, CatalogueError, load_catalogue


class Command(BaseCommand):
    help = "Nạp danh mục thủ tục hành chính từ các tệp dữ liệu JSON (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", default=str(CATALOGUE_DIR), help="Thư mục chứa các tệp JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = load_catalogue(Path(options["dir"]))
        except CatalogueError as exc:
            raise CommandError(str(exc)) from exc
        for warning in report.warnings or []:
            self.stderr.write(f"Cảnh báo: {warning}")
        self.stdout.write(
            f"Danh mục thủ tục: {report.created} phiên bản mới, {report.updated} cập nhật, "
            f"{report.frozen} đã khóa (có hồ sơ)."
        )
