"""The indicators each sector panel accepts (code used in the uploaded files, name, unit)."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tinhso.indicators.models import Sector


@dataclass(frozen=True)
class SectorIndicator:
    code: str
    name: str | Promise
    measure: str | Promise


INDICATORS: dict[str, tuple[SectorIndicator, ...]] = {
    Sector.HEALTH: (
        SectorIndicator("giuong_benh", _("Giường bệnh"), _("giường")),
        SectorIndicator("tram_y_te_xa", _("Trạm y tế xã có bác sĩ"), _("trạm")),
        SectorIndicator("ty_le_bhyt", _("Tỷ lệ dân số tham gia bảo hiểm y tế"), "%"),
        SectorIndicator("ho_so_suc_khoe_dt", _("Người dân có hồ sơ sức khỏe điện tử"), "%"),
    ),
    Sector.EDUCATION: (
        SectorIndicator("truong_hoc", _("Trường phổ thông"), _("trường")),
        SectorIndicator("hoc_sinh", _("Học sinh phổ thông"), _("học sinh")),
        SectorIndicator("giao_vien", _("Giáo viên phổ thông"), _("người")),
        SectorIndicator("hoc_ba_so", _("Học sinh có học bạ số"), "%"),
    ),
    Sector.TOURISM: (
        SectorIndicator("khach_du_lich", _("Lượt khách du lịch"), _("lượt")),
        SectorIndicator("khach_quoc_te", _("Lượt khách quốc tế"), _("lượt")),
        SectorIndicator("doanh_thu", _("Tổng thu từ du lịch"), _("tỷ đồng")),
    ),
    Sector.AGRICULTURE: (
        SectorIndicator("dien_tich_dua", _("Diện tích dừa thu hoạch"), "ha"),
        SectorIndicator("san_luong_dua", _("Sản lượng dừa"), _("tấn")),
        SectorIndicator("dua_huu_co", _("Diện tích dừa được chứng nhận hữu cơ"), "ha"),
        SectorIndicator("dien_tich_lua", _("Diện tích lúa"), "ha"),
    ),
}


def indicator(sector: str, code: str) -> SectorIndicator | None:
    return next((i for i in INDICATORS.get(sector, ()) if i.code == code), None)
