"""A small catalogue on top of the shared test cast (``tinhso.testing.make_cast``).

The department (Sở Tư pháp, ``cast.dept``) publishes through organisation ``so-tu-phap``: a public
dataset ``do-man-song`` with a CSV resource loaded in the datastore and a link, and a private
dataset ``du-lieu-noi-bo``. Another department (Sở Xây dựng, ``cast.other_dept``) publishes
``dien-tich-dua``. Used by this app's tests and by the project's permission matrix.
"""

import datetime
from dataclasses import dataclass

from tinhso.datasets import services
from tinhso.datasets.models import Dataset, Group, Organization, Resource
from tinhso.testing import Cast, make_cast

MEASUREMENTS_CSV = (
    "tram,ngay,do_man,nguoi_do,hop_le\n"
    "Bình Đại,2020-02-01,12.5,An,true\n"
    "Lộc Thuận,2020-02-02,9,Bình,false\n"
    "An Thuận,2020-02-03,15.25,Chi,true\n"
    "Mỹ Hóa,2020-02-04,,Dũng,true\n"
    "Sơn Đốc,2020-02-05,4,Đào,\n"
).encode()


@dataclass
class Catalogue:
    cast: Cast
    org: Organization
    other_org: Organization
    group: Group
    salinity: Dataset
    coconut: Dataset
    secret: Dataset
    measurements: Resource


def make_catalogue() -> Catalogue:
    return catalogue_for(make_cast())


def catalogue_for(cast: Cast) -> Catalogue:
    org = Organization.objects.create(name="so-tu-phap", title="Sở Tư pháp", agency=cast.dept)
    other = Organization.objects.create(
        name="so-xay-dung", title="Sở Xây dựng", agency=cast.other_dept
    )
    group = Group.objects.create(name="moi-truong", title="Môi trường")
    salinity = services.save_dataset(
        user=cast.specialist,
        data=services.DatasetData(
            name="do-man-song",
            title="Độ mặn nước sông Bến Tre",
            organization=org,
            notes="Kết quả đo độ mặn tại các trạm trên sông Hàm Luông, Cổ Chiên và Cửa Đại.",
            tags=["độ mặn", "nước"],
            groups=[group],
            temporal_start=datetime.date(2020, 2, 1),
            temporal_end=datetime.date(2020, 2, 5),
            spatial_codes=["83", "835"],
            frequency="daily",
        ),
    )
    measurements = services.add_resource(
        user=cast.specialist,
        dataset=salinity,
        name="Số đo",
        upload=services.DataFile("so-do.csv", MEASUREMENTS_CSV),
    )
    services.add_resource(
        user=cast.specialist,
        dataset=salinity,
        name="Bản tin",
        url="https://example.vn/ban-tin.pdf",
    )
    coconut = services.save_dataset(
        user=cast.other_specialist,
        data=services.DatasetData(
            name="dien-tich-dua",
            title="Diện tích dừa theo huyện",
            organization=other,
            notes="Diện tích thu hoạch dừa năm 2022.",
            license_id="odc-odbl",
            tags=["dừa", "nông nghiệp"],
        ),
    )
    services.add_resource(
        user=cast.other_specialist,
        dataset=coconut,
        name="Bảng",
        upload=services.DataFile(
            "dua.json", b'[{"huyen": "Gi\xe1\xbb\x93ng Tr\xc3\xb4m", "ha": 18685}]'
        ),
    )
    secret = services.save_dataset(
        user=cast.specialist,
        data=services.DatasetData(
            name="du-lieu-noi-bo",
            title="Dữ liệu nội bộ về nước",
            organization=org,
            private=True,
            tags=["nước"],
        ),
    )
    return Catalogue(cast, org, other, group, salinity, coconut, secret, measurements)
