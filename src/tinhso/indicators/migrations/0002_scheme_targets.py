"""Load the scheme's targets and the four sector panels (facts with sources, no demo data).

The targets are frozen here as they stood when this migration was written (taken from
``indicators/data/scheme_targets.json`` with each source key replaced by its address): a migration
never imports live code. ``tinhso.indicators.scheme.load_targets`` refreshes them from the data
file later (the demo loader calls it); it updates the same fields and never touches entered values.
"""

from django.db import migrations

SECTORS = ("health", "education", "tourism", "agriculture")
TARGETS = [
    {
        "code": "dvctt-toan-trinh",
        "title": "Dịch vụ công trực tuyến mức độ 4 (toàn trình), cung cấp trên nhiều phương tiện kể cả "
        "thiết bị di động",
        "measure": "%",
        "direction": "higher",
        "baseline_value": "55.37",
        "baseline_year": 2024,
        "baseline_note": "1.036 thủ tục toàn trình trên 1.871 thủ tục (1/1–14/11/2024)",
        "baseline_source": "BDK24: "
        "https://amp.baodongkhoi.vn/ket-qua-thuc-hien-nhiem-vu-chuyen-doi-so-nam-2024-06122024-a139329.html",
        "target_2025": "100",
        "target_2030": None,
        "target_text": "100%",
        "target_source": "VNN: "
        "https://vietnamnet.vn/ben-tre-tich-cuc-chuyen-doi-so-vi-loi-ich-thiet-thuc-cua-nguoi-dan-doanh-nghiep-2077714.html; "
        "https://vietnamnet.vn/ben-tre-day-manh-chuyen-doi-so-dedam-bao-an-sinh-phuc-loi-xa-hoi-705377.html",
        "unconfirmed": "",
        "computed": "full_online_share",
        "position": 1,
    },
    {
        "code": "ho-so-truc-tuyen",
        "title": "Tỷ lệ hồ sơ nộp trực tuyến (chỉ tiêu theo dõi, Đề án không đặt chỉ tiêu riêng)",
        "measure": "%",
        "direction": "higher",
        "baseline_value": "76",
        "baseline_year": 2024,
        "baseline_note": "174.411 trên 229.704 hồ sơ điện tử (1/1–14/11/2024)",
        "baseline_source": "BDK24: "
        "https://amp.baodongkhoi.vn/ket-qua-thuc-hien-nhiem-vu-chuyen-doi-so-nam-2024-06122024-a139329.html",
        "target_2025": None,
        "target_2030": None,
        "target_text": "",
        "target_source": "",
        "unconfirmed": "",
        "computed": "online_dossier_share",
        "position": 2,
    },
    {
        "code": "van-ban-cap-tinh",
        "title": "Hồ sơ công việc được xử lý trên môi trường mạng (trừ hồ sơ mật) — cấp tỉnh",
        "measure": "%",
        "direction": "higher",
        "baseline_value": None,
        "baseline_year": None,
        "baseline_note": "",
        "baseline_source": "",
        "target_2025": "90",
        "target_2030": None,
        "target_text": "90%",
        "target_source": "VNN: "
        "https://vietnamnet.vn/ben-tre-tich-cuc-chuyen-doi-so-vi-loi-ich-thiet-thuc-cua-nguoi-dan-doanh-nghiep-2077714.html; "
        "https://vietnamnet.vn/ben-tre-day-manh-chuyen-doi-so-dedam-bao-an-sinh-phuc-loi-xa-hoi-705377.html",
        "unconfirmed": "",
        "computed": "",
        "position": 3,
    },
    {
        "code": "van-ban-cap-huyen",
        "title": "Hồ sơ công việc được xử lý trên môi trường mạng (trừ hồ sơ mật) — cấp huyện",
        "measure": "%",
        "direction": "higher",
        "baseline_value": None,
        "baseline_year": None,
        "baseline_note": "",
        "baseline_source": "",
        "target_2025": "80",
        "target_2030": None,
        "target_text": "80% (cấp huyện đã bỏ từ 1/7/2025)",
        "target_source": "VNN: "
        "https://vietnamnet.vn/ben-tre-tich-cuc-chuyen-doi-so-vi-loi-ich-thiet-thuc-cua-nguoi-dan-doanh-nghiep-2077714.html; "
        "https://vietnamnet.vn/ben-tre-day-manh-chuyen-doi-so-dedam-bao-an-sinh-phuc-loi-xa-hoi-705377.html",
        "unconfirmed": "",
        "computed": "",
        "position": 4,
    },
    {
        "code": "van-ban-cap-xa",
        "title": "Hồ sơ công việc được xử lý trên môi trường mạng (trừ hồ sơ mật) — cấp xã",
        "measure": "%",
        "direction": "higher",
        "baseline_value": None,
        "baseline_year": None,
        "baseline_note": "",
        "baseline_source": "",
        "target_2025": "60",
        "target_2030": None,
        "target_text": "60%",
        "target_source": "VNN: "
        "https://vietnamnet.vn/ben-tre-tich-cuc-chuyen-doi-so-vi-loi-ich-thiet-thuc-cua-nguoi-dan-doanh-nghiep-2077714.html; "
        "https://vietnamnet.vn/ben-tre-day-manh-chuyen-doi-so-dedam-bao-an-sinh-phuc-loi-xa-hoi-705377.html",
        "unconfirmed": "",
        "computed": "",
        "position": 5,
    },
    {
        "code": "che-do-bao-cao",
        "title": "Chế độ báo cáo được kết nối với hệ thống báo cáo của tỉnh",
        "measure": "%",
        "direction": "higher",
        "baseline_value": None,
        "baseline_year": None,
        "baseline_note": "",
        "baseline_source": "",
        "target_2025": "100",
        "target_2030": None,
        "target_text": "100%",
        "target_source": "VNN: "
        "https://vietnamnet.vn/ben-tre-tich-cuc-chuyen-doi-so-vi-loi-ich-thiet-thuc-cua-nguoi-dan-doanh-nghiep-2077714.html; "
        "https://vietnamnet.vn/ben-tre-day-manh-chuyen-doi-so-dedam-bao-an-sinh-phuc-loi-xa-hoi-705377.html",
        "unconfirmed": "",
        "computed": "",
        "position": 6,
    },
    {
        "code": "kinh-te-so-grdp",
        "title": "Tỷ trọng kinh tế số trong GRDP",
        "measure": "%",
        "direction": "higher",
        "baseline_value": None,
        "baseline_year": None,
        "baseline_note": "",
        "baseline_source": "",
        "target_2025": "10",
        "target_2030": None,
        "target_text": "≥ 10%",
        "target_source": "VNN: "
        "https://vietnamnet.vn/ben-tre-tich-cuc-chuyen-doi-so-vi-loi-ich-thiet-thuc-cua-nguoi-dan-doanh-nghiep-2077714.html; "
        "https://vietnamnet.vn/ben-tre-day-manh-chuyen-doi-so-dedam-bao-an-sinh-phuc-loi-xa-hoi-705377.html",
        "unconfirmed": "Giá trị gốc của tỉnh chưa tìm thấy; cả nước khoảng 14,26% GDP năm 2022 "
        "(vietnamhoinhap.vn).",
        "computed": "",
        "position": 7,
    },
    {
        "code": "kinh-te-so-nganh",
        "title": "Tỷ trọng kinh tế số trong mỗi ngành, lĩnh vực (thấp nhất)",
        "measure": "%",
        "direction": "higher",
        "baseline_value": None,
        "baseline_year": None,
        "baseline_note": "",
        "baseline_source": "",
        "target_2025": "5",
        "target_2030": None,
        "target_text": "≥ 5% mỗi ngành",
        "target_source": "VNN: "
        "https://vietnamnet.vn/ben-tre-tich-cuc-chuyen-doi-so-vi-loi-ich-thiet-thuc-cua-nguoi-dan-doanh-nghiep-2077714.html; "
        "https://vietnamnet.vn/ben-tre-day-manh-chuyen-doi-so-dedam-bao-an-sinh-phuc-loi-xa-hoi-705377.html",
        "unconfirmed": "",
        "computed": "",
        "position": 8,
    },
    {
        "code": "nang-suat-lao-dong",
        "title": "Tăng năng suất lao động bình quân",
        "measure": "%/năm",
        "direction": "higher",
        "baseline_value": None,
        "baseline_year": None,
        "baseline_note": "",
        "baseline_source": "",
        "target_2025": "5",
        "target_2030": None,
        "target_text": "≥ 5%/năm",
        "target_source": "VNN: "
        "https://vietnamnet.vn/ben-tre-tich-cuc-chuyen-doi-so-vi-loi-ich-thiet-thuc-cua-nguoi-dan-doanh-nghiep-2077714.html; "
        "https://vietnamnet.vn/ben-tre-day-manh-chuyen-doi-so-dedam-bao-an-sinh-phuc-loi-xa-hoi-705377.html",
        "unconfirmed": "",
        "computed": "",
        "position": 9,
    },
    {
        "code": "xep-hang-ict",
        "title": "Xếp hạng chuyển đổi số (ICT/DTI) của tỉnh",
        "measure": "hạng",
        "direction": "lower",
        "baseline_value": "31",
        "baseline_year": 2021,
        "baseline_note": "DTI 2021: hạng 31/63 (chính quyền số 28, kinh tế số 26, xã hội số 53)",
        "baseline_source": "BDK21: "
        "https://baodongkhoi.vn/ben-tre-xep-thu-31-63-tinh-thanh-ve-muc-do-chuyen-doi-so-08082022-a103809.html",
        "target_2025": "30",
        "target_2030": None,
        "target_text": "Trong nhóm 30 tỉnh dẫn đầu",
        "target_source": "VNN: "
        "https://vietnamnet.vn/ben-tre-tich-cuc-chuyen-doi-so-vi-loi-ich-thiet-thuc-cua-nguoi-dan-doanh-nghiep-2077714.html; "
        "https://vietnamnet.vn/ben-tre-day-manh-chuyen-doi-so-dedam-bao-an-sinh-phuc-loi-xa-hoi-705377.html",
        "unconfirmed": "",
        "computed": "",
        "position": 10,
    },
    {
        "code": "cap-quang-ho-gia-dinh",
        "title": "Hộ gia đình có cáp quang băng rộng",
        "measure": "%",
        "direction": "higher",
        "baseline_value": None,
        "baseline_year": None,
        "baseline_note": "",
        "baseline_source": "",
        "target_2025": "80",
        "target_2030": None,
        "target_text": "> 80% hộ gia đình",
        "target_source": "VNN: "
        "https://vietnamnet.vn/ben-tre-tich-cuc-chuyen-doi-so-vi-loi-ich-thiet-thuc-cua-nguoi-dan-doanh-nghiep-2077714.html; "
        "https://vietnamnet.vn/ben-tre-day-manh-chuyen-doi-so-dedam-bao-an-sinh-phuc-loi-xa-hoi-705377.html",
        "unconfirmed": "",
        "computed": "",
        "position": 11,
    },
    {
        "code": "cap-quang-xa",
        "title": "Xã có cáp quang băng rộng",
        "measure": "%",
        "direction": "higher",
        "baseline_value": None,
        "baseline_year": None,
        "baseline_note": "",
        "baseline_source": "",
        "target_2025": "100",
        "target_2030": None,
        "target_text": "100% xã",
        "target_source": "VNN: "
        "https://vietnamnet.vn/ben-tre-tich-cuc-chuyen-doi-so-vi-loi-ich-thiet-thuc-cua-nguoi-dan-doanh-nghiep-2077714.html; "
        "https://vietnamnet.vn/ben-tre-day-manh-chuyen-doi-so-dedam-bao-an-sinh-phuc-loi-xa-hoi-705377.html",
        "unconfirmed": "",
        "computed": "",
        "position": 12,
    },
    {
        "code": "phu-song-4g-5g",
        "title": "Phổ cập mạng di động 4G/5G",
        "measure": "%",
        "direction": "higher",
        "baseline_value": None,
        "baseline_year": None,
        "baseline_note": "",
        "baseline_source": "",
        "target_2025": "100",
        "target_2030": None,
        "target_text": "Phổ cập 4G/5G",
        "target_source": "VNN: "
        "https://vietnamnet.vn/ben-tre-tich-cuc-chuyen-doi-so-vi-loi-ich-thiet-thuc-cua-nguoi-dan-doanh-nghiep-2077714.html; "
        "https://vietnamnet.vn/ben-tre-day-manh-chuyen-doi-so-dedam-bao-an-sinh-phuc-loi-xa-hoi-705377.html",
        "unconfirmed": "Đề án ghi “phổ cập”; quy đổi thành 100% là cách hiểu của nền tảng.",
        "computed": "",
        "position": 13,
    },
    {
        "code": "dien-thoai-thong-minh",
        "title": "Phổ cập điện thoại thông minh",
        "measure": "%",
        "direction": "higher",
        "baseline_value": None,
        "baseline_year": None,
        "baseline_note": "",
        "baseline_source": "",
        "target_2025": "100",
        "target_2030": None,
        "target_text": "Phổ cập điện thoại thông minh",
        "target_source": "VNN: "
        "https://vietnamnet.vn/ben-tre-tich-cuc-chuyen-doi-so-vi-loi-ich-thiet-thuc-cua-nguoi-dan-doanh-nghiep-2077714.html; "
        "https://vietnamnet.vn/ben-tre-day-manh-chuyen-doi-so-dedam-bao-an-sinh-phuc-loi-xa-hoi-705377.html",
        "unconfirmed": "Đề án ghi “phổ cập”; quy đổi thành 100% là cách hiểu của nền tảng.",
        "computed": "",
        "position": 14,
    },
    {
        "code": "tai-khoan-thanh-toan",
        "title": "Dân số có tài khoản thanh toán điện tử",
        "measure": "%",
        "direction": "higher",
        "baseline_value": None,
        "baseline_year": None,
        "baseline_note": "",
        "baseline_source": "",
        "target_2025": "50",
        "target_2030": None,
        "target_text": "> 50% dân số",
        "target_source": "VNN: "
        "https://vietnamnet.vn/ben-tre-tich-cuc-chuyen-doi-so-vi-loi-ich-thiet-thuc-cua-nguoi-dan-doanh-nghiep-2077714.html; "
        "https://vietnamnet.vn/ben-tre-day-manh-chuyen-doi-so-dedam-bao-an-sinh-phuc-loi-xa-hoi-705377.html",
        "unconfirmed": "",
        "computed": "",
        "position": 15,
    },
    {
        "code": "du-lieu-quan-ly",
        "title": "Dữ liệu quản lý của cơ quan nhà nước (tỉnh đến xã) được số hóa, chia sẻ",
        "measure": "%",
        "direction": "higher",
        "baseline_value": None,
        "baseline_year": None,
        "baseline_note": "",
        "baseline_source": "",
        "target_2025": "60",
        "target_2030": None,
        "target_text": "60%",
        "target_source": "VNN: "
        "https://vietnamnet.vn/ben-tre-tich-cuc-chuyen-doi-so-vi-loi-ich-thiet-thuc-cua-nguoi-dan-doanh-nghiep-2077714.html; "
        "https://vietnamnet.vn/ben-tre-day-manh-chuyen-doi-so-dedam-bao-an-sinh-phuc-loi-xa-hoi-705377.html",
        "unconfirmed": "Phần còn lại của chỉ tiêu trong nguồn không khôi phục được.",
        "computed": "",
        "position": 16,
    },
]


def load(apps, schema_editor):
    SchemeTarget = apps.get_model("indicators", "SchemeTarget")
    SectorPanel = apps.get_model("indicators", "SectorPanel")
    for row in TARGETS:
        values = dict(row)
        SchemeTarget.objects.update_or_create(code=values.pop("code"), defaults=values)
    for sector in SECTORS:
        SectorPanel.objects.get_or_create(sector=sector)


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
