"""The programme tables for Excel/PDF export (built on ``tinhso.ioc.exports``)."""

import datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tinhso.indicators.models import IndicatorAlert, Sector, SectorUpload
from tinhso.indicators.selectors import TargetProgress
from tinhso.ioc.exports import Column, Table

STATUS = {
    "no_data": gettext_noop("chưa có số liệu"),
    "achieved": gettext_noop("đã đạt"),
    "behind": gettext_noop("chậm so với lộ trình"),
    "on_track": gettext_noop("đúng lộ trình"),
}


def targets_table(rows: list[TargetProgress], today: datetime.date) -> Table:
    columns = [
        Column(_("Chỉ tiêu")),
        Column(_("Đơn vị tính")),
        Column(_("Giá trị gốc"), "decimal"),
        Column(_("Năm gốc")),
        Column(_("Chỉ tiêu 2025")),
        Column(_("Chỉ tiêu 2030")),
        Column(_("Thực hiện"), "decimal"),
        Column(_("Đến ngày"), "date"),
        Column(_("Cách lấy số liệu")),
        Column(_("Tiến độ so với chỉ tiêu (%)"), "decimal"),
        Column(_("Đánh giá")),
        Column(_("Nguồn")),
        Column(_("Chưa xác nhận")),
    ]
    data = []
    for row in rows:
        t = row.target
        data.append(
            [
                t.title,
                t.measure,
                t.baseline_value,
                t.baseline_year,
                t.target_text or t.target_2025,
                t.target_2030,
                row.actual.value if row.actual else None,
                row.actual.as_of if row.actual else None,
                _("tự tính") if t.computed else _("sở, ngành nhập"),
                row.progress,
                _(STATUS[row.status]),
                "; ".join(filter(None, [t.target_source, t.baseline_source])),
                t.unconfirmed,
            ]
        )
    return Table(
        _("Theo dõi chỉ tiêu Đề án chuyển đổi số"),
        columns,
        data,
        _("Số liệu đến %(d)s") % {"d": f"{today:%d/%m/%Y}"},
    )


def tasks_table(tasks: Any, today: datetime.date) -> Table:
    columns = [
        Column(_("Nhiệm vụ")),
        Column(_("Cơ quan chủ trì")),
        Column(_("Thời hạn"), "date"),
        Column(_("Trạng thái")),
        Column(_("Tiến độ (%)"), "int"),
        Column(_("Quá hạn")),
    ]
    data = [
        [
            t.title,
            t.agency.name,
            t.deadline,
            t.get_status_display(),
            t.progress,
            _("quá hạn") if t.is_late(today) else "",
        ]
        for t in tasks
    ]
    return Table(_("Chương trình hành động"), columns, data)


def alerts_table(alerts: list[IndicatorAlert]) -> Table:
    columns = [Column(_("Loại")), Column(_("Nội dung")), Column(_("Phát sinh lúc"), "date")]
    data = [[a.rule.get_kind_display(), a.message, a.raised_at] for a in alerts]
    return Table(_("Cảnh báo đang mở"), columns, data)


def sector_table(sector: str, upload: SectorUpload | None, rows: list[dict[str, Any]]) -> Table:
    columns = [
        Column(_("Chỉ tiêu")),
        Column(_("Kỳ")),
        Column(_("Đơn vị hành chính")),
        Column(_("Giá trị"), "decimal"),
        Column(_("Đơn vị tính")),
        Column(_("Nguồn")),
    ]
    data = [
        [
            r["name"],
            r["period"],
            r["unit"],
            r["value"],
            r["measure"],
            _("dữ liệu minh họa (demo)") if r["is_demo"] else r["source"],
        ]
        for r in rows
    ]
    subtitle = (
        _("Phiên bản %(v)s, tải lên %(at)s")
        % {"v": upload.version, "at": f"{upload.uploaded_at:%d/%m/%Y}"}
        if upload
        else _("Chưa có tệp số liệu")
    )
    return Table(_("Số liệu ngành %(s)s") % {"s": Sector(sector).label}, columns, data, subtitle)
