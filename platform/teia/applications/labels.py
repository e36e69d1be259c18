"""Portuguese labels of the application workflow, for the pages.

The regulation's own words (income sources, expenses, conditions, payment methods) are in
:mod:`teia.regulations.labels`; support types, documents and causes carry their labels in the
council's regulation.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

APPLICATION_STATUS = {
    "draft": _l("Rascunho"),
    "submitted": _l("Submetida"),
    "in_analysis": _l("Em análise"),
    "awaiting_documents": _l("A aguardar documentos"),
    "exclusion_proposed": _l("Exclusão proposta"),
    "excluded": _l("Excluída"),
    "proposed": _l("Proposta para decisão"),
    "approved": _l("Aprovada"),
    "rejected": _l("Indeferida"),
    "paid": _l("Paga"),
    "closed": _l("Encerrada"),
    "ceased": _l("Apoio cessado"),
    "withdrawn": _l("Desistência"),
}
INCOME_PERIOD = {"annual": _l("por ano"), "monthly": _l("por mês")}
DOCUMENT_STATUS = {
    "missing": _l("Em falta"),
    "received": _l("Recebido"),
    "validated": _l("Validado"),
    "rejected": _l("Recusado"),
    "waived": _l("Dispensado"),
}
REQUEST_STATUS = {
    "open": _l("Em curso"),
    "regularised": _l("Regularizado"),
    "expired": _l("Prazo terminado"),
}
# What the history says of each step.
EVENT_KIND = {
    "created": _l("Candidatura registada"),
    "submitted": _l("Candidatura submetida"),
    "analysis_started": _l("Análise iniciada"),
    "document_uploaded": _l("Documento recebido"),
    "document_validated": _l("Documento validado"),
    "document_rejected": _l("Documento recusado"),
    "documents_requested": _l("Notificação de documentos em falta"),
    "documents_regularised": _l("Candidatura regularizada"),
    "exclusion_proposed": _l("Exclusão proposta"),
    "excluded": _l("Candidatura excluída"),
    "home_visit_recorded": _l("Visita domiciliária e parecer social"),
    "proof_requested": _l("Meios de prova pedidos"),
    "condition_waived": _l("Condição dispensada"),
    "proposed": _l("Proposta de apoio"),
    "decided": _l("Deliberação"),
    "payment_recorded": _l("Pagamento"),
    "expense_proven": _l("Comprovativo da despesa"),
    "ceased": _l("Apoio cessado"),
    "refunded": _l("Devolução recebida"),
    "withdrawn": _l("Desistência"),
}
DECISION_OUTCOME = {"approved": _l("Deferir (aprovar)"), "rejected": _l("Indeferir")}


def label(labels: dict[str, object], code: str | None) -> str:
    """The label of ``code``, or the code itself when a regulation uses one of its own."""
    if not code:
        return "—"
    return str(labels.get(code, code))
