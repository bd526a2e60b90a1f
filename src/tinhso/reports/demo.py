"""Demo categories and a few reports around the demo wards (idempotent; ``tinhso load_demo``).

The categories, their agencies and limits are illustrative (the statutory limits are
unconfirmed, spec §8.2); the regulation petitions have no agency on purpose, so that the
dispatch queue holds something. The demo reports are made up and filed by the demo citizens.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from tinhso.accounts.demo import ensure_demo_allowed
from tinhso.accounts.models import User
from tinhso.agencies.models import Agency
from tinhso.reports import services
from tinhso.reports.models import Category, Report


@dataclass(frozen=True)
class DemoCategory:
    code: str
    name: str
    group: str
    located: bool
    agency: str  # agency slug; "" = dispatch queue
    per_unit: bool
    keywords: str
    handle_days: int = 10


CATEGORIES = [
    DemoCategory("duong-hu-hong", "Ổ gà, hư hỏng đường", "Hạ tầng giao thông", True, "sxd", True, "ổ gà, sụt lún, đường hư"),
    DemoCategory("den-chieu-sang", "Đèn chiếu sáng công cộng", "Hạ tầng đô thị", True, "sxd", True, "đèn đường, tắt đèn, chập điện"),
    DemoCategory("ngap-ung", "Ngập úng", "Môi trường, thiên tai", True, "snnmt", True, "ngập, triều cường, cống"),
    DemoCategory("xam-nhap-man", "Xâm nhập mặn", "Môi trường, thiên tai", True, "snnmt", False, "mặn, độ mặn, nước sinh hoạt"),
    DemoCategory("rac-thai", "Rác thải, vệ sinh môi trường", "Môi trường, thiên tai", True, "snnmt", True, "rác, xả thải, mùi hôi"),
    DemoCategory("cay-xanh", "Cây xanh gãy đổ", "Hạ tầng đô thị", True, "sxd", True, "cây đổ, nhánh gãy"),
    DemoCategory("trat-tu-xay-dung", "Trật tự xây dựng", "Đô thị, xây dựng", True, "sxd", True, "xây dựng trái phép, lấn chiếm"),
    DemoCategory("an-toan-giao-thong", "An toàn giao thông", "Hạ tầng giao thông", True, "cat", False, "tai nạn, đua xe, biển báo"),
    DemoCategory("thai-do-phuc-vu", "Thái độ phục vụ, giải quyết thủ tục hành chính", "Dịch vụ công", False, "ttpvhcc", False, "thái độ, trễ hẹn, hồ sơ"),
    DemoCategory("quy-dinh-hanh-chinh", "Kiến nghị về quy định hành chính", "Dịch vụ công", False, "", False, "quy định, thủ tục rườm rà"),
]  # fmt: skip

REPORTS = [  # citizen, category, description, lat, lon
    ("citizen1", "ngap-ung", "Đường Đồng Khởi ngập sâu sau mưa, xe máy chết máy.", "10.247400", "106.385500"),
    ("citizen2", "duong-hu-hong", "Ổ gà lớn trước chợ An Hội, nguy hiểm ban đêm.", "10.239300", "106.374300"),
    ("citizen1", "den-chieu-sang", "Đèn đường tắt cả dãy gần trường học.", "10.246800", "106.384200"),
]  # fmt: skip


@transaction.atomic
def load() -> dict[str, int]:
    ensure_demo_allowed()
    agencies = {a.slug: a for a in Agency.objects.all()}
    for order, spec in enumerate(CATEGORIES, start=1):
        Category.objects.update_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "group": spec.group,
                "located": spec.located,
                "agency": agencies.get(spec.agency),
                "per_unit_competence": spec.per_unit,
                "keywords": spec.keywords,
                "handle_days": spec.handle_days,
                "order": order,
            },
        )
    filed = 0
    for username, code, text, lat, lon in REPORTS:
        citizen = User.objects.filter(username=username).first()
        if citizen is None or Report.objects.filter(reporter=citizen, description=text).exists():
            continue
        services.file_report(
            data=services.NewReport(
                category=code, description=text, lat=Decimal(lat), lon=Decimal(lon)
            ),
            reporter=citizen,
        )
        filed += 1
    return {"categories": len(CATEGORIES), "reports": filed}
