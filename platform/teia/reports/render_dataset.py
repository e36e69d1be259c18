"""The indicators dataset's files: CSV (RFC 4180), the same records as JSON, and their JSON
schema. Each takes the dataset's :class:`~teia.reports.figures.Report` (one table whose
columns are :data:`~teia.reports.dataset_catalog.COLUMNS`) as it is."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

from teia.reports.dataset_catalog import COLUMNS, DECIMALS
from teia.reports.dataset_schema import schema_json
from teia.reports.figures import Cell, Report

_DECIMALS = {**{u.value: d for u, d in DECIMALS.items()}, "EUR": 2, "BRL": 2}


def records(report: Report) -> list[dict[str, Any]]:
    """The dataset's rows as records (column -> value)."""
    table = report.table("dataset")
    assert tuple(table.columns) == COLUMNS, table.columns
    return [dict(zip(COLUMNS, row, strict=True)) for row in table.rows]


def _text(value: Cell, unit: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    decimals = _DECIMALS[unit]
    if decimals == 0:
        return str(int(value))
    return f"{Decimal(str(value)):.{decimals}f}"


def render_dataset_csv(report: Report) -> bytes:
    """UTF-8 without a byte-order mark, commas, a header row, CRLF, quotes only where needed."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for record in records(report):
        writer.writerow(
            _text(record[c], record["unit"]) if c in ("value", "suppressed") else record[c]
            for c in COLUMNS
        )
    return out.getvalue().encode("utf-8")


def render_dataset_json(report: Report) -> bytes:
    return json.dumps(records(report), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def render_dataset_schema(_report: Report) -> bytes:
    return schema_json().encode("utf-8")
