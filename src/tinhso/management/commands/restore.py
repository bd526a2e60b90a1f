"""``tinhso restore DIR`` — restore a ``tinhso backup`` onto an empty installation (docs/operations.md)."""

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tinhso.management.backup_archive import BackupError, restore_backup


class Command(BaseCommand):
    # An operations command: a restore must run on an installation whose checks fail (empty).
    requires_system_checks: list[str] = []
    help = (
        "Khôi phục bản sao lưu vào một cài đặt trống (cần TINHSO_BACKUP_PASSPHRASE), "
        "rồi chạy migrate"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="thư mục do `tinhso backup` tạo ra")
        parser.add_argument(
            "--force",
            action="store_true",
            help="ghi đè lên một cài đặt đã có dữ liệu",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["source"])
        try:
            manifest = restore_backup(source, force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(
            f"OK: khôi phục {len(manifest['parts'])} phần ({manifest['engine']}, "
            f"sao lưu lúc {manifest['created_at']}) và đã chạy migrate"
        )
