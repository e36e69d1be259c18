"""What the anonymised indicators dataset holds: its columns, its breakdowns and the list of
indicators, each with a stable code, its unit and its meaning.

The codes are the dataset's contract with partners and national bodies: a code keeps its
meaning for as long as :data:`SCHEMA_VERSION`'s major number stays; a new indicator or
category raises the minor number, a changed meaning or column the major one. The JSON schema
(:mod:`teia.reports.dataset_schema`) and ``docs/dataset.md`` are written from this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l

from teia.applications.labels import APPLICATION_STATUS, DECISION_OUTCOME
from teia.applications.models import ApplicationStatus
from teia.cases.labels import AREA
from teia.reports.measures import AGE_BANDS, UNKNOWN

SCHEMA_VERSION = "1.0"
COLUMNS = (
    "schema_version",
    "period_start",
    "period_end",
    "territory_type",
    "territory_code",
    "indicator",
    "breakdown",
    "category",
    "unit",
    "value",
    "suppressed",
)
TOTAL = "total"  # the category of the breakdown "none"
OTHER_PARISH = "other"  # a household's parish that is not one of the council's list
CODE_PATTERN = r"^[a-z][a-z0-9_]*$"  # support types and partner types, as their catalogues


class TerritoryType(StrEnum):
    COUNCIL = "council"
    CONSORTIUM = "consortium"


class Unit(StrEnum):
    COUNT = "count"
    MONEY = "money"  # written as the currency of the territory's country: EUR or BRL
    DAYS = "days"
    PERCENT = "percent"
    RATIO = "ratio"


CURRENCIES = {"PT": "EUR", "BR": "BRL"}
DECIMALS = {Unit.COUNT: 0, Unit.MONEY: 2, Unit.DAYS: 1, Unit.PERCENT: 1, Unit.RATIO: 1}


class Breakdown(StrEnum):
    NONE = "none"
    AREA = "area"
    AGE_BAND = "age_band"
    PARISH = "parish"
    SUPPORT_TYPE = "support_type"
    APPLICATION_STATUS = "application_status"
    DECISION_OUTCOME = "decision_outcome"
    PARTNER_TYPE = "partner_type"


BREAKDOWN_TEXT = {
    Breakdown.NONE: _l("Sem desagregação: o valor do território (categoria «total»)."),
    Breakdown.AREA: _l(
        "Área de intervenção do processo; um processo com várias áreas conta em cada uma."
    ),
    Breakdown.AGE_BAND: _l(
        "Escalão etário no dia de referência; «unknown»: sem data de nascimento."
    ),
    Breakdown.PARISH: _l(
        "Freguesia da morada do agregado: o nome da lista do município, em minúsculas, sem "
        "acentos e com «_» no lugar dos espaços; «unknown»: sem freguesia; «other»: uma "
        "freguesia fora da lista. Só nas linhas de um município."
    ),
    Breakdown.SUPPORT_TYPE: _l(
        "Tipo de apoio, pelo código do regulamento do município (p. ex. housing)."
    ),
    Breakdown.APPLICATION_STATUS: _l("A situação atual da candidatura."),
    Breakdown.DECISION_OUTCOME: _l("O sentido da deliberação."),
    Breakdown.PARTNER_TYPE: _l(
        "O tipo de entidade parceira a que o encaminhamento foi feito, pelo código do "
        "catálogo de tipos de parceiro (nunca o nome da entidade)."
    ),
}
# Breakdowns summed into a consortium's rows (a parish belongs to one council).
CONSORTIUM_BREAKDOWNS = frozenset(Breakdown) - {Breakdown.PARISH}
APPLICATION_STATUSES = tuple(s.value for s in ApplicationStatus if s != ApplicationStatus.DRAFT)
AGE_BAND_CODES = (*(code for code, _first in AGE_BANDS), UNKNOWN)


def category_labels() -> dict[Breakdown, dict[str, Any]]:
    """The fixed categories of a breakdown, with their labels (the others follow a pattern)."""
    return {
        Breakdown.NONE: {TOTAL: _l("Total")},
        Breakdown.AREA: {str(code): label for code, label in AREA.items()},
        Breakdown.AGE_BAND: {
            code: _l("Sem data de nascimento") if code == UNKNOWN else code
            for code in AGE_BAND_CODES
        },
        Breakdown.APPLICATION_STATUS: {s: APPLICATION_STATUS[s] for s in APPLICATION_STATUSES},
        Breakdown.DECISION_OUTCOME: dict(DECISION_OUTCOME),
    }


@dataclass(frozen=True)
class Indicator:
    code: str
    unit: Unit
    breakdowns: tuple[Breakdown, ...]
    description: Any  # a lazy pt-PT text
    people: bool = False  # a count of people (or what stands for them): 1 to 4 hidden
    base: str | None = None  # the count it is computed from (same breakdown and category)
    partition: Breakdown | None = None  # whose categories add up to the total
    consortium: bool = True  # also in a consortium's own rows

    @property
    def additive(self) -> bool:
        """A consortium's value is the sum of its councils'."""
        return self.unit in (Unit.COUNT, Unit.MONEY)


N, AR, AG, PA = Breakdown.NONE, Breakdown.AREA, Breakdown.AGE_BAND, Breakdown.PARISH
ST, AS, DO, PT = (
    Breakdown.SUPPORT_TYPE,
    Breakdown.APPLICATION_STATUS,
    Breakdown.DECISION_OUTCOME,
    Breakdown.PARTNER_TYPE,
)
_STATES = {
    "new": _l("abertos no período"),
    "followed": _l(
        "acompanhados no período (abertos até ao fim do período e não encerrados antes do início)"
    ),
    "closed": _l("encerrados no período"),
}


def _case_indicators() -> list[Indicator]:
    out = []
    for state, text in _STATES.items():
        out += [
            Indicator(
                f"cases_{state}",
                Unit.COUNT,
                (N, AR, PA),
                _l("Processos %(state)s.", state=text),
                people=True,
                partition=PA,
            ),
            Indicator(
                f"households_{state}",
                Unit.COUNT,
                (N,),
                _l("Agregados dos processos %(state)s, cada um uma vez.", state=text),
                people=True,
            ),
            Indicator(
                f"people_{state}",
                Unit.COUNT,
                (N, AG),
                _l(
                    "Pessoas dos processos %(state)s: os membros dos seus agregados no dia de "
                    "referência.",
                    state=text,
                ),
                people=True,
                partition=AG,
            ),
        ]
    return out


def _referral_indicators() -> list[Indicator]:
    texts = {
        "referrals_made": _l("Encaminhamentos feitos no período."),
        "referrals_accepted": _l(
            "Encaminhamentos do período aceites ou concluídos pelo parceiro (situação de hoje)."
        ),
        "referrals_refused": _l("Encaminhamentos do período recusados pelo parceiro."),
        "referrals_pending": _l("Encaminhamentos do período ainda sem resposta."),
        "referrals_cancelled": _l("Encaminhamentos do período cancelados pelo município."),
        "referrals_answered": _l(
            "Encaminhamentos do período a que o parceiro já respondeu (base do tempo de resposta)."
        ),
    }
    return [
        Indicator(code, Unit.COUNT, (N, PT), text, people=True, partition=PT)
        for code, text in texts.items()
    ]


INDICATORS: tuple[Indicator, ...] = (
    *_case_indicators(),
    Indicator(
        "applications",
        Unit.COUNT,
        (N, ST, AS),
        _l(
            "Candidaturas a apoios de emergência com data no período (sem rascunhos); por tipo "
            "de apoio, uma candidatura com vários tipos conta em cada um."
        ),
        people=True,
        partition=AS,
    ),
    Indicator(
        "amount_requested",
        Unit.MONEY,
        (N, ST),
        _l("Montante pedido nas candidaturas do período."),
        base="applications",
        partition=ST,
    ),
    Indicator(
        "amount_approved",
        Unit.MONEY,
        (N, ST),
        _l("Montante aprovado nas candidaturas do período."),
        base="applications",
        partition=ST,
    ),
    Indicator(
        "applications_paid",
        Unit.COUNT,
        (N, ST),
        _l("Candidaturas com pagamentos feitos no período (cada uma uma vez)."),
        people=True,
    ),
    Indicator(
        "amount_paid",
        Unit.MONEY,
        (N, ST),
        _l("Montante pago no período."),
        base="applications_paid",
        partition=ST,
    ),
    Indicator(
        "decisions",
        Unit.COUNT,
        (N, DO),
        _l("Deliberações sobre candidaturas com data no período."),
        people=True,
        partition=DO,
    ),
    Indicator(
        "decision_days_median",
        Unit.DAYS,
        (N,),
        _l("Mediana dos dias de calendário da data da candidatura à da deliberação."),
        base="decisions",
    ),
    Indicator(
        "decision_days_mean",
        Unit.DAYS,
        (N,),
        _l("Média dos dias de calendário da data da candidatura à da deliberação."),
        base="decisions",
    ),
    Indicator(
        "first_payments",
        Unit.COUNT,
        (N,),
        _l("Candidaturas cujo primeiro pagamento foi feito no período."),
        people=True,
    ),
    Indicator(
        "payment_days_median",
        Unit.DAYS,
        (N,),
        _l("Mediana dos dias de calendário da data da candidatura ao primeiro pagamento."),
        base="first_payments",
    ),
    Indicator(
        "payment_days_mean",
        Unit.DAYS,
        (N,),
        _l("Média dos dias de calendário da data da candidatura ao primeiro pagamento."),
        base="first_payments",
    ),
    *_referral_indicators(),
    Indicator(
        "referral_response_days_median",
        Unit.DAYS,
        (N, PT),
        _l("Mediana dos dias do pedido de encaminhamento à resposta do parceiro."),
        base="referrals_answered",
    ),
    Indicator(
        "referral_response_days_mean",
        Unit.DAYS,
        (N, PT),
        _l("Média dos dias do pedido de encaminhamento à resposta do parceiro."),
        base="referrals_answered",
    ),
    Indicator(
        "cases_with_overdue_actions",
        Unit.COUNT,
        (N,),
        _l(
            "Processos acompanhados no dia de referência com ações do plano ativo por fazer "
            "ou em curso e com prazo antes desse dia."
        ),
        people=True,
    ),
    Indicator(
        "overdue_actions",
        Unit.COUNT,
        (N,),
        _l("Essas ações em atraso."),
        people=True,
    ),
    Indicator(
        "case_managers",
        Unit.COUNT,
        (N,),
        _l(
            "Gestores de caso: quem tem esse papel no município ou processos acompanhados no "
            "dia de referência (dado do serviço, não das pessoas acompanhadas)."
        ),
    ),
    Indicator(
        "caseload_target",
        Unit.COUNT,
        (N,),
        _l("Meta de agregados por gestor de caso fixada pelo município."),
        consortium=False,
    ),
    Indicator(
        "caseload_households",
        Unit.COUNT,
        (N,),
        _l(
            "Agregados dos processos acompanhados no dia de referência, somados por gestor de "
            "caso (base da carga média)."
        ),
        people=True,
    ),
    Indicator(
        "caseload_households_mean",
        Unit.RATIO,
        (N,),
        _l("Carga média: agregados por gestor de caso no dia de referência."),
        base="caseload_households",
    ),
    Indicator(
        "stays_in_care",
        Unit.COUNT,
        (N,),
        _l("Acolhimentos em curso em algum dia do período, em qualquer unidade."),
        people=True,
    ),
    Indicator("stays_admitted", Unit.COUNT, (N,), _l("Entradas no período."), people=True),
    Indicator("stays_ended", Unit.COUNT, (N,), _l("Saídas no período."), people=True),
    Indicator(
        "stays_active",
        Unit.COUNT,
        (N,),
        _l("Acolhimentos ativos no dia de referência."),
        people=True,
    ),
    Indicator(
        "stays_prolonged",
        Unit.COUNT,
        (N,),
        _l("Acolhimentos ativos com a data prevista de fim atingida no dia de referência."),
        people=True,
    ),
    Indicator(
        "stays_readmitted",
        Unit.COUNT,
        (N,),
        _l("Entradas no período até 12 meses depois de uma saída."),
        people=True,
    ),
    Indicator(
        "stay_days_median",
        Unit.DAYS,
        (N,),
        _l("Mediana dos dias da entrada à saída, das saídas do período."),
        base="stays_ended",
    ),
    Indicator(
        "stay_days_mean",
        Unit.DAYS,
        (N,),
        _l("Média dos dias da entrada à saída, das saídas do período."),
        base="stays_ended",
    ),
    Indicator(
        "shelter_places",
        Unit.COUNT,
        (N,),
        _l("Lugares ativos nas unidades de acolhimento que o município acolhe."),
    ),
    Indicator(
        "shelter_places_occupied",
        Unit.COUNT,
        (N,),
        _l("Desses lugares, os ocupados no dia de referência."),
        people=True,
    ),
    Indicator(
        "shelter_occupancy_percent",
        Unit.PERCENT,
        (N,),
        _l("Taxa de ocupação: lugares ocupados sobre lugares, em percentagem."),
        base="shelter_places_occupied",
    ),
)
BY_CODE = {i.code: i for i in INDICATORS}
# Totals that are the sum of other indicators, for the same breakdown and category.
INDICATOR_SUMS = (
    (
        "referrals_made",
        ("referrals_accepted", "referrals_refused", "referrals_pending", "referrals_cancelled"),
    ),
)
