"""A council's indicators for a period, as a :class:`~teia.reports.figures.Report`.

The counts come from :mod:`teia.reports.measures` (defined there) and from the shelter's six
quality dimensions (:mod:`teia.shelter.indicators`). Each table says how its figure is
defined and, row by row, which permission-checked list shows what was counted (when a list
with that filter exists).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from teia.applications.labels import APPLICATION_STATUS, DECISION_OUTCOME
from teia.cases.labels import AREA
from teia.core.tenancy import tenant_scope
from teia.regulations.services import regulation_doc, versions
from teia.reports.figures import Cell, Chart, Report, Section, Series, Table
from teia.reports.measures import AGE_BANDS, STATES, UNKNOWN, CouncilMeasures, measure
from teia.reports.stats import mean, median
from teia.shelter import indicators as shelter
from teia.tenants.models import Tenant

Progress = Callable[[int, str], None]


def path_for(endpoint: str, **values: object) -> str:
    """The path of a page, outside a request too (a report built by the worker)."""
    adapter = current_app.url_map.bind("localhost")
    return adapter.build(endpoint, {k: v for k, v in values.items() if v is not None})


def state_labels() -> list[str]:
    return [_("Novos"), _("Acompanhados"), _("Encerrados")]


def money(amount: Decimal | int | None) -> float:
    return float(round(Decimal(amount or 0), 2))


def period_text(start: date, end: date) -> str:
    return _("%(start)s a %(end)s", start=start.strftime("%d/%m/%Y"), end=end.strftime("%d/%m/%Y"))


def council_report(
    session: Session,
    council_id: int,
    start: date,
    end: date,
    *,
    progress: Progress = lambda p, s: None,
) -> Report:
    """The council's report for ``start``..``end`` (both included), counted in its scope."""
    tenant = session.get(Tenant, council_id)
    if tenant is None:
        raise LookupError(council_id)
    with tenant_scope(council_id):
        progress(10, _("Casos, candidaturas e encaminhamentos"))
        m = measure(session, tenant, start, end)
        supports = support_labels(session, council_id)
        progress(60, _("Acolhimento"))
        quality = shelter.council_report(session, tenant, shelter.Period(start, end))
    progress(90, _("Quadros"))
    return Report(
        title=_("Indicadores do município"),
        subtitle=f"{tenant.official_name} · {period_text(start, end)}",
        sections=[
            cases_section(m, tenant.slug),
            applications_section(m, supports, tenant.slug),
            referrals_section(m, tenant.slug),
            plans_section(m),
            caseload_section(m, tenant.slug),
            shelter_section(m, quality, tenant.slug),
        ],
    )


def cases_section(m: CouncilMeasures, slug: str) -> Section:
    columns = [_("Indicador"), *state_labels()]
    summary = Table(
        "cases_summary",
        _("Agregados e pessoas acompanhados"),
        columns,
        [
            [_("Processos"), *(m.cases[s] for s in STATES)],
            [_("Agregados"), *(m.households[s] for s in STATES)],
            [_("Pessoas"), *(m.people[s] for s in STATES)],
        ],
        links=[path_for("cases.index", tenant=slug), None, None],
        note=_(
            "Novos: processos abertos no período; acompanhados: abertos até ao fim do período "
            "e não encerrados antes do início; encerrados: encerrados no período. Pessoas: os "
            "membros dos agregados desses processos no dia de referência."
        ),
    )
    by_area = Table(
        "cases_by_area",
        _("Processos por área de intervenção"),
        [_("Área"), *state_labels()],
        [[str(AREA[a]), *(counts[s] for s in STATES)] for a, counts in m.by_area.items()],
        links=[path_for("cases.index", tenant=slug, area=a) for a in m.by_area],
        note=_("Um processo com várias áreas conta em cada uma delas."),
    )
    bands = [code for code, _first in AGE_BANDS] + [UNKNOWN]
    by_age = Table(
        "people_by_age",
        _("Pessoas por escalão etário"),
        [_("Escalão"), *state_labels()],
        [
            [_("Sem data de nascimento") if b == UNKNOWN else b, *(m.by_age[b][s] for s in STATES)]
            for b in bands
        ],
        note=_("Idade no dia de referência (o fim do período, ou hoje se ainda não terminou)."),
    )
    by_parish = Table(
        "cases_by_parish",
        _("Processos por freguesia"),
        [_("Freguesia"), *state_labels()],
        [
            [name or _("Sem freguesia"), *(counts[s] for s in STATES)]
            for name, counts in m.by_parish.items()
        ],
        note=_("A freguesia da morada do agregado."),
    )
    chart = Chart(
        "cases_by_area",
        _("Processos acompanhados por área"),
        "hbar",
        [str(AREA[a]) for a in m.by_area],
        [Series(_("Acompanhados"), [float(c["followed"]) for c in m.by_area.values()])],
    )
    return Section("cases", _("Processos"), [summary, by_area, by_age, by_parish], [chart])


