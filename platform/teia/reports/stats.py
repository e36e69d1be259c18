"""Small pieces the indicator modules share: whole days between two timestamps in SQL, the
median and mean of a histogram of days, the "<5" rule and the period a request asks for."""

from __future__ import annotations

import calendar
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from teia.reports.figures import SUPPRESSED, Cell
from teia.reports.suppression import SMALL


class day_of(FunctionElement[date]):
    """The calendar day of a timestamp, on PostgreSQL and SQLite."""

    type = Date()
    name = "day_of"
    inherit_cache = True


@compiles(day_of)
def _day_of(element: day_of, compiler: Any, **kw: Any) -> str:
    (value,) = list(element.clauses)
    return f"CAST({compiler.process(value, **kw)} AS DATE)"


@compiles(day_of, "sqlite")
def _day_of_sqlite(element: day_of, compiler: Any, **kw: Any) -> str:
    (value,) = list(element.clauses)
    return f"date({compiler.process(value, **kw)})"


def median(histogram: Counter[int]) -> float | None:
    """The median of the values counted in ``histogram`` (value -> how many), None if empty."""
    total = sum(histogram.values())
    if not total:
        return None
    middle = sorted({(total - 1) // 2, total // 2})
    picked: list[int] = []
    seen = 0
    for value, n in sorted(histogram.items()):
        picked.extend(value for i in middle if seen <= i < seen + n)
        seen += n
    return sum(picked) / len(picked)


def mean(histogram: Counter[int]) -> float | None:
    total = sum(histogram.values())
    if not total:
        return None
    return round(sum(v * n for v, n in histogram.items()) / total, 1)


def suppressed(n: int) -> Cell:
    """A count of people as a consortium shows it: 1 to 4 become "<5"."""
    return SUPPRESSED if n in SMALL else n


@dataclass(frozen=True)
class Period:
    """A report's days, both ends included."""

    start: date
    end: date

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        first = 3 * (quarter - 1) + 1
        return cls(date(year, first, 1), cls.month(year, first + 2).end)

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def previous_month(cls, on: date) -> Period:
        last = on.replace(day=1) - timedelta(days=1)
        return cls.month(last.year, last.month)


def parse_period(args: dict[str, str], on: date) -> Period | None:
    """The period of a dashboard's query string: ``month=2026-03``, ``quarter=2026-Q1``,
    ``year=2026`` or ``start``/``end`` (ISO dates); the previous month when none is given;
    None when what is given is not a period."""
    try:
        if args.get("month"):
            year, month = args["month"].split("-")
            return Period.month(int(year), int(month))
        if args.get("quarter"):
            year, quarter = args["quarter"].upper().split("-Q")
            if int(quarter) not in range(1, 5):
                return None
            return Period.quarter(int(year), int(quarter))
        if args.get("year"):
            return Period.year(int(args["year"]))
        if args.get("start") or args.get("end"):
            start = date.fromisoformat(args.get("start", ""))
            end = date.fromisoformat(args.get("end", ""))
            return Period(start, end) if start <= end else None
    except ValueError:
        return None
    return Period.previous_month(on)
