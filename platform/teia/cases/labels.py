"""Portuguese labels of the case vocabularies, for pages, notifications and exports."""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from teia.cases.models import (
    ActionStatus,
    Area,
    CaseStatus,
    EventKind,
    LegalBasis,
    ReferralStatus,
    RiskFlag,
    Section,
)
from teia.people.models import DocumentKind, Relationship

AREA = {
    Area.SOCIAL_ACTION: _l("Ação social"),
    Area.HOUSING: _l("Habitação"),
    Area.HEALTH: _l("Saúde"),
    Area.EDUCATION: _l("Educação"),
    Area.EMPLOYMENT: _l("Emprego e formação"),
    Area.INCOME: _l("Rendimentos e prestações"),
    Area.JUSTICE: _l("Justiça"),
    Area.FAMILY: _l("Família e parentalidade"),
}
RISK_FLAG = {
    RiskFlag.CHILD_AT_RISK: _l("Criança ou jovem em perigo"),
    RiskFlag.DOMESTIC_VIOLENCE: _l("Violência doméstica"),
    RiskFlag.ISOLATED_ELDERLY: _l("Pessoa idosa isolada"),
    RiskFlag.HOMELESSNESS: _l("Situação de sem-abrigo"),
    RiskFlag.SEVERE_DEPRIVATION: _l("Carência económica grave"),
    RiskFlag.MENTAL_HEALTH: _l("Saúde mental"),
}
CASE_STATUS = {
    CaseStatus.OPEN: _l("Aberto"),
    CaseStatus.SUSPENDED: _l("Suspenso"),
    CaseStatus.CLOSED: _l("Encerrado"),
}
EVENT_KIND = {
    EventKind.CONTACT: _l("Atendimento ou contacto"),
    EventKind.HOME_VISIT: _l("Visita domiciliária"),
    EventKind.MEETING: _l("Reunião"),
    EventKind.NOTE: _l("Nota"),
}
ACTION_STATUS = {
    ActionStatus.PLANNED: _l("Planeada"),
    ActionStatus.IN_PROGRESS: _l("Em curso"),
    ActionStatus.DONE: _l("Concluída"),
    ActionStatus.CANCELLED: _l("Cancelada"),
}
REFERRAL_STATUS = {
    ReferralStatus.PENDING: _l("A aguardar resposta"),
    ReferralStatus.ACCEPTED: _l("Aceite"),
    ReferralStatus.REFUSED: _l("Recusado"),
    ReferralStatus.COMPLETED: _l("Concluído"),
    ReferralStatus.CANCELLED: _l("Cancelado"),
}
SECTION = {
    Section.IDENTIFICATION: _l("Identificação do agregado"),
    Section.DIAGNOSIS: _l("Diagnóstico"),
    Section.PLAN: _l("Ações do plano atribuídas à entidade"),
    Section.REFERRALS: _l("Encaminhamentos para a entidade"),
    Section.TIMELINE: _l("Registos não confidenciais"),
}
LEGAL_BASIS = {
    LegalBasis.CONSENT: _l("Consentimento"),
    LegalBasis.LEGAL_OBLIGATION: _l("Obrigação legal"),
    LegalBasis.PUBLIC_INTEREST: _l("Interesse público"),
    LegalBasis.VITAL_INTEREST: _l("Interesses vitais"),
}
RELATIONSHIP = {
    Relationship.REPRESENTATIVE: _l("Representante"),
    Relationship.SPOUSE: _l("Cônjuge ou companheiro/a"),
    Relationship.CHILD: _l("Filho/a"),
    Relationship.PARENT: _l("Pai ou mãe"),
    Relationship.SIBLING: _l("Irmão/irmã"),
    Relationship.GRANDCHILD: _l("Neto/a"),
    Relationship.GRANDPARENT: _l("Avô/avó"),
    Relationship.OTHER_RELATIVE: _l("Outro familiar"),
    Relationship.OTHER: _l("Outra relação"),
}
DOCUMENT_KIND = {
    DocumentKind.CITIZEN_CARD: _l("Cartão de Cidadão"),
    DocumentKind.PASSPORT: _l("Passaporte"),
    DocumentKind.RESIDENCE_PERMIT: _l("Autorização de residência"),
    DocumentKind.OTHER: _l("Outro documento"),
}
# What the case's access log says of each audited action.
AUDIT_ACTION = {
    "case.read": _l("Consulta"),
    "case.opened": _l("Abertura do processo"),
    "case.status_changed": _l("Mudança de estado"),
    "case.shared": _l("Partilha criada"),
    "case.share_revoked": _l("Partilha revogada"),
    "case.emergency_access": _l("Acesso de emergência"),
    "case.anonymised": _l("Anonimização (prazo de conservação)"),
    "plan.saved": _l("Plano guardado"),
    "plan_action.updated": _l("Ação do plano atualizada"),
    "referral.created": _l("Encaminhamento enviado"),
    "referral.answered": _l("Resposta a encaminhamento"),
}
# The part of the case a read covered (``details.section`` of a ``case.read``).
READ_SECTION = {
    "summary": _l("resumo"),
    "timeline": _l("registos"),
    "diagnosis": _l("diagnóstico"),
    "plan": _l("plano"),
    "referrals": _l("encaminhamentos"),
}


_RESOLVED: dict[tuple[int, str], dict[str, str]] = {}


def resolved(labels: dict[Any, Any]) -> dict[str, str]:
    """The labels translated, for a page that shows them on every row: once per locale and
    process (the label tables are module constants; read-only for the pages)."""
    key = (id(labels), str(get_locale()))
    found = _RESOLVED.get(key)
    if found is None:
        found = _RESOLVED[key] = {str(k): str(v) for k, v in labels.items()}
    return found
