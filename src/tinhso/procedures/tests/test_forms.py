"""The JSON Schema renderer: widgets, coercion to schema types, per-field messages."""

from django.http import QueryDict

from tinhso.procedures.forms import SchemaForm

SCHEMA = {
    "type": "object",
    "properties": {
        "ho_ten": {
            "type": "string",
            "title": "Họ tên",
            "description": "Như trên căn cước",
            "minLength": 2,
        },
        "ngay": {"type": "string", "title": "Ngày", "format": "date"},
        "thu": {"type": "string", "title": "Thư điện tử", "format": "email"},
        "gioi_tinh": {"type": "string", "title": "Giới tính", "enum": ["Nam", "Nữ"]},
        "so_ban": {"type": "integer", "title": "Số bản", "minimum": 1, "maximum": 10},
        "dien_tich": {"type": "number", "title": "Diện tích"},
        "cam_doan": {"type": "boolean", "title": "Tôi cam đoan", "const": True},
        "ghi_chu": {"type": "string", "title": "Ghi chú", "maxLength": 1000},
        "cccd": {"type": "string", "title": "Số định danh", "pattern": "^[0-9]{12}$"},
    },
    "required": ["ho_ten", "gioi_tinh", "so_ban"],
}


def post(**values: str) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in values.items():
        query[f"data.{key}"] = value
    return query


def test_widgets_follow_the_schema():
    fields = {f.name: f for f in SchemaForm(SCHEMA).fields()}
    assert fields["ho_ten"].widget == "text" and fields["ho_ten"].hint == "Như trên căn cước"
    assert fields["ho_ten"].required and not fields["ngay"].required
    assert fields["ngay"].widget == "date"
    assert fields["thu"].widget == "email"
    assert fields["gioi_tinh"].widget == "select"
    assert [c.value for c in fields["gioi_tinh"].choices] == ["Nam", "Nữ"]
    assert fields["so_ban"].widget == "number" and fields["so_ban"].attrs["min"] == "1"
    assert fields["cam_doan"].widget == "checkbox"
    assert fields["ghi_chu"].widget == "textarea"
    assert fields["cccd"].attrs == {"pattern": "^[0-9]{12}$", "inputmode": "numeric"}
    assert fields["ho_ten"].described_by == "f-ho_ten-hint"


def test_values_are_coerced_to_schema_types():
    form = SchemaForm(SCHEMA)
    data = form.bind(
        post(ho_ten=" An ", gioi_tinh="Nữ", so_ban="3", dien_tich="12,5", cam_doan="on", ngay="")
    )
    assert data == {
        "ho_ten": "An",
        "gioi_tinh": "Nữ",
        "so_ban": 3,
        "dien_tich": 12.5,
        "cam_doan": True,
    }
    assert form.validate(), form.errors


def test_every_error_is_reported_on_its_own_field():
    form = SchemaForm(SCHEMA)
    form.bind(
        post(ho_ten="A", so_ban="mười", gioi_tinh="Khác", ngay="2025-02-30", thu="khong-phai-thu")
    )
    form.validate()
    assert form.errors == {
        "ho_ten": "Cần ít nhất 2 ký tự.",
        "so_ban": "Hãy nhập một số nguyên.",
        "gioi_tinh": "Hãy chọn một giá trị trong danh sách.",
        "ngay": "Ngày không hợp lệ (ngày/tháng/năm).",
        "thu": "Địa chỉ thư điện tử không hợp lệ.",
        "cam_doan": "Vui lòng đánh dấu ô này.",
    }
    # the summary follows the order of the form, and keeps what was typed
    assert [label for _id, label, _m in form.error_list()][:3] == ["Họ tên", "Ngày", "Thư điện tử"]
    assert {f.name: f.value for f in form.fields()}["so_ban"] == "mười"


def test_missing_required_values_are_named():
    form = SchemaForm(SCHEMA)
    form.bind(post(cam_doan="on"))
    form.validate()
    assert form.errors["ho_ten"] == "Vui lòng nhập thông tin này."
    assert form.errors["gioi_tinh"] == "Vui lòng chọn một giá trị."
    assert form.errors["so_ban"] == "Vui lòng nhập thông tin này."


def test_initial_data_fills_the_fields():
    fields = {
        f.name: f for f in SchemaForm(SCHEMA, initial={"so_ban": 2, "gioi_tinh": "Nam"}).fields()
    }
    assert fields["so_ban"].value == "2"
    assert [c.selected for c in fields["gioi_tinh"].choices] == [True, False]
