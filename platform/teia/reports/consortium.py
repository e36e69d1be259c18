"""A consortium's indicators for a period: its member councils side by side.

Each member council is counted in its own scope (:func:`teia.reports.measures.measure`), so
no personal data leaves a council; only counts do. A count of 1 to 4 people (cases,
households, people, applications, referrals, stays) is shown as "<5", and so is a figure
that rests on 1 to 4 of them (an amount, a median), so that no person can be recognised.
Where a council's figures add up to another of its figures (people by age band to the people
followed, applications by status to the period's applications), one hidden part could be
worked out from the others, so a second one is hidden too (:mod:`teia.reports.suppression`),
shown as "…"; the consortium's total, the sum of its councils', is hidden whenever one of
them is. Counts of staff are not counts of people followed and are shown whole. The
regulations' thresholds are lined up council by council from the comparison the regulation
pages use.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from teia.applications.labels import APPLICATION_STATUS
from teia.cases.labels import AREA
from teia.core.tenancy import tenant_scope
from teia.regulations import services as regulations
from teia.regulations.rules import describe
from teia.reports.council import money, period_text
from teia.reports.figures import SUPPRESSED, Cell, Chart, Report, Section, Series, Table
from teia.reports.measures import AGE_BANDS, STATES, UNKNOWN, CouncilMeasures, measure
from teia.reports.stats import median
from teia.reports.suppression import SMALL, Sum, hidden_with_parts, suppress
from teia.shelter import indicators as shelter
from teia.tenants.models import Consortium, Tenant

Progress = Callable[[int, str], None]
THRESHOLD_SECTIONS = ("threshold", "per_capita", "limits")
CONCEALED = "…"  # hidden so that a "<5" cannot be worked out from a sum
BANDS = [code for code, _first in AGE_BANDS] + [UNKNOWN]

Key = tuple[str, str]  # (figure, category)
Value = int | Decimal | float | None
# Figures counting people, or what stands for them; the staff and the target do not.
PEOPLE = frozenset(
    {
        "cases",
        "households",
        "people",
        "area",
        "age",
        "applications",
        "status",
        "paid_applications",
        "decided",
        "referrals",
        "overdue",
        "stays",
    }
)
# A figure computed from a count: hidden with it.
RESTS_ON: dict[Key, Key] = {
    ("approved", ""): ("applications", ""),
    ("paid", ""): ("paid_applications", ""),
    ("days_to_decision", ""): ("decided", ""),
}
NOT_ADDITIVE = frozenset({"days_to_decision", "target"})
# Counts only a figure rests on: a council's small one hides its own figure, not the sum's.
UNSHOWN = frozenset({"paid_applications", "decided"})
# The quality indicators that are counts, so that the consortium's is the sum of its councils'.
ADDITIVE_QUALITY = frozenset({"discharges", "blockers"})


def consortium_report(
    session: Session,
    consortium_id: int,
    start: date,
    end: date,
    *,
    progress: Progress = lambda p, s: None,
) -> Report:
    consortium = session.get(Consortium, consortium_id)
    if consortium is None:
        raise LookupError(consortium_id)
    members = sorted(consortium.members, key=lambda t: t.name)
    session.flush()
    measures: list[CouncilMeasures] = []
    for i, member in enumerate(members):
        progress(5 + 70 * i // max(len(members), 1), member.name)
        with tenant_scope(member.id):
            measures.append(measure(session, member, start, end))
    progress(80, _("Qualidade do acolhimento"))
    quality = shelter.consortium_report(
        session, consortium, shelter.Period(start, end), unit_rows=False
    )
    progress(90, _("Regulamentos"))
    names = [t.name for t in members]
    grid = Grid.of(measures)
    return Report(
        title=_("Indicadores do consórcio"),
        subtitle=f"{consortium.official_name} · {period_text(start, end)}",
        sections=[
            _cases(names, grid),
            _applications(names, grid, measures),
            _work(names, grid),
            _shelter(names, grid, quality),
            _regulations(session, members, end),
        ],
    )


def _values(m: CouncilMeasures) -> dict[Key, Value]:
    """A council's figures by key (what the tables show, and the counts they rest on)."""
    values: dict[Key, Value] = {
        (figure, s): getattr(m, figure)[s]
        for figure in ("cases", "households", "people")
        for s in STATES
    }
    values |= {("area", a): counts["followed"] for a, counts in m.by_area.items()}
    values |= {("age", b): m.by_age[b]["followed"] for b in BANDS}
    values[("applications", "")] = sum(m.by_status.values())
    values |= {("status", s): m.by_status.get(s, 0) for s in APPLICATION_STATUS}
    values[("approved", "")] = sum((v[2] for v in m.by_support.values()), Decimal(0))
    values[("paid_applications", "")] = m.paid_applications
    values[("paid", "")] = sum((v[1] for v in m.paid_by_support.values()), Decimal(0))
    values[("decided", "")] = sum(m.days_to_decision.values())
    values[("days_to_decision", "")] = median(m.days_to_decision)
    values[("referrals", "")] = sum(r[1] for r in m.referrals.values())
    values[("overdue", "")] = m.overdue_cases
    values[("case_managers", "")] = len(m.caseload)
    values[("target", "")] = m.caseload_target
    values |= {("stays", k): n for k, n in m.stays.items()}
    return values


