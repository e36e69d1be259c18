"""The applications' state machine: which step may run from which status, by which roles, and
the one helper that records a step (history entry and audit event together)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from teia.accounts.models import Role
from teia.applications.models import (
    FINAL_STATUSES,
    Application,
    ApplicationEvent,
    ApplicationStatus,
)
from teia.audit.services import audit

S = ApplicationStatus

INTAKE_ROLES = frozenset({Role.TECHNICIAN, Role.CASE_MANAGER, Role.TENANT_ADMIN})
DECISION_ROLES = frozenset({Role.DECISION_MAKER})
FINANCE_ROLES = frozenset({Role.FINANCE})
EXCLUSION_ROLES = frozenset({Role.DECISION_MAKER, Role.TENANT_ADMIN})
# Who may read applications at all; partners see nothing of them.
READ_ROLES = INTAKE_ROLES | DECISION_ROLES | FINANCE_ROLES


class ApplicationError(ValueError):
    """A step refused; the message is for the user, ``field`` names the input at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotAllowed(ApplicationError):
    """The user's role in the council does not allow the step (403, not 422)."""


@dataclass(frozen=True)
class Actor:
    """Who acts: a user with their roles in the council, or the daily task (``user_id`` None)."""

    user_id: int | None
    roles: frozenset[Role]

    @property
    def system(self) -> bool:
        return self.user_id is None


SYSTEM = Actor(None, frozenset())
FREE_TEXT = frozenset({"justification"})  # event data the audit log does not copy


@dataclass(frozen=True)
class Step:
    sources: frozenset[ApplicationStatus]
    roles: frozenset[Role]
    label: str
    system: bool = False  # the daily task may run it


ANALYSIS = frozenset({S.SUBMITTED, S.IN_ANALYSIS, S.AWAITING_DOCUMENTS})
OPEN = frozenset(S) - FINAL_STATUSES

STEPS: dict[str, Step] = {
    "submit": Step(frozenset({S.DRAFT}), INTAKE_ROLES, _l("submeter a candidatura")),
    "start_analysis": Step(frozenset({S.SUBMITTED}), INTAKE_ROLES, _l("iniciar a análise")),
    "upload_document": Step(
        frozenset({S.DRAFT}) | ANALYSIS | {S.EXCLUSION_PROPOSED},
        INTAKE_ROLES,
        _l("juntar documentos"),
    ),
    "review_document": Step(
        ANALYSIS | {S.EXCLUSION_PROPOSED}, INTAKE_ROLES, _l("validar documentos")
    ),
    "request_documents": Step(
        frozenset({S.IN_ANALYSIS}), INTAKE_ROLES, _l("notificar documentos em falta")
    ),
    "regularise_documents": Step(
        frozenset({S.AWAITING_DOCUMENTS, S.EXCLUSION_PROPOSED}),
        INTAKE_ROLES,
        _l("dar a candidatura por regularizada"),
    ),
    "propose_exclusion": Step(
        frozenset({S.IN_ANALYSIS, S.AWAITING_DOCUMENTS}),
        INTAKE_ROLES,
        _l("propor a exclusão"),
        system=True,
    ),
    "exclude": Step(frozenset({S.EXCLUSION_PROPOSED}), EXCLUSION_ROLES, _l("excluir")),
    "record_home_visit": Step(ANALYSIS, INTAKE_ROLES, _l("registar a visita domiciliária")),
    "request_proof": Step(ANALYSIS, INTAKE_ROLES, _l("pedir meios de prova")),
    "record_waiver": Step(
        frozenset({S.IN_ANALYSIS, S.AWAITING_DOCUMENTS}),
        INTAKE_ROLES,
        _l("dispensar uma condição"),
    ),
    "propose": Step(frozenset({S.IN_ANALYSIS}), INTAKE_ROLES, _l("propor o apoio")),
    "decide": Step(frozenset({S.PROPOSED}), DECISION_ROLES, _l("registar a deliberação")),
    "record_payment": Step(frozenset({S.APPROVED}), FINANCE_ROLES, _l("registar um pagamento")),
    "record_expense_proof": Step(
        frozenset({S.APPROVED, S.PAID}),
        INTAKE_ROLES | FINANCE_ROLES,
        _l("registar o comprovativo da despesa"),
    ),
    "cease": Step(frozenset({S.APPROVED, S.PAID}), EXCLUSION_ROLES, _l("cessar o apoio")),
    "record_refund": Step(frozenset({S.CEASED}), FINANCE_ROLES, _l("registar a devolução")),
    "withdraw": Step(OPEN - {S.PAID}, INTAKE_ROLES, _l("registar a desistência")),
}

