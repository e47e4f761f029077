"""Spreadsheets in and out: UTF-8 and GB18030 CSV, XLSX, and round trips."""

import io

import pytest

from ipprotect.core.tabular import TableError, export_bytes, iter_export, read_table

ROWS = [["91330106MA2AXXXX0", "杭州西湖龙井茶业有限公司"], ["", "滨江科技（杭州）有限公司"]]


def test_gb18030_csv_is_detected_and_read() -> None:
    data = "uscc,name\n91330106MA2AXXXX0,杭州西湖龙井茶业有限公司\n".encode("gb18030")
    table = read_table(data, "list.csv")
    assert table.encoding == "gb18030"
    assert table.rows[0].values["name"] == "杭州西湖龙井茶业有限公司"
    assert table.rows[0].number == 2


def test_utf8_csv_with_bom_drops_the_bom_from_the_header() -> None:
    table = read_table("\ufeffUSCC,Name\n1,甲\n".encode(), "x.csv")
    assert table.header == ["uscc", "name"]
    assert table.encoding == "utf-8"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_round_trips(fmt: str) -> None:
    data = export_bytes(fmt, ["uscc", "name"], ROWS)  # type: ignore[arg-type]
    table = read_table(data, f"out.{fmt}")
    assert [[r.values["uscc"], r.values["name"]] for r in table.rows] == ROWS


def test_streamed_csv_equals_the_whole_export() -> None:
    streamed = b"".join(iter_export("csv", ["uscc", "name"], ROWS))
    assert streamed == export_bytes("csv", ["uscc", "name"], ROWS)


def test_blank_rows_are_skipped_but_row_numbers_stay_true() -> None:
    table = read_table(b"a,b\n1,2\n,\n3,4\n", "x.csv")
    assert [r.number for r in table.rows] == [2, 4]


def test_a_corrupt_xlsx_is_a_table_error_not_a_crash() -> None:
    with pytest.raises(TableError):
        read_table(b"PK\x03\x04garbage", "x.xlsx")


def test_unknown_suffix_is_refused() -> None:
    with pytest.raises(TableError):
        read_table(io.BytesIO(b"x").getvalue(), "x.pdf")
