"""A report as an XLSX workbook: a sheet per section, each table under its title with a bold
header row, numbers as numbers, and a native bar chart beside the first table a chart draws."""

from __future__ import annotations

import io
import re

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from teia.reports.figures import Chart, Report, Section

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
INTEGER = "#,##0"
DECIMAL = "#,##0.0"


def _sheet_title(title: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of ``[]:*?/\\``, unique in the book."""
    base = _SHEET_FORBIDDEN.sub(" ", title).strip()[:28] or _("Folha")
    name, n = base, 2
    while name.lower() in taken:
        name, n = f"{base} {n}", n + 1
    taken.add(name.lower())
    return name


def _write_section(sheet: Worksheet, section: Section) -> None:
    bold = Font(bold=True)
    sheet.append([section.title])
    sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True, size=13)
    for table in section.tables:
        sheet.append([])
        sheet.append([table.title])
        sheet.cell(row=sheet.max_row, column=1).font = bold
        sheet.append(table.columns)
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for row in table.rows:
            sheet.append(row)
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # a text, never a formula
                elif isinstance(cell.value, int):
                    cell.number_format = INTEGER
                elif isinstance(cell.value, float):
                    cell.number_format = DECIMAL
        if table.note:
            sheet.append([table.note])
            sheet.cell(row=sheet.max_row, column=1).font = Font(italic=True)
    width = max((len(str(c.value or "")) for c in sheet["A"]), default=10)
    sheet.column_dimensions["A"].width = min(60, max(12, width))
    for column in range(2, sheet.max_column + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 16
    for chart in section.charts:
        _chart(sheet, chart)


def _chart(sheet: Worksheet, chart: Chart) -> None:
    """The chart's data in a block right of the tables, and a native chart drawn from it."""
    if not chart.labels or not chart.series:
        return
    first_col = sheet.max_column + 2
    top = 1
    sheet.cell(row=top, column=first_col, value=chart.title).font = Font(bold=True)
    header = top + 1
    for j, series in enumerate(chart.series, start=1):
        sheet.cell(row=header, column=first_col + j, value=series.name).font = Font(bold=True)
    for i, label in enumerate(chart.labels, start=1):
        sheet.cell(row=header + i, column=first_col, value=label)
        for j, series in enumerate(chart.series, start=1):
            value = series.values[i - 1] if i - 1 < len(series.values) else None
            sheet.cell(row=header + i, column=first_col + j, value=value)
    last = header + len(chart.labels)
    drawn = LineChart() if chart.kind == "line" else BarChart()
    if isinstance(drawn, BarChart):
        drawn.type = "bar" if chart.kind == "hbar" else "col"
    drawn.title = chart.title
    data = Reference(
        sheet,
        min_col=first_col + 1,
        max_col=first_col + len(chart.series),
        min_row=header,
        max_row=last,
    )
    drawn.add_data(data, titles_from_data=True)
    drawn.set_categories(Reference(sheet, min_col=first_col, min_row=header + 1, max_row=last))
    drawn.width, drawn.height = 16, 8
    sheet.add_chart(drawn, f"{get_column_letter(first_col)}{last + 2}")


def render_xlsx(report: Report) -> bytes:
    book = Workbook()
    cover = book.active
    assert cover is not None
    cover.title = _("Relatório")
    cover.append([report.title])
    cover["A1"].font = Font(bold=True, size=14)
    cover.append([report.subtitle])
    cover.column_dimensions["A"].width = 80
    taken = {cover.title.lower()}
    for section in report.sections:
        _write_section(book.create_sheet(_sheet_title(section.title, taken)), section)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
