"""``tinhso national sync``: deliver what the national portal is owed (the outbox of ``dvcqg``);
``tinhso national pull``: fetch the dossiers filed on the national portal (spec §4.1-2);
``tinhso national catalogue``: import the procedure catalogue from the national TTHC database (§3).

Runs the outbox's ``drain`` until nothing is due or ``--limit`` attempts were made, and prints
what came of them. Items left waiting or dead are the outbox doing its work, not a failure of the
command: it exits non-zero only when it cannot run (the system is not registered).
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tinhso.integrations import outbox

SYSTEM = "dvcqg"


class Command(BaseCommand):
    help = (
        "Liên thông Cổng DVCQG: `sync` gửi các thông điệp đến hạn, `pull` nhận hồ sơ nộp trên "
        "Cổng DVCQG, `catalogue` đồng bộ thủ tục từ CSDL quốc gia về TTHC."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sync = sub.add_parser("sync", help="Deliver the due outbox items of the national portal")
        sync.add_argument(
            "--limit", type=int, default=10_000, help="Stop after this many delivery attempts"
        )

        pull = sub.add_parser("pull", help="Fetch the dossiers filed on the national portal")
        pull.add_argument("--limit", type=int, default=200, help="At most this many dossiers")
        catalogue = sub.add_parser(
            "catalogue", help="Import procedures from the national TTHC database"
        )
        catalogue.add_argument(
            "codes",
            nargs="*",
            help="Only these national procedure codes (default: the unit's list)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "sync":
            self.sync(limit=max(1, options["limit"]))
        elif options["action"] == "pull":
            from tinhso.integrations.national import inbound

            self.stdout.write(inbound.pull(limit=max(1, options["limit"])).summary())
        elif options["action"] == "catalogue":
            from tinhso.integrations.national import catalogue

            self.stdout.write(catalogue.sync(codes=options["codes"] or None).summary())

    def sync(self, *, limit: int) -> None:
        total = outbox.DrainReport()
        while total.attempts < limit:
            batch = min(100, limit - total.attempts)
            try:
                report = outbox.drain(SYSTEM, limit=batch)
            except outbox.UnknownSystem as exc:
                raise CommandError(f"Hệ thống “{exc.args[0]}” chưa được đăng ký.") from exc
            total.sent += report.sent
            total.retried += report.retried
            total.dead += report.dead
            total.superseded += report.superseded
            if report.paused:
                total.paused = report.paused
            if report.attempts < batch:  # nothing more is due
                break
        self.stdout.write(
            f"Đã gửi {total.sent}, chờ gửi lại {total.retried}, gửi lỗi {total.dead}, "
            f"gộp {total.superseded}."
            + (" Hệ thống đang tạm dừng theo yêu cầu (Retry-After)." if total.paused else "")
        )
