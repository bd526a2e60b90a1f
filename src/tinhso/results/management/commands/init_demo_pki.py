from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tinhso.results import pki


class Command(BaseCommand):
    help = (
        "Tạo CA gốc demo và chứng thư số ký kết quả cho từng cơ quan (trong TINHSO_PKI_DIR). "
        "Idempotent: chỉ cấp chứng thư còn thiếu, đã đổi tên cơ quan hoặc sắp hết hạn."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = pki.init_demo_pki()
        except pki.PkiError as exc:
            raise CommandError(str(exc)) from exc
        root = pki.root_credentials().cert_path
        state = "đã tạo" if report.root_created else "đã có"
        self.stdout.write(f"CA gốc demo ({state}): {root}")
        self.stdout.write(
            f"Chứng thư cơ quan: cấp mới {len(report.issued)}, giữ nguyên {len(report.kept)}."
        )
        self.stdout.write(
            "Để trình đọc PDF (Adobe, Foxit, pdfsig) tin chữ ký demo, nhập CA gốc ở trên vào "
            "kho chứng thư tin cậy của trình đọc."
        )