# The status inside a sentence ("a candidatura 2026/0001 está em análise"); the pages' badges
# use the nouns of ``applications.labels.APPLICATION_STATUS`` ("Apoio cessado", "Desistência").
STATUS_LABELS = {
    S.DRAFT: _l("rascunho"),
    S.SUBMITTED: _l("submetida"),
    S.IN_ANALYSIS: _l("em análise"),
    S.AWAITING_DOCUMENTS: _l("a aguardar documentos"),
    S.EXCLUSION_PROPOSED: _l("com exclusão proposta"),
    S.EXCLUDED: _l("excluída"),
    S.PROPOSED: _l("proposta para decisão"),
    S.APPROVED: _l("aprovada"),
    S.REJECTED: _l("indeferida"),
    S.PAID: _l("paga"),
    S.CLOSED: _l("encerrada"),
    S.CEASED: _l("cessada"),
    S.WITHDRAWN: _l("desistida"),
}


def read_purpose(roles: frozenset[Role]) -> str:
    """Why a user reads an application, for the audit log: the work their role does on it."""
    if roles & INTAKE_ROLES:
        return _("Instrução e análise de candidatura a apoio de emergência social")
    if roles & DECISION_ROLES:
        return _("Deliberação sobre candidatura a apoio de emergência social")
    return _("Pagamento de apoio de emergência social")


def status_label(status: str) -> str:
    return str(STATUS_LABELS[ApplicationStatus(status)])


def allowed_transitions(application: Application, roles: frozenset[Role]) -> list[str]:
    """The steps these roles may take on the application now, in the table's order."""
    status = ApplicationStatus(application.status)
    return [name for name, step in STEPS.items() if status in step.sources and roles & step.roles]


def check(application: Application, name: str, actor: Actor) -> None:
    """Refuse a step the status or the actor's role does not allow, saying which."""
    step = STEPS[name]
    if not (actor.system and step.system) and not actor.roles & step.roles:
        raise NotAllowed(
            _("O seu papel no município não permite %(action)s.", action=str(step.label))
        )
    if ApplicationStatus(application.status) not in step.sources:
        raise ApplicationError(
            _(
                "Não é possível %(action)s: a candidatura %(number)s está %(status)s.",
                action=str(step.label),
                number=application.number,
                status=status_label(application.status),
            )
        )


def record(
    session: Session,
    application: Application,
    kind: str,
    actor: Actor,
    *,
    to: ApplicationStatus | None = None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
) -> ApplicationEvent:
    """Write the step to the history and the audit log; move to ``to`` when given."""
    before = ApplicationStatus(application.status)
    if to is not None:
        application.status = to
    event = ApplicationEvent(
        kind=kind,
        from_status=before,
        to_status=to,
        actor_id=actor.user_id,
        note=note or None,
        data=data or {},
    )
    application.events.append(event)
    session.flush()
    # Free text stays in the history; the audit log keeps codes, dates and amounts.
    details: dict[str, Any] = {"from": before, "event": event.id}
    details |= {k: v for k, v in (data or {}).items() if k not in FREE_TEXT}
    if to is not None:
        details["to"] = to
    audit(
        session,
        f"application.{kind}",
        object_type="application",
        object_id=application.id,
        actor_id=actor.user_id,
        details=details,
    )
    session.flush()
    return event
