"""A consortium's indicators for a period: its member councils side by side.

Each member council is counted in its own scope (:func:`teia.reports.measures.measure`), so
no personal data leaves a council; only counts do. A count of 1 to 4 people (cases,
households, people, applications, referrals, stays) is shown as "<5", and so is a figure
that rests on 1 to 4 of them (an amount, a median), so that no person can be recognised; so
is the consortium's total. The regulations' thresholds are lined up council by council from
the comparison the regulation pages use.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date

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
from teia.reports.stats import SMALL, median, suppressed
from teia.shelter import indicators as shelter
from teia.tenants.models import Consortium, Tenant

Progress = Callable[[int, str], None]
THRESHOLD_SECTIONS = ("threshold", "per_capita", "limits")


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
    quality = shelter.consortium_report(session, consortium, shelter.Period(start, end))
    progress(90, _("Regulamentos"))
    names = [t.name for t in members]
    return Report(
        title=_("Indicadores do consórcio"),
        subtitle=f"{consortium.official_name} · {period_text(start, end)}",
        sections=[
            _cases(names, measures),
            _applications(names, measures),
            _work(names, measures),
            _shelter(names, measures, quality),
            _regulations(session, members, end),
        ],
    )


def _row(label: str, counts: list[int]) -> list[Cell]:
    """Counts of people per council and their total, 1 to 4 shown as "<5"."""
    return [label, *(suppressed(n) for n in counts), suppressed(sum(counts))]


def _resting_on(
    label: str, values: list[float | None], bases: list[int], total: Cell
) -> list[Cell]:
    """Figures resting on ``bases`` people per council: hidden when a base is 1 to 4."""
    cells: list[Cell] = [
        SUPPRESSED if b in SMALL else v for v, b in zip(values, bases, strict=True)
    ]
    return [label, *cells, SUPPRESSED if sum(bases) in SMALL else total]


def _columns(first: str, names: list[str]) -> list[str]:
    return [first, *names, _("Consórcio")]


def _chart_values(counts: list[int]) -> list[float]:
    """What a chart may draw of small counts: nothing (a bar of 0, the table says "<5")."""
    return [0.0 if n in SMALL else float(n) for n in counts]


def _cases(names: list[str], ms: list[CouncilMeasures]) -> Section:
    labels = dict(zip(STATES, [_("novos"), _("acompanhados"), _("encerrados")], strict=True))
    summary = Table(
        "cases_summary",
        _("Agregados e pessoas acompanhados, por município"),
        _columns(_("Indicador"), names),
        [
            _row(f"{what} {labels[s]}", [getattr(m, attr)[s] for m in ms])
            for attr, what in (
                ("cases", _("Processos")),
                ("households", _("Agregados")),
                ("people", _("Pessoas")),
            )
            for s in STATES
        ],
        note=_(
            "As mesmas definições do relatório do município. Menos de 5 pessoas numa célula: «<5»."
        ),
    )
    by_area = Table(
        "cases_by_area",
        _("Processos acompanhados por área, por município"),
        _columns(_("Área"), names),
        [_row(str(label), [m.by_area[a]["followed"] for m in ms]) for a, label in AREA.items()],
        note=_("Um processo com várias áreas conta em cada uma delas."),
    )
    bands = [code for code, _first in AGE_BANDS] + [UNKNOWN]
    by_age = Table(
        "people_by_age",
        _("Pessoas acompanhadas por escalão etário, por município"),
        _columns(_("Escalão"), names),
        [
            _row(
                _("Sem data de nascimento") if b == UNKNOWN else b,
                [m.by_age[b]["followed"] for m in ms],
            )
            for b in bands
        ],
    )
    followed = [m.households["followed"] for m in ms]
    chart = Chart(
        "households_by_council",
        _("Agregados acompanhados por município"),
        "bar",
        names,
        [Series(_("Agregados"), _chart_values(followed))],
    )
    return Section("cases", _("Processos"), [summary, by_area, by_age], [chart])


def _applications(names: list[str], ms: list[CouncilMeasures]) -> Section:
    counts = [sum(m.by_status.values()) for m in ms]
    approved = [money(sum((v[2] for v in m.by_support.values()), 0)) for m in ms]
    paid_apps = [sum(v[0] for v in m.paid_by_support.values()) for m in ms]
    paid = [money(sum((v[1] for v in m.paid_by_support.values()), 0)) for m in ms]
    decided = [sum(m.days_to_decision.values()) for m in ms]
    all_days: Counter[int] = Counter()
    for m in ms:
        all_days.update(m.days_to_decision)
    statuses = [s for s in APPLICATION_STATUS if any(m.by_status.get(s) for m in ms)]
    table = Table(
        "applications",
        _("Apoios de emergência, por município"),
        _columns(_("Indicador"), names),
        [
            _row(_("Candidaturas do período"), counts),
            *(
                _row(str(APPLICATION_STATUS[s]), [m.by_status.get(s, 0) for m in ms])
                for s in statuses
            ),
            _resting_on(_("Aprovado (€)"), approved, counts, money(sum(approved))),
            _resting_on(_("Pago no período (€)"), paid, paid_apps, money(sum(paid))),
            _resting_on(
                _("Da candidatura à decisão: mediana (dias)"),
                [median(m.days_to_decision) for m in ms],
                decided,
                median(all_days),
            ),
        ],
        note=_("Montantes e tempos de menos de 5 candidaturas: «<5»."),
    )
    return Section("applications", _("Apoios de emergência"), [table])


def _work(names: list[str], ms: list[CouncilMeasures]) -> Section:
    made = [sum(r[1] for r in m.referrals.values()) for m in ms]
    table = Table(
        "work",
        _("Encaminhamentos, planos e carga, por município"),
        _columns(_("Indicador"), names),
        [
            _row(_("Encaminhamentos feitos"), made),
            _row(_("Processos com ações em atraso"), [m.overdue_cases for m in ms]),
            _row(_("Gestores de caso"), [len(m.caseload) for m in ms]),
            [
                _("Meta de agregados por gestor"),
                *(m.caseload_target for m in ms),
                None,
            ],
        ],
    )
    return Section("work", _("Trabalho técnico"), [table])


def _shelter(names: list[str], ms: list[CouncilMeasures], quality: shelter.Report) -> Section:
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
        [_row(label, [m.stays[key] for m in ms]) for key, label in keys],
    )
    rows: list[list[Cell]] = []
    by_name = {row.label: row for row in quality.councils}
    for dimension in shelter.DIMENSIONS:
        for indicator in dimension.indicators:
            rows.append(
                [
                    str(indicator.label),
                    *(
                        by_name[n].cells[indicator.key].text if n in by_name else None
                        for n in names
                    ),
                    quality.total[indicator.key].text,
                ]
            )
    dimensions = Table(
        "shelter_quality",
        _("Qualidade do acolhimento: as seis dimensões, por município"),
        _columns(_("Indicador"), names),
        rows,
        note=_("Acolhimentos feitos através do consórcio; contagens de 1 a 4: «<5»."),
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
