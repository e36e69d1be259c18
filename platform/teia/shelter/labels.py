"""Portuguese labels of the shelter pool, for pages, forms and messages (one place for all)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

SEX_RULE = {
    "any": _l("Qualquer"),
    "female": _l("Só mulheres / raparigas"),
    "male": _l("Só homens / rapazes"),
}
SEX = {"F": _l("Feminino"), "M": _l("Masculino"), "X": _l("Outro / não indicado")}
RISK = {"critical": _l("Crítico"), "high": _l("Elevado"), "moderate": _l("Moderado")}
URGENCY = {
    "immediate": _l("Imediata (hoje)"),
    "days": _l("Em 72 horas"),
    "planned": _l("Programada"),
}
PROFILE_STATUS = {
    "waiting": _l("Em fila"),
    "offered": _l("Vaga oferecida"),
    "placed": _l("Acolhido"),
    "cancelled": _l("Cancelado"),
}
ALLOCATION_STATUS = {
    "offered": _l("oferecida"),
    "accepted": _l("aceite pela unidade"),
    "refused": _l("recusada pela unidade"),
    "expired": _l("expirada"),
    "withdrawn": _l("retirada"),
    "admitted": _l("ocupada (acolhimento em curso)"),
    "discharged": _l("terminada (desligamento)"),
}
# The desk's log: what each entry says happened.
EVENT_ACTION = {
    "queued": _l("Pedido entrou na fila"),
    "offered": _l("Vaga oferecida"),
    "accepted": _l("Oferta aceite pela unidade"),
    "refused": _l("Oferta recusada pela unidade"),
    "expired": _l("Oferta expirada sem resposta"),
    "withdrawn": _l("Oferta retirada"),
    "admitted": _l("Admissão registada"),
    "discharged": _l("Desligamento registado"),
    "cancelled": _l("Pedido cancelado pelo município"),
}
REQUEST_STATUS = {"open": _l("Em fila"), "placed": _l("Acolhido"), "cancelled": _l("Cancelado")}
# The seed's checklist of indicators of the need for shelter.
INDICATORS = {
    "imminent_risk": _l(
        "Risco iminente à integridade física ou psicológica (ameaça, violência grave, "
        "exploração, coação, tentativa de homicídio)"
    ),
    "serious_neglect": _l(
        "Negligência grave com prejuízo significativo (falta de cuidados básicos, abandono, "
        "privação extrema)"
    ),
    "no_carer": _l(
        "Ausência de responsável, ou responsável impossibilitado de cuidar (hospitalização, "
        "prisão, desaparecimento, incapacidade sem rede)"
    ),
    "expulsion": _l(
        "Conflito familiar intenso com expulsão do domicílio, ou ambiente que impede a "
        "permanência segura"
    ),
    "dependency_without_support": _l(
        "Dependência de cuidados sem suporte (pessoa idosa ou com deficiência sem cuidador)"
    ),
    "protective_measure": _l(
        "Medida de proteção determinada por autoridade competente (sobretudo crianças e jovens)"
    ),
}
# What must not, alone, justify a placement (the seed's list).
ISOLATED_FACTORS = {
    "poverty": _l("Pobreza ou precariedade habitacional"),
    "unassessed_conflict": _l("Conflito familiar sem avaliação de risco nem tentativa de mediação"),
    "substance_use": _l("Uso de substâncias"),
}
PROTECTIVE_BODY = {
    "none": _l("Nenhum"),
    "cpcj": _l("CPCJ (Comissão de Proteção de Crianças e Jovens)"),
    "conselho_tutelar": _l("Conselho Tutelar"),
    "court": _l("Tribunal"),
    "public_prosecutor": _l("Ministério Público"),
    "police": _l("Órgão de polícia criminal"),
}
# Constraints that may cross the border with the profile (fixed codes: never free text).
CONSTRAINTS = {
    "with_children": _l("Acompanhada de filhos menores"),
    "siblings_together": _l("Irmãos a acolher juntos"),
    "pregnant": _l("Gravidez"),
    "mental_health_support": _l("Precisa de acompanhamento em saúde mental"),
    "no_contact_with_aggressor": _l("Sem contacto com o agressor (local reservado)"),
}
MAIN_GOAL = {
    "return_family": _l("Regresso à família"),
    "extended_family": _l("Integração na família alargada"),
    "autonomy": _l("Autonomia com habitação"),
    "other": _l("Outra saída protetiva"),
}
GOAL_TERM = {"short": _l("Curto prazo"), "medium": _l("Médio prazo")}
RESPONSIBLE = {
    "unit": _l("Unidade de acolhimento"),
    "team": _l("Equipa técnica"),
    "family": _l("Família"),
    "protective_body": _l("CPCJ / Conselho Tutelar"),
    "health": _l("Saúde"),
    "school": _l("Escola"),
    "court": _l("Tribunal / Ministério Público"),
    "other": _l("Outro"),
}
REVIEW_PROGRESS = {
    "advance": _l("Avanço"),
    "setback": _l("Retrocesso"),
    "none": _l("Sem alteração"),
}
CONTACT_KIND = {
    "family_visit": _l("Visita familiar"),
    "family_call": _l("Contacto telefónico / videochamada com a família"),
    "outing": _l("Saída programada"),
    "community": _l("Contacto com a comunidade (escola, saúde, vizinhança)"),
    "heard": _l("Audição da pessoa acolhida (participação nas decisões)"),
    "incident": _l("Incidente"),
    "no_visit_reason": _l("Justificação técnica para não haver visitas"),
}
BLOCKER_KIND = {
    "documents": _l("Documentos"),
    "court_decision": _l("Decisão judicial"),
    "health": _l("Saúde"),
    "school": _l("Escola"),
    "extended_family": _l("Família alargada"),
    "housing": _l("Habitação"),
    "other": _l("Outro"),
}
# The seed's five steps of a protected discharge.
DISCHARGE_STEPS = {
    1: _l("Confirmação das condições de segurança (risco atual, rede de apoio, habitação)"),
    2: _l("Plano pós-desligamento pactuado (quem acompanha, frequência, onde pedir ajuda)"),
    3: _l("Continuidade de serviços garantida (saúde, escola, documentação, benefícios)"),
    4: _l("Entrega organizada de documentos e informações (medicação, encaminhamentos)"),
    5: _l("Acompanhamento intensivo inicial (contactos mais frequentes nas primeiras semanas)"),
}
END_REASON = {
    "return_family": _l("Regresso à família"),
    "extended_family": _l("Família alargada"),
    "autonomy": _l("Autonomia"),
    "transfer": _l("Transferência para outra resposta"),
    "adoption": _l("Adoção"),
    "absconded": _l("Saída não planeada (fuga / abandono)"),
    "death": _l("Falecimento"),
    "other": _l("Outro"),
}
# The seed's quick on-call path, question by question.
QUICK_QUESTIONS = {
    "serious_risk": _l("1) Há risco atual grave?"),
    "protect_at_home": _l("2) É possível proteger sem afastar do domicílio hoje?"),
    "safe_network": _l("3) Existe família alargada ou rede protetiva imediata e segura?"),
    "protective_body_called": _l(
        "4) Se criança ou jovem: a CPCJ / o Conselho Tutelar foi acionado e a medida de "
        "proteção formalizada?"
    ),
    "modality": _l("5) Modalidade de acolhimento adequada ao perfil"),
    "reception": _l("6) Acolhida qualificada garantida: registo e referência técnica"),
    "plan_started": _l("7) Plano individual/familiar a iniciar com metas e prazos"),
    "exit_planned": _l(
        "8) Saída (desinstitucionalização) e pós-desligamento planeados desde o início"
    ),
}

# --- H3: placement requests, the quick decision, admission ---------------------------------
# (PLAN_KIND, the PIA/PIF labels of the admission form, is in H4's block below.)
QUICK_OUTCOME = {
    "request": _l("Pedido de vaga"),
    "no_shelter": _l("Não acolher: proteção alternativa"),
}

# --- the regulation desk (ranking and queue) -----------------------------------------------
# The rules behind a candidate's position (ranking.POINTS gives their points).
RANK_RULE = {
    "same_council": _l("mesmo concelho"),
    "neighbour": _l("concelho vizinho"),
    "rest": _l("resto do consórcio"),
    "safety_rest": _l("fora do território (resto do consórcio), por segurança"),
    "safety_neighbour": _l("concelho vizinho, por segurança depois dos mais afastados"),
    "own_quota": _l("quota do município"),
}
# Why a unit of the pool is not a candidate (ranking.REASONS).
EXCLUSION_REASON = {
    "inactive": _l("unidade inativa"),
    "age": _l("a idade não cabe no público pedido"),
    "public": _l("sem lugares deste público no conjunto"),
    "sex": _l("a regra de sexo da unidade não admite a pessoa"),
    "accessibility": _l("sem acessibilidade"),
    "intensive_care": _l("sem cuidados intensivos"),
    "modality": _l("modalidade não pedida"),
    "safety": _l("fora do território, por segurança"),
    "quota": _l("vagas livres reservadas a outro município"),
    "no_free_place": _l("sem vaga livre"),
}
# The territoriality tier of a unit relative to the request's anchor council (ranking.Tier).
TIER = {
    "same_council": _l("Mesmo concelho"),
    "neighbour": _l("Concelho vizinho"),
    "rest": _l("Resto do consórcio"),
}

# --- stays, plans, warning signs and follow-up (H4) -----------------------------------------
STAY_STATUS = {"active": _l("Em acolhimento"), "discharged": _l("Desligado")}
PLAN_KIND = {
    "pia": _l("PIA (plano individual de acompanhamento)"),
    "pif": _l("PIF (plano familiar de acompanhamento)"),
}
GOAL_STATUS = {"open": _l("Em curso"), "done": _l("Cumprida"), "dropped": _l("Abandonada")}
# The warning signs of undue institutionalisation (the seed's list), each a reminder kind.
WARNING_SIGN = {
    "stay_prolonged": _l("Acolhimento prolongado"),
    "care_plan_incomplete": _l("Plano sem objetivo principal, metas ou prazos"),
    "care_plan_stalled": _l("Reavaliações sem mudança"),
    "no_family_contact": _l("Sem contacto familiar nem justificação técnica"),
    "care_plan_review_due": _l("Reavaliação do plano por fazer"),
}
# What the seed says to monitor after discharge.
FOLLOW_UP_TOPIC = {
    "school": _l("Frequência escolar e rotina diária"),
    "family": _l("Convivência familiar (conflitos, violência, capacidade de cuidado)"),
    "health": _l("Saúde física e mental (tratamentos, crises, acesso a serviços)"),
    "income": _l("Rendimento e condições materiais mínimas"),
    "network": _l("Rede de apoio (adultos de referência, vizinhança, serviços)"),
}
