"""CSV and XLSX in and out: officials live in spreadsheets.

Reading accepts UTF-8 (with or without BOM) and GB18030 CSV, and XLSX (first sheet). Writing
produces UTF-8 CSV with a BOM (so Excel opens Chinese text correctly) or XLSX.
"""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

Format = Literal["csv", "xlsx"]

MEDIA_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

XLSX_MAGIC = b"PK\x03\x04"


class TableError(ValueError):
    """The file cannot be read as a table at all (as opposed to a bad row in it)."""


@dataclass(frozen=True)
class Row:
    number: int  # as the user sees it: the spreadsheet row / CSV line, header = 1
    values: dict[str, str]


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[Row]
    encoding: str  # "utf-8", "gb18030" or "xlsx"


def format_of(filename: str) -> Format:
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        return "xlsx"
    if suffix in {".csv", ".txt", ""}:
        return "csv"
    raise TableError(f"unsupported file type {suffix}: use .csv or .xlsx")


def decode_csv(data: bytes) -> tuple[str, str]:
    """UTF-8 first (a BOM is dropped); anything that is not UTF-8 is read as GB18030,
    the superset of GBK and GB2312 that Chinese Excel writes by default."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError as exc:
            raise TableError("the CSV file is neither UTF-8 nor GB18030 text") from exc


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores numeric codes as floats
    if hasattr(value, "isoformat"):
        return (
            str(value.isoformat())[:10] if type(value).__name__ == "datetime" else value.isoformat()
        )
    return str(value).strip()


def _table(
    header_cells: Sequence[Any], body: Iterable[tuple[int, Sequence[Any]]], encoding: str
) -> Table:
    header = [_cell(h).strip().lower() for h in header_cells]
    while header and not header[-1]:
        header.pop()
    if not header:
        raise TableError("the file has no header row")
    rows = []
    for number, cells in body:
        values = {h: _cell(cells[i]) if i < len(cells) else "" for i, h in enumerate(header) if h}
        if any(values.values()):
            rows.append(Row(number, values))
    return Table(header, rows, encoding)


def read_table(data: bytes, filename: str) -> Table:
    """Read a whole CSV or XLSX file (first sheet); the first row is the header."""
    if format_of(filename) == "xlsx" or data.startswith(XLSX_MAGIC):
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a corrupt file
            raise TableError("the XLSX file cannot be opened") from exc
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise TableError("the file is empty")
        table = _table(header, ((i, r) for i, r in enumerate(rows, start=2)), "xlsx")
        workbook.close()
        return table
    text, encoding = decode_csv(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise TableError("the file is empty")
    return _table(header, ((reader.line_num, r) for r in reader), encoding)


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], out: BinaryIO) -> None:
    stream = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(stream)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    stream.detach()


def write_xlsx(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    out: BinaryIO,
    title: str = "data",
    filters: bool = False,
) -> None:
    """`filters`: the header row frozen and an autofilter over the columns, so that a reader
    sorts and filters any column at once."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    if filters:
        sheet.freeze_panes = "A2"
    sheet.append(list(header))
    count = 1
    for row in rows:
        sheet.append(["" if v is None else v for v in row])
        count += 1
    if filters and header:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count}"
    workbook.save(out)


def export_bytes(
    fmt: Format,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    title: str = "data",
    filters: bool = False,
) -> bytes:
    """A CSV, or an XLSX (with `filters`: see `write_xlsx`)."""
    out = io.BytesIO()
    if fmt == "xlsx":
        write_xlsx(header, rows, out, title, filters)
    else:
        write_csv(header, rows, out)
    return out.getvalue()


def iter_export(
    fmt: Format, header: Sequence[str], rows: Iterable[Sequence[Any]], title: str = "data"
) -> Iterator[bytes]:
    """CSV streams row by row (large exports never sit in memory); XLSX is built then sent."""
    if fmt == "xlsx":
        yield export_bytes(fmt, header, rows, title)
        return
    yield export_bytes("csv", header, [])
    for row in rows:
        line = io.StringIO()
        csv.writer(line).writerow(["" if v is None else v for v in row])
        yield line.getvalue().encode("utf-8")
