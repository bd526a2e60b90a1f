"""``tinhso worker``: the periodic jobs of Celery beat, run by one process beside the development
server (ADR 0016).

``make run`` needs no broker, so Celery runs its tasks in-process there — which would put calls to
outside systems (and their timeouts) into an official's request. Instead, the outbox holds them and
this loop delivers them: every second it looks at ``CELERY_BEAT_SCHEDULE`` (the same list the
production beat reads) and runs each job whose period has elapsed, the outbox's drain among them
(``tinhso.integrations.tasks.drain_outbox``). Production runs the same jobs with Celery beat and
workers on Redis (Procfile); running both at once is safe (leases, idempotent jobs).

Hand-written rather than ``celery worker --beat`` on a file-system broker: that would also make
every other task asynchronous under ``make run`` (slips, notices), a larger change for the demo
than the one this issue needs; the loop runs exactly the beat's jobs and nothing else.
"""

import signal
import time
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils.module_loading import import_string

FIRST_AT_START = frozenset({"drain-outbox"})  # run at once; the others after one period


class Command(BaseCommand):
    help = (
        "Chạy các công việc định kỳ (gửi thông điệp tới hệ thống bên ngoài, quét hạn, …) "
        "bên cạnh máy chủ phát triển."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Run every job that is due once, then stop"
        )
        parser.add_argument(
            "--tick", type=float, default=1.0, help="Seconds between looks at the schedule"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stopping = False
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        schedule: dict[str, float] = {}
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
            period = entry.get("schedule")
            if isinstance(period, (int, float)):
                schedule[name] = float(period)
        start = time.monotonic()
        next_run = {
            name: start if (name in FIRST_AT_START or options["once"]) else start + period
            for name, period in schedule.items()
        }
        self.stdout.write(f"tinhso worker: {len(schedule)} công việc định kỳ.")
        while not self.stopping:
            now = time.monotonic()
            for name, due in sorted(next_run.items(), key=lambda item: item[1]):
                if due > now or self.stopping:
                    continue
                self._run(name)
                next_run[name] = time.monotonic() + schedule[name]
            if options["once"]:
                return
            time.sleep(max(0.05, float(options["tick"])))

    def _run(self, name: str) -> None:
        close_old_connections()
        try:
            # The beat names each task by its dotted path; importing it registers it (a worker
            # process would have auto-discovered the apps' task modules).
            task = import_string(str(settings.CELERY_BEAT_SCHEDULE[name]["task"]))
            result = task.apply().get(propagate=True)
        except Exception as exc:  # report and go on: the job runs again next period
            self.stderr.write(f"{name}: {type(exc).__name__}: {exc}")
            return
        finally:
            close_old_connections()
        if result:
            self.stdout.write(f"{name}: {result}")

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True