def _sums() -> list[Sum[Key]]:
    """What adds up within a council: its people by age band, its applications by status."""
    return [
        Sum(("people", "followed"), tuple(("age", b) for b in BANDS)),
        Sum(("applications", ""), tuple(("status", s) for s in APPLICATION_STATUS)),
    ]


def _hidden(
    values: dict[Key, Value], *, sums: list[Sum[Key]], hidden: Iterable[Key] = ()
) -> set[Key]:
    return suppress(
        values,
        people=[k for k in values if k[0] in PEOPLE],
        rests_on={k: base for k, base in RESTS_ON.items() if k in values},
        sums=sums,
        hidden=hidden,
    )


@dataclass(frozen=True)
class Grid:
    """Each member council's figures and the consortium's, with the cells to hide."""

    councils: list[dict[Key, Value]]
    hidden: list[set[Key]]
    total: dict[Key, Value]
    total_hidden: set[Key]

    @classmethod
    def of(cls, ms: list[CouncilMeasures]) -> Grid:
        councils = [_values(m) for m in ms]
        hidden = [_hidden(v, sums=_sums()) for v in councils]
        keys = {k for v in councils for k in v if k[0] not in NOT_ADDITIVE}
        total: dict[Key, Value] = {k: sum(v[k] or 0 for v in councils) for k in keys}
        days: Counter[int] = Counter()
        for m in ms:
            days.update(m.days_to_decision)
        total[("days_to_decision", "")] = median(days)
        # The consortium's cell is hidden wherever a council's is; its own sums need no
        # complement, as each council's column is protected already.
        parts = [k for k in keys if k[0] not in UNSHOWN]
        total_hidden = _hidden(total, sums=[], hidden=hidden_with_parts(parts, hidden))
        return cls(councils, hidden, total, total_hidden)

    def row(self, label: str, key: Key) -> list[Cell]:
        cells = [_cell(v, h, key) for v, h in zip(self.councils, self.hidden, strict=True)]
        return [label, *cells, _cell(self.total, self.total_hidden, key)]

    def chart(self, key: Key) -> list[float]:
        """What a chart may draw: nothing of a hidden cell (a bar of 0; the table says why)."""
        return [
            0.0 if key in h or v.get(key) is None else float(v[key] or 0)
            for v, h in zip(self.councils, self.hidden, strict=True)
        ]


def _cell(values: dict[Key, Value], hidden: set[Key], key: Key) -> Cell:
    """The cell as shown: "<5" when it, or the count it rests on, is 1 to 4; "…" when hidden
    as the complement of one; a consortium of no council shows 0."""
    value = values.get(key, None if key[0] in NOT_ADDITIVE else 0)
    if key in hidden:
        return SUPPRESSED if values.get(RESTS_ON.get(key, key)) in SMALL else CONCEALED
    if isinstance(value, Decimal):
        return money(value)
    return value


def _columns(first: str, names: list[str]) -> list[str]:
    return [first, *names, _("Consórcio")]


def _cases(names: list[str], grid: Grid) -> Section:
    labels = dict(zip(STATES, [_("novos"), _("acompanhados"), _("encerrados")], strict=True))
    summary = Table(
        "cases_summary",
        _("Agregados e pessoas acompanhados, por município"),
        _columns(_("Indicador"), names),
        [
            grid.row(f"{what} {labels[s]}", (figure, s))
            for figure, what in (
                ("cases", _("Processos")),
                ("households", _("Agregados")),
                ("people", _("Pessoas")),
            )
            for s in STATES
        ],
        note=_(
            "As mesmas definições do relatório do município. Menos de 5 pessoas numa célula: "
            "«<5»; «…»: oculto para que um «<5» não se possa deduzir de um total."
        ),
    )
    by_area = Table(
        "cases_by_area",
        _("Processos acompanhados por área, por município"),
        _columns(_("Área"), names),
        [grid.row(str(label), ("area", a)) for a, label in AREA.items()],
        note=_("Um processo com várias áreas conta em cada uma delas."),
    )
    by_age = Table(
        "people_by_age",
        _("Pessoas acompanhadas por escalão etário, por município"),
        _columns(_("Escalão"), names),
        [grid.row(_("Sem data de nascimento") if b == UNKNOWN else b, ("age", b)) for b in BANDS],
        note=_("Somam as pessoas acompanhadas de cada município."),
    )
    chart = Chart(
        "households_by_council",
        _("Agregados acompanhados por município"),
        "bar",
        names,
        [Series(_("Agregados"), grid.chart(("households", "followed")))],
    )
    return Section("cases", _("Processos"), [summary, by_area, by_age], [chart])


