import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tinhso.dossiers.models import Dossier
from tinhso.ioc.generate import generate


class Command(BaseCommand):
    help = (
        "Tạo lịch sử hồ sơ tổng hợp (mã GEN-…) cho demo và đo hiệu năng: "
        "`tinhso generate --dossiers N --years Y`. Không chạy với cấu hình production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dossiers", type=int, default=10_000)
        parser.add_argument("--years", type=int, default=3)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--force", action="store_true", help="run even with production settings"
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when synthetic dossiers already exist (make run uses this)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "Synthetic dossiers are never generated with production settings "
                "(TINHSO_DEBUG=false) unless --force is given."
            )
        if options["dossiers"] < 1 or not 1 <= options["years"] <= 20:
            raise CommandError("--dossiers must be positive and --years between 1 and 20.")
        if options["if_empty"] and Dossier.objects.filter(code__startswith="GEN-").exists():
            self.stdout.write("Đã có hồ sơ tổng hợp: không tạo thêm.")
            return
        started = time.perf_counter()
        count = generate(dossiers=options["dossiers"], years=options["years"], seed=options["seed"])
        self.stdout.write(
            f"Đã tạo {count} hồ sơ tổng hợp trong {time.perf_counter() - started:.1f} s."
        )
