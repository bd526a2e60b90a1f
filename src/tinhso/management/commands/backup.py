"""``tinhso backup --output DIR`` — a backup that restores (docs/operations.md)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tinhso.management.backup_archive import BackupError, create_backup, media_location


class Command(BaseCommand):
    # An operations command: a backup must run even where a system check complains.
    requires_system_checks: list[str] = []
    help = "Sao lưu cơ sở dữ liệu, tệp đính kèm, PKI, mốc kiểm toán (cần TINHSO_BACKUP_PASSPHRASE)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output", required=True, help="thư mục mới (hoặc trống) để ghi bản sao lưu"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"])
        try:
            manifest = create_backup(output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"OK: {len(manifest['parts'])} phần ({manifest['engine']}, tệp từ {media_location()}) "
            f"trong {output}"
        )
