"""``tinhso audit verify|anchor|export|alerts`` — operating the audit log (docs/audit.md)."""

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_datetime

from tinhso.audit.alerts import evaluate_rules
from tinhso.audit.export import export_lines, record_export
from tinhso.audit.tasks import anchor_audit_log
from tinhso.audit.verify import check_and_record


class Command(BaseCommand):
    # An operations command: verify must run even where a system check complains.
    requires_system_checks: list[str] = []
    help = "Nhật ký kiểm toán: verify (kiểm tra chuỗi băm), anchor (ký mốc), export (JSONL), alerts"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify", help="exit 0 when intact, 1 naming the first bad entry per stream")
        anchor = sub.add_parser(
            "anchor",
            help="check each stream since the last anchor, then sign its head and store it apart",
        )
        anchor.add_argument(
            "--full", action="store_true", help="check the whole log first, as verify does"
        )
        export = sub.add_parser("export", help="JSON lines for a SIEM, to stdout")
        export.add_argument("--since", help="ISO date-time, inclusive")
        export.add_argument("--until", help="ISO date-time, exclusive")
        export.add_argument("--after-id", type=int, default=0, help="resume after this entry id")
        sub.add_parser("alerts", help="evaluate the alert rules and notify security staff")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"do_{options['subcommand']}")(options)

    def do_verify(self, options: dict[str, Any]) -> None:
        report = check_and_record()
        summary = f"{report.entries} entries in {report.streams} streams, {report.anchors} anchors checked"
        if report.ok:
            self.stdout.write(f"OK: audit log intact — {summary}")
            return
        for problem in report.problems:
            self.stderr.write(str(problem))
        raise CommandError(f"audit log NOT intact: {len(report.problems)} problem(s); {summary}")

    def do_anchor(self, options: dict[str, Any]) -> None:
        result = anchor_audit_log(full=options["full"])
        scope = f"since anchor {result['since']}" if result["since"] else "whole log"
        if result["anchor_id"] is None:
            for problem in result["problems"]:
                self.stderr.write(problem)
            raise CommandError(
                f"not anchored: the audit log failed verification ({scope}, "
                f"{result['verified']} entries checked)"
            )
        self.stdout.write(
            f"anchor #{result['anchor_id']}: {result['streams']} streams signed after checking "
            f"{result['verified']} entries ({scope}) (key {result['key_fingerprint'][:16]}…)"
        )

    def do_export(self, options: dict[str, Any]) -> None:
        since = parse_datetime(options["since"]) if options["since"] else None
        until = parse_datetime(options["until"]) if options["until"] else None
        if (options["since"] and since is None) or (options["until"] and until is None):
            raise CommandError("--since/--until must be ISO date-times with a time zone")
        record_export(
            actor=None,
            request=None,
            filters={"since": options["since"], "until": options["until"], "channel": "cli"},
        )
        for line in export_lines(since=since, until=until, after_id=options["after_id"]):
            sys.stdout.write(line)

    def do_alerts(self, options: dict[str, Any]) -> None:
        raised = evaluate_rules()
        self.stdout.write(f"{len(raised)} new alert(s)")
