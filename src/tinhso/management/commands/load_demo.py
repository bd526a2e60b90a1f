from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from tinhso.accounts.models import User
from tinhso.agencies.models import Agency
from tinhso.demo import load_demo, load_other_apps
from tinhso.integrations import demo as load_platform_demo
from tinhso.reports import demo_history as load_feedback_history
from tinhso.sensors.demo import load as load_salinity_history


class Command(BaseCommand):
    help = "Nạp dữ liệu tỉnh demo (đơn vị hành chính, cơ quan, tài khoản demo, danh mục thủ tục). Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--with-history",
            action="store_true",
            help="also 20,000 synthetic dossiers (GEN-…, two years) and a synthetic salinity season, "
            "so the operations centre, the open data and the salinity pages have figures",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("load_units", stdout=self.stdout)
        load_demo()
        call_command("load_catalogue", stdout=self.stdout, stderr=self.stderr)
        load_other_apps()
        if options["with_history"]:
            call_command("generate", dossiers=20_000, years=2, if_empty=True, stdout=self.stdout)
            load_platform_demo.load()  # 4.4 and 4.5a/b inputs on the month's synthetic dossiers
            load_feedback_history.load()  # 5.2 and 5.3 inputs: the month's handled petitions
            load_salinity_history()
            call_command("publish_statistics", stdout=self.stdout)
        self.stdout.write(
            f"Tỉnh demo: {Agency.objects.count()} cơ quan, {User.objects.count()} tài khoản "
            "(mật khẩu: tinhso-demo)."
        )
