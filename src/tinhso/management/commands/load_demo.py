from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from tinhso.demo import load_demo, load_other_apps


class Command(BaseCommand):
    help = "Nạp dữ liệu tỉnh demo (đơn vị hành chính, cơ quan, tài khoản demo, danh mục thủ tục). Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("load_units", stdout=self.stdout)
        result = load_demo()
        call_command("load_catalogue", stdout=self.stdout, stderr=self.stderr)
        load_other_apps()
        self.stdout.write(
            f"Tỉnh demo: {result['agencies']} cơ quan, {result['users']} tài khoản (mật khẩu: tinhso-demo)."
        )
