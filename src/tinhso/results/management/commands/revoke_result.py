from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tinhso.accounts.models import User
from tinhso.results import services
from tinhso.results.models import ResultDocument


class Command(BaseCommand):
    help = "Thu hồi một kết quả điện tử đã ký (tệp và sổ đăng ký được giữ nguyên)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("number", help="Số, ký hiệu, ví dụ 12/2025/STP-KQ")
        parser.add_argument("--reason", required=True, help="Lý do thu hồi")
        parser.add_argument(
            "--user", required=True, help="Tài khoản lãnh đạo cơ quan cấp (hoặc quản trị)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = ResultDocument.objects.filter(number=options["number"]).first()
        if result is None:
            raise CommandError(f"Không có kết quả số {options['number']}")
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"Không có tài khoản {options['user']}")
        try:
            services.revoke_result(user=user, result=result, reason=options["reason"])
        except services.ResultError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Đã thu hồi kết quả {result.number}.")
