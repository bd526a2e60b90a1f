from typing import Any

from django.core.management.base import BaseCommand
from django.db.models import Exists, OuterRef, Q

from tinhso.dossiers.models import Dossier, HistoryEntry
from tinhso.results import services


class Command(BaseCommand):
    help = (
        "Ký số kết quả cho các hồ sơ đã phê duyệt hoặc đã có kết quả nhưng chưa có bản điện tử đã ký "
        "(chạy lại sau sự cố; idempotent)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        approved = Exists(HistoryEntry.objects.filter(dossier=OuterRef("pk"), action="approve"))
        pending = (
            Dossier.objects.filter(
                Q(status__in=services.ISSUABLE) | Q(approved, status__in=services.SIGNABLE)
            )
            .exclude(result_document__signed_at__isnull=False)
            .order_by("completed_at", "pk")
            .values_list("pk", flat=True)
        )
        signed = failed = 0
        for dossier_id in list(pending):
            try:
                document = services.issue_result(dossier_id=dossier_id)
            except Exception as exc:  # report and go on with the others
                failed += 1
                self.stderr.write(f"Hồ sơ #{dossier_id}: {exc}")
            else:
                signed += 1
                self.stdout.write(f"{document.number}: hồ sơ {document.dossier.code}")
        self.stdout.write(f"Đã ký {signed} kết quả; lỗi {failed}.")