def _applications(names: list[str], grid: Grid, ms: list[CouncilMeasures]) -> Section:
    statuses = [s for s in APPLICATION_STATUS if any(m.by_status.get(s) for m in ms)]
    table = Table(
        "applications",
        _("Apoios de emergência, por município"),
        _columns(_("Indicador"), names),
        [
            grid.row(_("Candidaturas do período"), ("applications", "")),
            *(grid.row(str(APPLICATION_STATUS[s]), ("status", s)) for s in statuses),
            grid.row(_("Aprovado (€)"), ("approved", "")),
            grid.row(_("Pago no período (€)"), ("paid", "")),
            grid.row(_("Da candidatura à decisão: mediana (dias)"), ("days_to_decision", "")),
        ],
        note=_(
            "Montantes e tempos de menos de 5 candidaturas: «<5»; «…»: oculto para que um "
            "«<5» não se possa deduzir de um total."
        ),
    )
    return Section("applications", _("Apoios de emergência"), [table])


def _work(names: list[str], grid: Grid) -> Section:
    table = Table(
        "work",
        _("Encaminhamentos, planos e carga, por município"),
        _columns(_("Indicador"), names),
        [
            grid.row(_("Encaminhamentos feitos"), ("referrals", "")),
            grid.row(_("Processos com ações em atraso"), ("overdue", "")),
            grid.row(_("Gestores de caso"), ("case_managers", "")),
            grid.row(_("Meta de agregados por gestor"), ("target", "")),
        ],
        note=_("Os gestores de caso são profissionais, não pessoas acompanhadas: sem «<5»."),
    )
    return Section("work", _("Trabalho técnico"), [table])


def _shelter(names: list[str], grid: Grid, quality: shelter.Report) -> Section:
    keys = (
        ("in_care", _("Acolhimentos em curso no período")),
        ("admitted", _("Entradas no período")),
        ("ended", _("Saídas no período")),
        ("active", _("Acolhimentos ativos no dia de referência")),
        ("prolonged", _("Acolhimentos prolongados")),
        ("readmitted", _("Reacolhimentos até 12 meses")),
    )
    stays = Table(
        "shelter_stays",
        _("Acolhimento, por município"),
        _columns(_("Indicador"), names),
        [grid.row(label, ("stays", key)) for key, label in keys],
    )
    rows: list[list[Cell]] = []
    by_name = {row.label: row for row in quality.councils}
    for dimension in shelter.DIMENSIONS:
        for indicator in dimension.indicators:
            cells = [by_name[n].cells[indicator.key].text if n in by_name else None for n in names]
            total: Cell = quality.total[indicator.key].text
            if indicator.key in ADDITIVE_QUALITY and SUPPRESSED in cells:
                total = CONCEALED  # the total less the other councils would tell the "<5"
            rows.append([str(indicator.label), *cells, total])
    dimensions = Table(
        "shelter_quality",
        _("Qualidade do acolhimento: as seis dimensões, por município"),
        _columns(_("Indicador"), names),
        rows,
        note=_(
            "Acolhimentos feitos através do consórcio; contagens de 1 a 4: «<5»; «…»: oculto "
            "para que um «<5» não se possa deduzir de um total."
        ),
    )
    return Section("shelter", _("Acolhimento"), [stays, dimensions])


def _regulations(session: Session, members: list[Tenant], on: date) -> Section:
    texts: dict[tuple[str, str], str] = {}
    found: dict[tuple[str, str], list[str | None]] = {}
    for i, member in enumerate(members):
        with tenant_scope(member.id):
            try:
                version = regulations.version_in_force(session, member.id, on)
            except regulations.NoRegulationInForce:
                continue
            rules = describe(
                regulations.regulation_doc(version),
                regulations.reference_table(session, member.id),
                on,
            )
        for rule in rules:
            if rule.section in THRESHOLD_SECTIONS:
                key = (rule.section, rule.key)
                texts.setdefault(key, rule.label)
                found.setdefault(key, [None] * len(members))[i] = rule.text
    order = {s: n for n, s in enumerate(THRESHOLD_SECTIONS)}
    keys = sorted(found, key=lambda k: order[k[0]])
    table = Table(
        "regulation_thresholds",
        _("Limiares dos regulamentos em vigor"),
        [_("Regra"), *(t.name for t in members)],
        [[texts[k], *found[k]] for k in keys],
        note=_(
            "Limiar de rendimento, cálculo per capita e limites dos apoios, no regulamento em "
            "vigor no fim do período de cada município (vazio: sem essa regra)."
        ),
    )
    return Section("regulations", _("Regulamentos"), [table])
