"""Writing CSV and XLSX files the way Chinese Excel reads them: exports, rejected import
rows and the downloadable import templates.

CSV (DESIGN: bulk import — "CSV output carries a BOM; phone and code columns stay text"):

- UTF-8 with a BOM, so Excel on a Chinese Windows opens it as UTF-8 instead of GBK;
- phone and code columns are written as ``="13812345678"``. Excel (and WPS) turn a bare
  ``13812345678`` into ``1.38123E+10`` and an all-digit 18-character code into a number
  with its last three digits zeroed; the ``="…"`` form is a formula whose value is the
  text, which Excel shows as typed and never converts. A leading tab also stops the
  conversion but stays in the cell as a real tab character that then spoils copying and
  re-importing, so we do not use it. Our own importer unwraps ``="…"``;
- every other cell that starts with ``=``, ``+``, ``-`` or ``@`` gets a leading ``'``, so a
  name typed as ``=HYPERLINK(…)`` cannot run as a formula (CSV injection, OWASP);
- the watermark (who exported, when) is the first line and the last line of the file.

XLSX: openpyxl's write-only mode (constant memory), text cells (number format ``@``) for
phone and code columns, the watermark as the first row and as the printed page footer.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> str:
    """A cell value as CSV text, neutralised against formula injection."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def csv_text(value: Any) -> str:
    """A phone or code cell that Excel must keep as typed (``="…"``)."""
    if value is None or value == "":
        return ""
    text = str(value).replace('"', "")
    return f'="{text}"'


def unwrap_excel_text(value: str) -> str:
    """``="13812345678"`` → ``13812345678`` (what :func:`csv_text` wrote)."""
    if len(value) >= 3 and value.startswith('="') and value.endswith('"'):
        return value[2:-1]
    return value


def csv_bytes(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    text_columns: Iterable[int] = (),
    watermark: str = "",
) -> bytes:
    """The whole file, UTF-8 with a BOM."""
    text_cols = set(text_columns)
    buf = io.StringIO()
    buf.write(BOM)
    writer = csv.writer(buf, lineterminator="\r\n")
    if watermark:
        writer.writerow([csv_safe(watermark)])
    writer.writerow([csv_safe(h) for h in header])
    for row in rows:
        writer.writerow([csv_text(v) if i in text_cols else csv_safe(v) for i, v in enumerate(row)])
    if watermark:
        writer.writerow([csv_safe(watermark)])
    return buf.getvalue().encode("utf-8")


def xlsx_bytes(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    text_columns: Iterable[int] = (),
    watermark: str = "",
    sheet_title: str = "Sheet1",
    widths: Sequence[int] | None = None,
) -> bytes:
    """The workbook as bytes (openpyxl write-only: constant memory for large exports)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    text_cols = set(text_columns)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet_title[:31] or "Sheet1")
    for i, w in enumerate(widths or []):
        from openpyxl.utils import get_column_letter

        ws.column_dimensions[get_column_letter(i + 1)].width = w
    if watermark:
        ws.oddFooter.center.text = watermark.replace("&", "&&")
        ws.oddHeader.right.text = watermark.replace("&", "&&")
        cell = WriteOnlyCell(ws, value=watermark)
        cell.font = Font(italic=True, color="808080")
        ws.append([cell])
    bold = Font(bold=True)
    head = []
    for h in header:
        c = WriteOnlyCell(ws, value=str(h))
        c.font = bold
        head.append(c)
    ws.append(head)
    ws.freeze_panes = "A3" if watermark else "A2"
    for row in rows:
        out: list[Any] = []
        for i, v in enumerate(row):
            if i in text_cols and v not in (None, ""):
                c = WriteOnlyCell(ws, value=str(v))
                c.number_format = "@"
                out.append(c)
            elif isinstance(v, str) and v.startswith(("=", "+", "-", "@")):
                # openpyxl would store a leading "=" as a formula.
                c = WriteOnlyCell(ws, value=v)
                c.data_type = "s"
                out.append(c)
            else:
                out.append(v)
        ws.append(out)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
