"""What a report holds, independent of how it is shown: sections of tables and charts.

Indicator modules build a :class:`Report`; the renderers (page, PDF, XLSX, CSV) and the
stored run (``ReportRun.figures``, through :meth:`Report.to_json`) take it as it is. A cell
is a number, a text or ``None`` (nothing to show); a suppressed small number is the text
``"<5"`` (see :data:`SUPPRESSED`). A table's ``links`` give, per row, the permission-checked
list behind it (a URL path, or ``None``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

Cell = int | float | str | None
SUPPRESSED = "<5"  # fewer than 5 people in a cell, in a consortium's view


@dataclass(frozen=True)
class Table:
    code: str  # stable, for the CSV and the tests: "cases_by_area"
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    links: list[str | None] = field(default_factory=list)  # one per row, or empty
    note: str = ""  # how the figure is defined (shown under the table)


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float]


@dataclass(frozen=True)
class Chart:
    code: str
    title: str
    kind: str  # "bar" (vertical), "hbar" (horizontal), "line"
    labels: list[str]
    series: list[Series]


@dataclass(frozen=True)
class Section:
    code: str
    title: str
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


@dataclass(frozen=True)
class Report:
    title: str
    subtitle: str  # the council or consortium, and the period
    sections: list[Section]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Report:
        return cls(
            title=data["title"],
            subtitle=data["subtitle"],
            sections=[
                Section(
                    code=s["code"],
                    title=s["title"],
                    tables=[Table(**t) for t in s["tables"]],
                    charts=[
                        Chart(
                            code=c["code"],
                            title=c["title"],
                            kind=c["kind"],
                            labels=c["labels"],
                            series=[Series(**x) for x in c["series"]],
                        )
                        for c in s["charts"]
                    ],
                )
                for s in data["sections"]
            ],
        )

    def table(self, code: str) -> Table:
        for section in self.sections:
            for table in section.tables:
                if table.code == code:
                    return table
        raise KeyError(code)
