"""Fixtures for the results tests: one demo PKI per test session, dossiers brought to
"result_ready" through the dossier services, and helpers that read PDFs back with poppler."""

import datetime
import json
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tinhso.dossiers import services as dossier_services
from tinhso.dossiers.models import Channel, Dossier
from tinhso.procedures.loader import CATALOGUE_DIR
from tinhso.results import pki
from tinhso.testing import FORM_DATA, Cast, make_cast, make_version, pdf_upload
from tinhso.uploads import check_upload

TZ = ZoneInfo("Asia/Ho_Chi_Minh")

BIRTH_SCHEMA = {
    "type": "object",
    "properties": {
        "ho_ten_tre": {"type": "string", "title": "Họ, chữ đệm và tên người được khai sinh"},
        "ngay_sinh": {"type": "string", "title": "Ngày, tháng, năm sinh", "format": "date"},
        "gioi_tinh": {"type": "string", "title": "Giới tính", "enum": ["Nam", "Nữ"]},
        "noi_sinh": {"type": "string", "title": "Nơi sinh"},
        "dan_toc": {"type": "string", "title": "Dân tộc"},
        "ho_ten_me": {"type": "string", "title": "Họ, chữ đệm và tên người mẹ"},
        "ho_ten_cha": {"type": "string", "title": "Họ, chữ đệm và tên người cha"},
        "quan_he_nguoi_yeu_cau": {"type": "string", "title": "Quan hệ với trẻ"},
    },
    "required": ["ho_ten_tre", "ngay_sinh", "gioi_tinh", "noi_sinh", "dan_toc", "ho_ten_me"],
}
BIRTH_DATA = {
    "ho_ten_tre": "Nguyễn Thị Lấp Lánh Ánh",
    "ngay_sinh": "2025-05-20",
    "gioi_tinh": "Nữ",
    "noi_sinh": "Bệnh viện Đa khoa tỉnh Vĩnh Long",
    "dan_toc": "Kinh",
    "ho_ten_me": "Trần Thị Bích Ngọc",
    "ho_ten_cha": "Nguyễn Văn An",
    "quan_he_nguoi_yeu_cau": "Cha",
}


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TZ)


@pytest.fixture(scope="session")
def pki_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pki")


@pytest.fixture(autouse=True)
def _demo_pki(settings, pki_root):
    settings.TINHSO_PKI_DIR = pki_root
    settings.TINHSO_SIGNER_DEFAULT = "demo"
    settings.TINHSO_TSA_URL = ""
    settings.TINHSO_TRUST_ROOTS = []
    settings.TINHSO_SITE_URL = "https://dichvucong.example.vn"


@pytest.fixture
def cast(db) -> Cast:
    return make_cast()


@pytest.fixture
def birth_version(cast):
    version = make_version("1.001193", level="commune", agencies=[], days="1")
    version.name = "Đăng ký khai sinh"
    version.form_schema = BIRTH_SCHEMA
    version.result_description = "Giấy khai sinh (bản chính, bản điện tử)"
    version.save()
    return version


def act(user, dossier: Dossier, action: str, **kw) -> Dossier:
    return dossier_services.perform_action(
        user=user, dossier=dossier, request=dossier_services.ActionRequest(action=action, **kw)
    )


LLTP = json.loads((CATALOGUE_DIR / "3_000333.json").read_text(encoding="utf-8"))
FORM = {
    "loai_phieu": "Phiếu số 1",
    "ho_ten": "Nguyễn Văn An",
    "ngay_sinh": "1995-03-14",
    "so_dinh_danh": "083095001234",
    "noi_cu_tru": "12 Đường Đồng Khởi, phường Phú Khương",
    "muc_dich": "Bổ sung hồ sơ xin việc",
    "so_luong_phieu": 1,
    "hinh_thuc_nhan": "Bản điện tử",
}
FIELDS = {
    "loai_phieu": "Phiếu lý lịch tư pháp số 1",
    "tinh_trang_an_tich": "Có án tích",
    "noi_dung_an_tich": "Bản án số 27/2019/HS-ST ngày 12/6/2019 của Tòa án nhân dân tỉnh Vĩnh Long: "
    "tội “Trộm cắp tài sản”, 09 tháng tù; đã chấp hành xong hình phạt ngày 03/3/2020.",
    "so_tra_cuu_csdl": "LLTP-86-2025-004417",
}


