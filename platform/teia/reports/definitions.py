"""The reports Teia can build: a code, a label, whom it is about (a council or a consortium),
the function that builds its :class:`~teia.reports.figures.Report` for a period and the files
made from it (a report's PDF, XLSX and CSV; a dataset's CSV, JSON and JSON schema).

A run's period is checked here, once, for the page, the API and the monthly schedule alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from teia.reports.consortium import consortium_report
from teia.reports.council import council_report
from teia.reports.dataset import consortium_dataset, council_dataset
from teia.reports.figures import Report
from teia.reports.render_csv import render_csv
from teia.reports.render_dataset import (
    render_dataset_csv,
    render_dataset_json,
    render_dataset_schema,
)
from teia.reports.render_pdf import render_pdf
from teia.reports.render_xlsx import render_xlsx

Progress = Callable[[int, str], None]
Builder = Callable[..., Report]
MAX_PERIOD_DAYS = 366  # a year, leap day included
EARLIEST = date(2000, 1, 1)


class ScopeKind(StrEnum):
    COUNCIL = "council"
    CONSORTIUM = "consortium"


class ReportError(ValueError):
    """A request refused; the message is for the user."""


@dataclass(frozen=True)
class Format:
    """A file of a run: its media type, its file name's extension, its name on the page and
    how it is written from the report."""

    content_type: str
    extension: str
    label: Any  # text, or a lazy text
    render: Callable[[Report], bytes]


REPORT_FORMATS: Mapping[str, Format] = {
    "pdf": Format("application/pdf", "pdf", "PDF", render_pdf),
    "xlsx": Format(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
        "XLSX",
        render_xlsx,
    ),
    "csv": Format("text/csv; charset=utf-8", "csv", "CSV", render_csv),
}
DATASET_FORMATS: Mapping[str, Format] = {
    "csv": Format("text/csv; charset=utf-8", "csv", "CSV", render_dataset_csv),
    "json": Format("application/json", "json", "JSON", render_dataset_json),
    "schema": Format(
        "application/schema+json", "schema.json", _l("esquema JSON"), render_dataset_schema
    ),
}


@dataclass(frozen=True)
class Definition:
    code: str
    label: str
    scope: ScopeKind
    build: Builder  # (session, scope_id, start, end, *, progress) -> Report
    formats: Mapping[str, Format] = field(default_factory=lambda: REPORT_FORMATS)
    file_stem: str = "relatorio"  # teia-relatorio-<run>-<YYYY-MM>.pdf

    def run(
        self, session: Session, scope_id: int, start: date, end: date, progress: Progress
    ) -> Report:
        return self.build(session, scope_id, start, end, progress=progress)


DEFINITIONS: dict[str, Definition] = {
    d.code: d
    for d in (
        Definition(
            "council_monthly", _l("Relatório do município"), ScopeKind.COUNCIL, council_report
        ),
        Definition(
            "consortium_monthly",
            _l("Relatório da comunidade intermunicipal"),
            ScopeKind.CONSORTIUM,
            consortium_report,
        ),
        Definition(
            "council_dataset",
            _l("Dados anonimizados do município (CSV e esquema JSON)"),
            ScopeKind.COUNCIL,
            council_dataset,
            DATASET_FORMATS,
            "dados",
        ),
        Definition(
            "consortium_dataset",
            _l("Dados anonimizados da comunidade intermunicipal (CSV e esquema JSON)"),
            ScopeKind.CONSORTIUM,
            consortium_dataset,
            DATASET_FORMATS,
            "dados",
        ),
    )
}
# Every media type a run's file may have (the API documents them).
MEDIA_TYPES = tuple(
    sorted({f.content_type.split(";")[0] for d in DEFINITIONS.values() for f in d.formats.values()})
)


def definition(code: str, scope: ScopeKind | None = None) -> Definition:
    """The definition of ``code`` (of that ``scope``, when given)."""
    found = DEFINITIONS.get(code)
    if found is None or scope not in (None, found.scope):
        raise ReportError(_("Relatório desconhecido."))
    return found


def for_scope(scope: ScopeKind) -> list[Definition]:
    return [d for d in DEFINITIONS.values() if d.scope == scope]


def check_period(start: date, end: date, today: date) -> None:
    """A period of at most a year, already begun, from 2000 on."""
    if start > end:
        raise ReportError(_("O início do período é posterior ao fim."))
    if start < EARLIEST:
        raise ReportError(_("O período começa antes de 2000."))
    if start > today:
        raise ReportError(_("O período ainda não começou."))
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise ReportError(_("O período tem mais de um ano."))


def previous_month(today: date) -> tuple[date, date]:
    """First and last day of the month before ``today``'s."""
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end