def support_labels(session: Session, council_id: int) -> dict[str, str]:
    """The council's support types, code -> label, in its regulation's order: the latest
    version's wording, then the types only earlier versions had."""
    labels: dict[str, str] = {}
    for version in versions(session, council_id):
        for support in regulation_doc(version).support_types:
            labels.setdefault(support.code, support.label)
    return labels


def days_row(label: str, histogram: Counter[int]) -> list[Cell]:
    return [label, sum(histogram.values()), median(histogram), mean(histogram)]


def applications_section(m: CouncilMeasures, labels: dict[str, str], slug: str) -> Section:
    found = set(m.by_support) | set(m.paid_by_support)
    # The regulation's order; a code no version of it knows, by its code, at the end.
    kinds = [k for k in labels if k in found] + sorted(found - set(labels))
    by_support = Table(
        "applications_by_support",
        _("Candidaturas a apoios de emergência por tipo de apoio"),
        [_("Tipo de apoio"), _("Candidaturas"), _("Pedido (€)"), _("Aprovado (€)"), _("Pago (€)")],
        [
            [
                labels.get(kind, kind),
                m.by_support.get(kind, (0, 0, 0))[0],
                money(m.by_support.get(kind, (0, 0, 0))[1]),
                money(m.by_support.get(kind, (0, 0, 0))[2]),
                money(m.paid_by_support.get(kind, (0, 0))[1]),
            ]
            for kind in kinds
        ],
        links=[path_for("applications.index", tenant=slug, support_type=k) for k in kinds],
        note=_(
            "Candidaturas com data no período (sem rascunhos) e os montantes pedidos e "
            "aprovados dos seus apoios; pago: pagamentos feitos no período."
        ),
    )
    statuses = [s for s in APPLICATION_STATUS if m.by_status.get(s)]
    by_status = Table(
        "applications_by_status",
        _("Candidaturas do período por situação atual"),
        [_("Situação"), _("Candidaturas")],
        [[str(APPLICATION_STATUS[s]), m.by_status[s]] for s in statuses],
        links=[path_for("applications.index", tenant=slug, status=s) for s in statuses],
        note=_("A situação em que cada candidatura do período está hoje."),
    )
    decisions = Table(
        "applications_decisions",
        _("Decisões no período"),
        [_("Decisão"), _("Candidaturas")],
        [[str(label), m.decisions.get(code, 0)] for code, label in DECISION_OUTCOME.items()],
        note=_("Deliberações com data no período."),
    )
    timing = Table(
        "applications_timing",
        _("Tempos de resposta"),
        [_("Indicador"), _("Candidaturas"), _("Mediana (dias)"), _("Média (dias)")],
        [
            days_row(_("Da candidatura à decisão"), m.days_to_decision),
            days_row(_("Da candidatura ao primeiro pagamento"), m.days_to_payment),
        ],
        note=_(
            "Dias de calendário da data da candidatura à da decisão (decisões no período) e "
            "à do primeiro pagamento (primeiros pagamentos no período)."
        ),
    )
    chart = Chart(
        "applications_by_support",
        _("Montantes por tipo de apoio (€)"),
        "hbar",
        [labels.get(k, k) for k in kinds],
        [
            Series(_("Aprovado"), [money(m.by_support.get(k, (0, 0, 0))[2]) for k in kinds]),
            Series(_("Pago"), [money(m.paid_by_support.get(k, (0, 0))[1]) for k in kinds]),
        ],
    )
    return Section(
        "applications",
        _("Apoios de emergência"),
        [by_support, by_status, decisions, timing],
        [chart],
    )


