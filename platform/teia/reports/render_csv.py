"""A report as one CSV: a row per table cell (section, table, row, column, value).

Semicolon-separated with a byte-order mark and decimal commas, as Portuguese Excel opens
it; a text cell that
a spreadsheet would read as a formula is prefixed with ``'``.
"""

from __future__ import annotations

import csv
import io

from flask_babel import gettext as _

from teia.reports.figures import Cell, Report

BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value).replace(".", ",")  # the decimal comma of a Portuguese spreadsheet
    if isinstance(value, int):
        return str(value)
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def cells(report: Report) -> list[list[Cell]]:
    """Every table cell as (section, table, row label, column, value), in reading order."""
    out: list[list[Cell]] = []
    for section in report.sections:
        for table in section.tables:
            for row in table.rows:
                label = row[0] if row else None
                for column, value in zip(table.columns[1:], row[1:], strict=True):
                    out.append([section.title, table.title, label, column, value])
    return out


def render_csv(report: Report) -> bytes:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Secção"), _("Quadro"), _("Linha"), _("Coluna"), _("Valor")])
    for row in cells(report):
        writer.writerow([_text(v) for v in row])
    return out.getvalue().encode("utf-8")
