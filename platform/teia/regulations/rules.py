"""A regulation version as a list of rules in words, each with its article: the version page
groups them by article, and the comparison lines two versions up rule by rule."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _

from teia.regulations.expressions import Comparison, Expression
from teia.regulations.facts import MissingReferenceValue, ReferenceTable
from teia.regulations.labels import (
    CONDITION_KIND,
    DEADLINE,
    EXPENSE_KIND,
    FLAG,
    INCOME_SOURCE,
    PAYMENT_METHOD,
    UNIT,
    expression_text,
)
from teia.regulations.schema import INCOME_SOURCES, RegulationFile

SECTIONS = (
    "threshold",
    "income",
    "expenses",
    "per_capita",
    "conditions",
    "priority_groups",
    "limits",
    "support_types",
    "documents",
    "deadlines",
    "payment",
    "exclusion_causes",
    "cessation_causes",
)
_ARTICLE = re.compile(r"(\d+(?:-[A-Z])?)\.º")


@dataclass(frozen=True)
class Rule:
    section: str
    key: str  # unique within the section: what the comparison lines up
    label: str
    text: str
    article: str | None
    path: str  # where it is in the file (documented choices name such paths)
    chosen: bool = False  # a documented choice: the text left it open

    @property
    def article_number(self) -> str | None:
        found = _ARTICLE.search(self.article or "")
        return found.group(1) if found else None


@dataclass(frozen=True)
class Row:
    """One rule of the comparison: absent on a side when that version does not have it."""

    section: str
    label: str
    left: Rule | None
    right: Rule | None

    @property
    def differs(self) -> bool:
        return (self.left.text if self.left else None) != (self.right.text if self.right else None)


_MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN}


def _money(value: Decimal, places: int = 2, mode: str = "half_up") -> str:
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=_MODES[mode])
    return format_decimal(rounded, format="#,##0.00") + "\N{NO-BREAK SPACE}€"


class _Words:
    """Expressions in words, with their value on a date when the reference values are known."""

    def __init__(self, doc: RegulationFile, refs: ReferenceTable | None, on: date | None) -> None:
        self.doc, self.refs, self.on = doc, refs, on

    def amount(self, expression: Expression | None) -> str:
        if expression is None:
            return _("sem limite")
        text = expression_text(expression.text)
        if expression.constant is not None:
            return _money(expression.constant)
        if self.refs is None or self.on is None:
            return text
        try:
            values = {n: self.refs.value(n, self.on) for n in expression.names}
        except MissingReferenceValue:
            return text
        rounding = self.doc.rounding
        return f"{text} = {_money(expression(values), rounding.places, rounding.mode)}"

    def threshold(self, rule: Comparison) -> str:
        sign = "\N{LESS-THAN OR EQUAL TO}" if rule.operator == "<=" else "<"
        return _(
            "rendimento mensal per capita %(sign)s %(bound)s",
            sign=sign,
            bound=self.amount(rule.bound),
        )


def describe(
    doc: RegulationFile, refs: ReferenceTable | None = None, on: date | None = None
) -> list[Rule]:
    """Every rule of the version in words (amounts valued on ``on`` when ``refs`` are given)."""
    words = _Words(doc, refs, on)
    choices = [c.path for c in doc.documented_choices]
    return [
        Rule(r.section, r.key, r.label, r.text, r.article, r.path, _chosen(r.path, choices))
        for section in _SECTIONS
        for r in section(doc, words)
    ]


def _chosen(path: str, choices: list[str]) -> bool:
    return any(path == c or path.startswith(c + ".") for c in choices)


def _threshold(doc: RegulationFile, words: _Words) -> Iterator[Rule]:
    t = doc.threshold
    yield Rule("threshold", "rule", _("Limiar"), words.threshold(t.rule), t.article, "threshold")


def _income(doc: RegulationFile, words: _Words) -> Iterator[Rule]:
    inc = doc.income
    period = _("anual (ano civil anterior)") if inc.period == "annual" else _("mensal")
    yield Rule("income", "period", _("Rendimentos contados"), period, inc.article, "income")
    for source in INCOME_SOURCES:
        counted = _("conta") if source in inc.sources else _("não conta")
        label = str(INCOME_SOURCE.get(source, source))
        yield Rule("income", source, label, counted, inc.article, "income.sources")


def _expenses(doc: RegulationFile, words: _Words) -> Iterator[Rule]:
    for i, e in enumerate(doc.expenses.deductible):
        parts = [_("dedutível")]
        if e.monthly_cap is not None:
            parts.append(_("até %(cap)s por mês", cap=words.amount(e.monthly_cap)))
        if e.evidence:
            parts.append(_("comprovativo: %(code)s", code=_document_label(doc, e.evidence)))
        label = str(EXPENSE_KIND.get(e.kind, e.kind))
        article = e.article or doc.expenses.article
        yield Rule("expenses", e.kind, label, "; ".join(parts), article, f"expenses.deductible.{i}")


def _per_capita(doc: RegulationFile, words: _Words) -> Iterator[Rule]:
    pc = doc.per_capita
    yield Rule(
        "per_capita",
        "formula",
        _("Fórmula"),
        expression_text(pc.formula.text),
        pc.article,
        "per_capita.formula",
    )
    w = pc.member_weights
    weights = _(
        "primeiro adulto %(a)s, outros adultos %(b)s, menores %(c)s",
        a=w.first_adult,
        b=w.other_adult,
        c=w.minor,
    )
    yield Rule(
        "per_capita",
        "weights",
        _("Ponderação dos membros"),
        weights,
        pc.article,
        "per_capita.member_weights",
    )


def _condition_text(doc: RegulationFile, condition: Any, words: _Words) -> str:
    kind, params = condition.kind, condition.params
    if kind == "minimum_residence":
        text = _("pelo menos %(n)s meses de residência no concelho", n=params.months)
    elif kind == "minimum_age":
        text = _("pelo menos %(n)s anos", n=params.years)
        if params.emancipation:
            text += " " + _("(ou menor emancipado)")
    elif kind == "no_debts_to_council":
        text = _("sem dívidas ao município")
        if params.allow_in_resolution:
            text += " " + _("(admitidas as que estão em regularização)")
    elif kind == "no_other_support_same_purpose":
        text = _("sem outro apoio social para o mesmo fim")
    elif kind == "economic_need":
        text = words.threshold(doc.threshold.rule)
    else:
        text = _("património até %(amount)s", amount=words.amount(params.amount))
    waiver = condition.waiver
    if waiver is not None:
        text += "; " + _(
            "dispensável %(when)s (%(article)s)%(justified)s",
            when=FLAG.get(waiver.when, waiver.when),
            article=waiver.article,
            justified=_(", com justificação") if waiver.requires_justification else "",
        )
    if condition.evidence:
        codes = ", ".join(_document_label(doc, c) for c in condition.evidence)
        text += "; " + _("comprovativo: %(codes)s", codes=codes)
    return text


def _conditions(doc: RegulationFile, words: _Words) -> Iterator[Rule]:
    kinds = [c.kind for c in doc.conditions]
    for i, c in enumerate(doc.conditions):
        key = c.kind if kinds.count(c.kind) == 1 else f"{c.kind}:{c.id}"
        label = str(CONDITION_KIND.get(c.kind, c.kind))
        text = _condition_text(doc, c, words)
        yield Rule("conditions", key, label, text, c.article, f"conditions.{i}")


def _priority_groups(doc: RegulationFile, words: _Words) -> Iterator[Rule]:
    for i, p in enumerate(doc.priority_groups):
        text = _("prioridade a agregados %(when)s", when=FLAG.get(p.when, p.when))
        yield Rule("priority_groups", p.code, p.label, text, p.article, f"priority_groups.{i}")


def _limits(doc: RegulationFile, words: _Words) -> Iterator[Rule]:
    limits, household = doc.limits, doc.limits.household
    path = "limits.household"
    if household is None:
        yield Rule(
            "limits", "none", _("Limite anual do agregado"), _("sem limite"), limits.article, path
        )
        return
    for key, label, value in (
        ("base", _("Base por agregado e ano"), household.base),
        ("per_adult", _("Por adulto e ano"), household.per_adult),
        ("per_minor", _("Por menor e ano"), household.per_minor),
        ("max", _("Máximo por agregado e ano"), household.max),
    ):
        yield Rule("limits", key, label, words.amount(value), limits.article, f"{path}.{key}")
    for i, r in enumerate(household.raises):
        if r.add_per_member is not None:
            text = _("mais %(amount)s por membro", amount=words.amount(r.add_per_member))
        else:
            text = _("mais %(amount)s", amount=words.amount(r.add))
        label = _("Aumento para agregados %(when)s", when=FLAG.get(r.when, r.when))
        yield Rule("limits", f"raise:{r.when}", label, text, r.article, f"{path}.raises.{i}")


def _support_types(doc: RegulationFile, words: _Words) -> Iterator[Rule]:
    for i, s in enumerate(doc.support_types):
        parts = []
        if s.amount_basis == "lowest_quote":
            parts.append(_("pelo orçamento mais baixo (pelo menos %(n)s)", n=s.min_quotes))
        if s.caps.per_application is not None:
            parts.append(_("até %(a)s por candidatura", a=words.amount(s.caps.per_application)))
        if s.caps.per_year is not None:
            parts.append(_("até %(a)s por ano", a=words.amount(s.caps.per_year)))
        if s.units is not None:
            unit = str(UNIT.get(s.units.name, s.units.name))
            if s.units.max_per_application:
                parts.append(_("máximo %(n)s %(unit)s", n=s.units.max_per_application, unit=unit))
            if s.units.cap_per_unit is not None:
                parts.append(_("até %(a)s por unidade", a=words.amount(s.units.cap_per_unit)))
        if s.evidence:
            codes = ", ".join(_document_label(doc, c) for c in s.evidence)
            parts.append(_("comprovativo: %(codes)s", codes=codes))
        text = "; ".join(parts) or _("dentro dos limites do agregado")
        yield Rule("support_types", s.code, s.label, text, s.article, f"support_types.{i}")


def _document_label(doc: RegulationFile, code: str) -> str:
    found = next((d for d in doc.documents if d.code == code), None)
    return found.label if found else code


def _when(when: str) -> str:
    kind, _sep, value = when.partition(":")
    if kind == "expense":
        return _("com a despesa: %(what)s", what=EXPENSE_KIND.get(value, value))
    if kind == "support":
        return _("com o apoio: %(what)s", what=value)
    if kind == "payment":
        return _("com o pagamento: %(what)s", what=PAYMENT_METHOD.get(value, value))
    if kind == "income":
        return _("com o rendimento: %(what)s", what=INCOME_SOURCE.get(value, value))
    return str(FLAG.get(when, when))


def _documents(doc: RegulationFile, words: _Words) -> Iterator[Rule]:
    for i, d in enumerate(doc.documents):
        text = _("pedido %(when)s", when=_when(d.when))
        if d.deadline:
            text += "; " + _("prazo próprio: %(name)s", name=DEADLINE.get(d.deadline, d.deadline))
        yield Rule("documents", d.code, d.label, text, d.article, f"documents.{i}")


def _deadlines(doc: RegulationFile, words: _Words) -> Iterator[Rule]:
    for name, d in doc.deadlines.items():
        if d.working_days is not None:
            text = _("%(n)s dias úteis", n=d.working_days)
        elif d.calendar_days is not None:
            text = _("%(n)s dias seguidos", n=d.calendar_days)
        else:
            text = _("até ao fim do %(n)s.º mês seguinte", n=d.end_of_month_after)
        label = str(DEADLINE.get(name, name))
        yield Rule("deadlines", name, label, text, d.article, f"deadlines.{name}")


def _payment(doc: RegulationFile, words: _Words) -> Iterator[Rule]:
    p = doc.payment
    methods = ", ".join(str(PAYMENT_METHOD.get(m, m)) for m in p.methods)
    yield Rule("payment", "methods", _("Formas de pagamento"), methods, p.article, "payment")
    when = _("só depois da deliberação") if p.after_decision else _("antes da deliberação")
    yield Rule("payment", "after_decision", _("Pagamento"), when, p.article, "payment")


def _causes(doc: RegulationFile, words: _Words) -> Iterator[Rule]:
    for i, c in enumerate(doc.exclusion_causes):
        yield Rule(
            "exclusion_causes", c.code, c.label, _("exclusão"), c.article, f"exclusion_causes.{i}"
        )
    for i, cc in enumerate(doc.cessation_causes):
        text = _("cessação com devolução do apoio") if cc.refund else _("cessação")
        yield Rule("cessation_causes", cc.code, cc.label, text, cc.article, f"cessation_causes.{i}")


_SECTIONS: tuple[Callable[[RegulationFile, _Words], Iterator[Rule]], ...] = (
    _threshold,
    _income,
    _expenses,
    _per_capita,
    _conditions,
    _priority_groups,
    _limits,
    _support_types,
    _documents,
    _deadlines,
    _payment,
    _causes,
)


def by_article(doc: RegulationFile, rules: list[Rule]) -> list[tuple[str, str, list[Rule]]]:
    """The rules grouped under the article each cites first, in the articles' order."""
    groups: dict[str, list[Rule]] = {}
    for rule in rules:
        groups.setdefault(rule.article_number or "", []).append(rule)

    def order(number: str) -> tuple[int, str]:
        digits = number.split("-")[0]
        return (int(digits) if digits.isdigit() else 10**6, number)

    return [(n, doc.articles.get(n, ""), groups[n]) for n in sorted(groups, key=order)]


def compare(left: list[Rule], right: list[Rule]) -> list[Row]:
    """The two versions' rules lined up by section and key, in the sections' order."""
    rights = {(r.section, r.key): r for r in right}
    rows = []
    seen = set()
    for rule in left:
        other = rights.get((rule.section, rule.key))
        rows.append(Row(rule.section, rule.label, rule, other))
        seen.add((rule.section, rule.key))
    rows.extend(Row(r.section, r.label, None, r) for r in right if (r.section, r.key) not in seen)
    return sorted(rows, key=lambda row: SECTIONS.index(row.section))


def by_section(rows: list[Row]) -> list[tuple[str, list[Row]]]:
    """The comparison's rows under their sections, in the sections' order."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(row.section, []).append(row)
    return [(s, groups[s]) for s in SECTIONS if s in groups]
