"""A report as an A4 PDF (fpdf2, core fonts, no font file): the title, then each section's
tables drawn as tables and its charts embedded as the same SVG the page shows.

fpdf2 draws an SVG's text with the core font too, so the SVG goes through the same latin-1
transliteration as the text (:func:`teia.people.export_pdf.latin1`): its markup is ASCII and
stays as it is.
"""

from __future__ import annotations

import io
import re
from typing import Any

from fpdf import FontFace
from fpdf.enums import XPos, YPos

from teia.people.export_pdf import FONT, A4Document, latin1
from teia.reports.charts import chart_svg
from teia.reports.figures import Cell, Chart, Report, Table

CHART_WIDTH = 150  # mm
# The page's tooltips (``<title>``): nothing to show on paper, and fpdf2 warns of each one.
_TITLE = re.compile(r"<title[^>]*>.*?</title>", re.S)
_NEXT_LINE: dict[str, Any] = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}


def _text(value: Cell) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}".replace(",", " ").replace(".", ",")
    if isinstance(value, int):
        return f"{value:,}".replace(",", " ")
    return value


class _Document(A4Document):
    def heading(self, text: str, size: int) -> None:
        if self.will_page_break(size * 2):
            self.add_page()
        self.ln(3)
        self.set_font(FONT, "B", size)
        self.multi_cell(0, size * 0.5, latin1(text), align="L", **_NEXT_LINE)

    def data_table(self, table: Table) -> None:
        self.heading(table.title, 10)
        self.set_font(FONT, "", 8)
        numeric = [False] + [True] * (len(table.columns) - 1)
        with self.table(
            col_widths=(3, *([1] * (len(table.columns) - 1))),
            text_align=tuple("RIGHT" if n else "LEFT" for n in numeric),
            line_height=4.2,
            padding=1,
            headings_style=FontFace(emphasis="BOLD", fill_color=(232, 232, 232)),
        ) as drawn:
            for values in [table.columns, *table.rows]:
                row = drawn.row()
                for value in values:
                    row.cell(latin1(_text(value)))
        if table.note:
            self.set_font(FONT, "I", 8)
            self.multi_cell(0, 4, latin1(table.note), align="L", **_NEXT_LINE)
        self.ln(2)

    def chart(self, chart: Chart) -> None:
        svg = _TITLE.sub("", latin1(chart_svg(chart))).encode()
        if self.will_page_break(CHART_WIDTH * 0.6):
            self.add_page()
        self.heading(chart.title, 10)
        self.image(io.BytesIO(svg), x=self.l_margin, w=CHART_WIDTH)
        self.ln(3)


def render_pdf(report: Report) -> bytes:
    pdf = _Document(f"Teia · {report.subtitle}")
    pdf.set_title(latin1(report.title))
    pdf.set_author("Teia")
    pdf.set_font(FONT, "B", 16)
    pdf.multi_cell(0, 8, latin1(report.title), **_NEXT_LINE)
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(0, 5, latin1(report.subtitle), **_NEXT_LINE)
    for section in report.sections:
        pdf.heading(section.title, 13)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        for table in section.tables:
            pdf.data_table(table)
        for chart in section.charts:
            pdf.chart(chart)
    return bytes(pdf.output())
