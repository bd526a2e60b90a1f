import io

import pytest
from openpyxl import Workbook

from tinhso.datasets import tabular


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["1", "2", ""], "int"),
        (["1", "2.5"], "numeric"),
        (["083", "1"], "text"),  # a leading zero is a code, not a number
        (["2024-01-31", "01/02/2024"], "date"),
        (["2024-01-31T08:00:00", "2024-01-31 09:30"], "timestamp"),
        (["true", "FALSE", "có"], "bool"),
        (["", ""], "text"),
        (["1", "abc"], "text"),
    ],
)
def test_infer_type_picks_the_narrowest_type_every_value_fits(values, expected):
    assert tabular.infer_type(values) == expected


def test_cast_normalises_vietnamese_dates_and_utc_timestamps():
    assert tabular.cast("02/01/2024", "date") == "2024-01-02"
    assert tabular.cast("2024-01-31T08:00:00+07:00", "timestamp") == "2024-01-31T01:00:00"
    assert tabular.cast("12.50", "numeric") == 12.5
    assert tabular.cast("12.0", "numeric") == 12


def test_bad_values_are_reported_with_row_number_and_column_in_vietnamese():
    raw = tabular.read_csv(b"ten,so\na,1\nb,hai\nc,3\nd,4x\n")
    records, errors, total = tabular.cast_rows(raw, {"ten": "text", "so": "int"})
    assert total == 2
    assert [(e.row, e.column, e.value) for e in errors] == [(3, "so", "hai"), (5, "so", "4x")]
    assert "không phải số nguyên" in errors[0].message
    assert records[0] == {"ten": "a", "so": 1}


def test_ragged_csv_row_is_refused_with_its_line():
    with pytest.raises(tabular.TableError, match="Dòng 3"):
        tabular.read_csv(b"a,b\n1,2\n1,2,3\n")


def test_duplicate_or_empty_header_is_refused():
    with pytest.raises(tabular.TableError, match="trùng"):
        tabular.read_csv(b"a,a\n1,2\n")
    with pytest.raises(tabular.TableError, match="không có tên"):
        tabular.read_csv(b"a,\n1,2\n")


def test_xlsx_cells_keep_their_values():
    import datetime

    book = Workbook()
    sheet = book.active
    sheet.append(["ngay", "so", "ty_le", "dung"])
    sheet.append([datetime.date(2024, 5, 1), 3, 0.5, True])
    buffer = io.BytesIO()
    book.save(buffer)
    raw = tabular.read_xlsx(buffer.getvalue())
    assert raw.columns == ["ngay", "so", "ty_le", "dung"]
    assert raw.rows == [["2024-05-01", "3", "0.5", "true"]]


def test_json_must_be_an_array_of_objects():
    raw = tabular.read_json(b'[{"a": 1}, {"b": "x"}]')
    assert raw.columns == ["a", "b"]
    assert raw.rows == [["1", ""], ["", "x"]]
    with pytest.raises(tabular.TableError):
        tabular.read_json(b'{"type": "FeatureCollection"}')
