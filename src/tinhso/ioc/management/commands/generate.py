import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tinhso.dossiers.models import Dossier
from tinhso.ioc.generate import BATCH, GenerateError, generate


class Command(BaseCommand):
    help = (
        "Tạo lịch sử hồ sơ tổng hợp (mã GEN-…) cho demo và đo hiệu năng: "
        "`tinhso generate --dossiers N --years Y`, ghi từng lô; lượt bị ngắt thì chạy lại đúng "
        "lệnh đó với --resume. Không chạy với cấu hình production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dossiers", type=int, default=10_000)
        parser.add_argument("--years", type=int, default=3)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--batch-size", type=int, default=BATCH, help="dossiers per committed batch"
        )
        parser.add_argument(
            "--resume",
            action="store_true",
            help="continue the last (interrupted) run from its first missing batch; "
            "give the same --dossiers, --years, --seed and --batch-size",
        )
        parser.add_argument(
            "--stop-after-batches",
            type=int,
            default=None,
            help="stop after this many batches, as an interruption would (for testing --resume)",
        )
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
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be positive.")
        if options["if_empty"] and Dossier.objects.filter(code__startswith="GEN-").exists():
            self.stdout.write("Đã có hồ sơ tổng hợp: không tạo thêm.")
            return
        started = time.perf_counter()

        def progress(batch: int, batches: int, total: int) -> None:
            if options["verbosity"] >= 2 or batches > 1:
                self.stdout.write(
                    f"Lô {batch}/{batches}: {total} hồ sơ ({time.perf_counter() - started:.1f} s)."
                )

        try:
            count = generate(
                dossiers=options["dossiers"],
                years=options["years"],
                seed=options["seed"],
                resume=options["resume"],
                batch_size=options["batch_size"],
                stop_after_batches=options["stop_after_batches"],
                progress=progress if options["verbosity"] >= 1 else None,
            )
        except GenerateError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Đã tạo {count} hồ sơ tổng hợp trong {time.perf_counter() - started:.1f} s."
        )
