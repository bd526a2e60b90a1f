from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tinhso.dossiers import events


class Command(BaseCommand):
    help = (
        "Sự kiện hồ sơ (ADR 0009): xem mỗi bên nhận còn bao nhiêu sự kiện chưa xử lý; "
        "--dispatch gửi ngay các sự kiện đang chờ, --retry thử lại cả bên nhận đang lỗi."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dispatch", action="store_true", help="Gửi các sự kiện đang chờ.")
        parser.add_argument(
            "--retry",
            action="store_true",
            help="Cùng --dispatch: thử lại ngay bên nhận đang lỗi, không chờ hết thời gian chờ.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["dispatch"] or options["retry"]:
            handled = events.dispatch(retry_now=options["retry"])
            for name, count in sorted(handled.items()):
                self.stdout.write(f"{name}: đã xử lý {count} sự kiện.")
        for name, pending, cursor in events.lag():
            line = f"{name}: còn {pending} sự kiện"
            if cursor is not None and cursor.failing_event is not None:
                line += (
                    f"; lỗi ở sự kiện #{cursor.failing_event} ({cursor.attempts} lần): "
                    f"{cursor.last_error}"
                )
            if cursor is not None and cursor.skipped:
                line += (
                    f"; đã bỏ qua {cursor.skipped} sự kiện, gần nhất #{cursor.last_skipped_event}: "
                    f"{cursor.last_skipped_error}"
                )
            self.stdout.write(line + ".")
