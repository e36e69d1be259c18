"""The reports Teia can build: a code, a label, whom it is about (a council or a consortium)
and the function that builds its :class:`~teia.reports.figures.Report` for a period.

A run's period is checked here, once, for the page, the API and the monthly schedule alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from teia.reports.consortium import consortium_report
from teia.reports.council import council_report
from teia.reports.figures import Report

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
class Definition:
    code: str
    label: str
    scope: ScopeKind
    build: Builder  # (session, scope_id, start, end, *, progress) -> Report

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
    )
}


def definition(code: str) -> Definition:
    found = DEFINITIONS.get(code)
    if found is None:
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