def referrals_section(m: CouncilMeasures, slug: str) -> Section:
    rows: list[list[Cell]] = []
    for org_id, (name, made, accepted, refused, pending) in m.referrals.items():
        days = m.response_days.get(org_id)
        rows.append([name, made, accepted, refused, pending, median(days) if days else None])
    table = Table(
        "referrals_by_partner",
        _("Encaminhamentos por parceiro"),
        [
            _("Parceiro"),
            _("Feitos"),
            _("Aceites"),
            _("Recusados"),
            _("Sem resposta"),
            _("Mediana de resposta (dias)"),
        ],
        rows,
        note=_(
            "Encaminhamentos feitos no período, pela situação de hoje; a resposta conta do dia "
            "do pedido ao dia em que o parceiro respondeu."
        ),
    )
    chart = Chart(
        "referrals_by_partner",
        _("Encaminhamentos por parceiro"),
        "hbar",
        [name for name, *_rest in m.referrals.values()],
        [Series(_("Feitos"), [float(r[1]) for r in m.referrals.values()])],
    )
    return Section("referrals", _("Encaminhamentos"), [table], [chart])


def plans_section(m: CouncilMeasures) -> Section:
    table = Table(
        "plans_overdue",
        _("Planos com ações em atraso"),
        [_("Indicador"), _("Número")],
        [
            [_("Processos com ações em atraso"), m.overdue_cases],
            [_("Ações em atraso"), m.overdue_actions],
        ],
        note=_(
            "Ações por fazer ou em curso do plano ativo, com prazo antes do dia de referência, "
            "em processos acompanhados nesse dia."
        ),
    )
    return Section("plans", _("Planos de intervenção"), [table])


def caseload_section(m: CouncilMeasures, slug: str) -> Section:
    target = m.caseload_target
    table = Table(
        "caseload",
        _("Carga por gestor de caso"),
        [_("Gestor de caso"), _("Processos"), _("Agregados"), _("Meta"), _("% da meta")],
        [
            [name, n, households, target, round(100 * households / target, 1) if target else None]
            for name, n, households in m.caseload.values()
        ],
        links=[path_for("cases.index", tenant=slug, manager=uid) for uid in m.caseload],
        note=_(
            "Processos acompanhados no dia de referência e os seus agregados, contra a meta de "
            "agregados por gestor que o município fixou."
        ),
    )
    chart = Chart(
        "caseload",
        _("Agregados por gestor de caso e meta"),
        "hbar",
        [name for name, *_rest in m.caseload.values()],
        [
            Series(_("Agregados"), [float(h) for _n, _c, h in m.caseload.values()]),
            Series(_("Meta"), [float(target)] * len(m.caseload)),
        ],
    )
    return Section("caseload", _("Carga de trabalho"), [table], [chart])


def shelter_section(m: CouncilMeasures, quality: shelter.Report, slug: str) -> Section:
    s = m.stays
    occupancy = round(100 * m.occupied / m.places, 1) if m.places else None
    stays = Table(
        "shelter_stays",
        _("Acolhimento"),
        [_("Indicador"), _("Valor")],
        [
            [_("Acolhimentos em curso no período"), s["in_care"]],
            [_("Entradas no período"), s["admitted"]],
            [_("Saídas no período"), s["ended"]],
            [_("Acolhimentos ativos no dia de referência"), s["active"]],
            [_("Acolhimentos prolongados (além da duração prevista)"), s["prolonged"]],
            [_("Reacolhimentos até 12 meses após uma saída"), s["readmitted"]],
            [_("Duração das saídas do período: mediana (dias)"), median(m.stay_days)],
            [_("Duração das saídas do período: média (dias)"), mean(m.stay_days)],
            [_("Lugares nas unidades do município"), m.places],
            [_("Lugares ocupados no dia de referência"), m.occupied],
            [_("Taxa de ocupação (%)"), occupancy],
        ],
        note=_(
            "Acolhimentos das pessoas acompanhadas pelo município, em qualquer unidade; "
            "prolongado: ativo com a data prevista de fim atingida. Ocupação: os lugares ativos "
            "das unidades que o município acolhe, ocupados no dia de referência."
        ),
    )
    rows: list[list[Cell]] = []
    for dimension in shelter.DIMENSIONS:
        for indicator in dimension.indicators:
            cell = quality.total[indicator.key]
            rows.append([str(dimension.title), str(indicator.label), cell.text, cell.detail])
    dimensions = Table(
        "shelter_quality",
        _("Qualidade do acolhimento: as seis dimensões"),
        [_("Dimensão"), _("Indicador"), _("Valor"), _("Base")],
        rows,
        links=[
            path_for(
                "shelter_indicators.council",
                tenant=slug,
                start=m.start.isoformat(),
                end=m.end.isoformat(),
            )
        ]
        * len(rows),
        note=_("As definições de cada indicador estão na página de indicadores do acolhimento."),
    )
    return Section("shelter", _("Acolhimento"), [stays, dimensions])
