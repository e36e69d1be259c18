"""Portuguese words for the regulation language's codes, for the pages and the simulator."""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

INCOME_SOURCE = {
    "dependent_work": _l("Trabalho dependente"),
    "self_employment": _l("Trabalho independente"),
    "capital": _l("Rendimentos de capitais"),
    "property": _l("Rendimentos prediais"),
    "pensions": _l("Pensões"),
    "alimony_received": _l("Pensão de alimentos recebida"),
    "social_benefits": _l("Prestações sociais"),
    "housing_support": _l("Apoios à habitação"),
    "scholarships": _l("Bolsas de estudo e formação"),
    "undeclared": _l("Atividades não declaradas"),
    "other": _l("Outros rendimentos"),
}
EXPENSE_KIND = {
    "housing": _l("Habitação (renda ou prestação)"),
    "health": _l("Saúde"),
    "education": _l("Educação e equipamentos sociais"),
    "alimony_paid": _l("Pensão de alimentos paga"),
    "utilities": _l("Água, luz e gás"),
    "court_ordered": _l("Despesas por decisão judicial"),
    "transport": _l("Transportes"),
    "other": _l("Outras despesas"),
}
CONDITION_KIND = {
    "minimum_residence": _l("Residência mínima no concelho"),
    "minimum_age": _l("Idade mínima (ou emancipação)"),
    "no_debts_to_council": _l("Sem dívidas ao município"),
    "no_other_support_same_purpose": _l("Sem outro apoio para o mesmo fim"),
    "economic_need": _l("Situação de carência económica"),
    "maximum_assets": _l("Património máximo"),
}
FLAG = {
    "has_minors": _l("com menores"),
    "has_elderly": _l("com idosos"),
    "has_disabled": _l("com pessoa com deficiência"),
    "has_dependent": _l("com pessoa dependente"),
    "unemployed_member": _l("com desempregado"),
    "single_adult_with_minors": _l("família monoparental"),
    "social_emergency": _l("em emergência social"),
    "always": _l("sempre"),
}
PAYMENT_METHOD = {
    "bank_transfer": _l("Transferência bancária"),
    "cash": _l("Numerário"),
    "supplier": _l("Pagamento direto ao fornecedor"),
}
REFERENCE = {
    "social_pension": _l("pensão social"),
    "IAS": _l("IAS"),
    "minimum_wage": _l("salário mínimo"),
}
VARIABLE = {
    "annual_income": _l("rendimento anual"),
    "monthly_income": _l("rendimento mensal"),
    "annual_expenses": _l("despesas anuais"),
    "monthly_expenses": _l("despesas mensais"),
    "members": _l("membros"),
    "weighted_members": _l("membros ponderados"),
    "adults": _l("adultos"),
    "minors": _l("menores"),
}
DEADLINE = {
    "regularisation": _l("Regularização da candidatura"),
    "employment_centre_proof": _l("Comprovativo do Centro de Emprego"),
    "proof_of_expense": _l("Comprovativo da despesa"),
}
OUTCOME = {
    "eligible": _l("Elegível"),
    "not_eligible": _l("Não elegível"),
    "awaiting_evidence": _l("A aguardar comprovativos"),
}
CONDITION_STATUS = {
    "passed": _l("Cumprida"),
    "failed": _l("Não cumprida"),
    "waived": _l("Dispensada"),
    "awaiting_evidence": _l("A aguardar comprovativo"),
}
DETAIL = {
    "met": _l("cumprida"),
    "emancipated": _l("menor emancipado"),
    "below_minimum": _l("abaixo do mínimo exigido"),
    "unknown_fact": _l("falta a informação"),
    "in_resolution": _l("dívida em regularização"),
    "owing": _l("tem dívidas ao município"),
    "other_support": _l("já tem apoio para o mesmo fim"),
    "within_threshold": _l("rendimento per capita dentro do limiar"),
    "above_threshold": _l("rendimento per capita acima do limiar"),
    "expense_evidence_missing": _l("faltam comprovativos de despesas dedutíveis"),
    "above_maximum": _l("acima do máximo"),
    "evidence_missing": _l("falta o comprovativo"),
    "not_allowed": _l("esta condição não admite dispensa"),
    "not_applicable": _l("a dispensa não se aplica a este agregado"),
    "justification_missing": _l("a dispensa exige uma justificação"),
    "within_caps": _l("dentro dos limites"),
    "capped": _l("limitado"),
    "quotes_missing": _l("faltam orçamentos"),
    "units_missing": _l("falta o número de unidades"),
    "household_not_eligible": _l("o agregado não é elegível"),
    "unknown_support_type": _l("tipo de apoio que o regulamento não prevê"),
}
ITEM_STATUS = {
    "allowed": _l("Admitido"),
    "awaiting_evidence": _l("A aguardar comprovativo"),
    "not_eligible": _l("Não elegível"),
    "not_provided": _l("Não previsto"),
}
EXPENSE_STATUS = {
    "deducted": _l("deduzida"),
    "capped": _l("deduzida até ao limite"),
    "not_deductible": _l("não dedutível"),
    "awaiting_evidence": _l("a aguardar comprovativo"),
}
CAP_LINE = {
    "base": _l("Base"),
    "per_adult": _l("Adultos"),
    "per_minor": _l("Menores"),
    "raise": _l("Aumento"),
    "max": _l("Máximo"),
}
BOUND = {
    "lowest_quote": _l("orçamento mais baixo"),
    "max_units": _l("máximo de unidades"),
    "per_unit": _l("limite por unidade"),
    "per_application": _l("limite por candidatura"),
    "per_year": _l("limite anual do tipo de apoio"),
    "household_year": _l("limite anual do agregado"),
}
UNIT = {"night": _l("noites"), "month": _l("meses"), "session": _l("sessões")}
DEBTS = {
    "none": _l("Sem dívidas"),
    "in_resolution": _l("Dívida em regularização"),
    "owing": _l("Com dívidas"),
}

SECTION = {
    "threshold": _l("Limiar de carência económica"),
    "income": _l("Rendimentos"),
    "expenses": _l("Despesas dedutíveis"),
    "per_capita": _l("Rendimento per capita"),
    "conditions": _l("Condições de acesso"),
    "priority_groups": _l("Grupos prioritários"),
    "limits": _l("Limites anuais do agregado"),
    "support_types": _l("Tipos de apoio"),
    "documents": _l("Documentos da candidatura"),
    "deadlines": _l("Prazos"),
    "payment": _l("Pagamento"),
    "exclusion_causes": _l("Causas de exclusão"),
    "cessation_causes": _l("Causas de cessação"),
}

_WORD = re.compile(r"[A-Za-z_]+")
_NAMES: Mapping[str, object] = {**REFERENCE, **VARIABLE}


def expression_text(text: str) -> str:
    """An expression of the file in words: ``0.5 * IAS`` becomes ``0,5 x IAS`` (with the sign)."""
    worded = _WORD.sub(lambda m: str(_NAMES.get(m.group(0), m.group(0))), text)
    return worded.replace("*", "\N{MULTIPLICATION SIGN}").replace("<=", "≤").replace(".", ",")