@pytest.fixture(autouse=True)
def _no_token_rate_limit(settings):
    """The results tests sign in many times as the same officials; the token endpoint's rate
    limit is tested in accounts, not here."""
    settings.TINHSO_API_RATE_TOKEN = ""
    settings.TINHSO_API_RATE_ANON = ""


@pytest.fixture
def lltp(cast):
    """The criminal-record certificate (3.000333) as the demo catalogue declares it."""
    version = make_version(
        "3.000333", level="province", agencies=[cast.dept], receiving=cast.centre
    )
    version.name = LLTP["name"]
    version.form_schema = LLTP["form_schema"]
    version.result_papers = LLTP["result_papers"]
    version.save()
    return version


def received(cast: Cast, version, data) -> Dossier:
    """Filed online by cast.citizen on 10/6/2025 at 8:00 and received by cast.clerk at 9:00: at
    the specialist's step."""
    with time_machine.travel(at(2025, 6, 10, 8, 0), tick=False):
        dossier, _ = dossier_services.file_dossier(
            user=cast.citizen,
            version=version,
            data=data,
            applicant=dossier_services.Applicant.from_user(cast.citizen),
            files=[dossier_services.NewFile("TK", check_upload(pdf_upload()))],
        )
    with time_machine.travel(at(2025, 6, 10, 9, 0), tick=False):
        return act(cast.clerk, dossier, "receive")


@pytest.fixture
def processing(cast, lltp):
    """A criminal-record certificate request, received: at the specialist's step."""
    return received(cast, lltp, FORM)


def to_result_ready(
    cast: Cast, version=None, data=None, *, day: datetime.date = datetime.date(2025, 6, 10)
) -> Dossier:
    """File online as cast.citizen and walk the four workflow steps to "result_ready"."""
    version = version or cast.commune_procedure
    commune = version.level == "commune"
    clerk = cast.commune_clerk if commune else cast.clerk
    specialist = cast.commune_specialist if commune else cast.specialist
    leader = cast.commune_leader if commune else cast.leader
    moment = datetime.datetime.combine(day, datetime.time(8, 0), tzinfo=TZ)
    with time_machine.travel(moment, tick=False):
        dossier, _ = dossier_services.file_dossier(
            user=cast.citizen,
            version=version,
            data=data or FORM_DATA,
            applicant=dossier_services.Applicant.from_user(cast.citizen),
            files=[dossier_services.NewFile("TK", check_upload(pdf_upload()))],
        )
    for hour, (user, action) in enumerate(
        [
            (clerk, "receive"),
            (specialist, "complete_step"),
            (leader, "approve"),
            (clerk, "issue_result"),
        ],
        start=9,
    ):
        with time_machine.travel(moment.replace(hour=hour), tick=False):
            dossier = act(user, dossier, action)
    assert dossier.status == "result_ready"
    return dossier


def counter_result_ready(cast: Cast) -> Dossier:
    """A dossier entered at the counter for someone without an account (no applicant)."""
    with time_machine.travel(at(2025, 6, 10, 8, 0), tick=False):
        dossier, _ = dossier_services.file_dossier(
            user=cast.commune_clerk,
            version=cast.commune_procedure,
            data=FORM_DATA,
            applicant=dossier_services.Applicant(name="Lê Văn Cường", phone="0912000111"),
            agency=cast.commune,
            channel=Channel.COUNTER,
            files=[dossier_services.NewFile("TK", check_upload(pdf_upload()))],
        )
    for hour, (user, action) in enumerate(
        [
            (cast.commune_clerk, "receive"),
            (cast.commune_specialist, "complete_step"),
            (cast.commune_leader, "approve"),
            (cast.commune_clerk, "issue_result"),
        ],
        start=9,
    ):
        with time_machine.travel(at(2025, 6, 10, hour, 0), tick=False):
            dossier = act(user, dossier, action)
    assert dossier.applicant_id is None and dossier.status == "result_ready"
    return dossier


def root_pem() -> bytes:
    return pki.root_credentials().cert_path.read_bytes()


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, check=check, capture_output=True, text=True)


def write(tmp_path: Path, content: bytes, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def tamper(content: bytes) -> bytes:
    """Flip one byte inside the first signed range: in the data of the first stream."""
    start = content.index(b"/ByteRange")
    first_range_end = int(content[start:].split(b"[", 1)[1].split()[1])
    position = content.index(b"stream\n") + 40
    assert position < first_range_end
    changed = bytearray(content)
    changed[position] ^= 0x01
    return bytes(changed)
