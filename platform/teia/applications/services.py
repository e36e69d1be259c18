"""The applications' service API, shared by the pages and the JSON API; one function per step.

The analysis steps live here; intake (:mod:`.intake`), reads (:mod:`.queries`), documents
(:mod:`.documents`) and decisions, payments and cessation (:mod:`.decisions`) are re-exported:

- inputs: ``HouseholdInput``, ``MemberInput``, ``IncomeInput``, ``ExpenseInput``, ``ItemInput``;
  ``Actor(user_id, roles)``; errors ``ApplicationError(message, field)`` and ``NotAllowed``.
- ``create_application(session, *, household_id, applicant_id, case_id, technician_id,
  application_date, snapshot, items, payment_method, iban, supplier_name, supplier_nif,
  submission_key, actor) -> (Application, created)``
- steps: ``submit``, ``start_analysis``, ``upload_document``, ``review_document``,
  ``request_documents``, ``regularise_documents``, ``propose_exclusion``, ``exclude``,
  ``record_home_visit``, ``request_proof``, ``record_waiver``, ``propose``, ``decide``,
  ``record_payment``, ``record_expense_proof``, ``cease``, ``record_refund``, ``withdraw``.
- reads: ``load_application(session, id)`` (None when absent), ``latest_events``,
  ``application_list(session, filters) -> (rows, total)``,
  ``evaluate_application(session, application)``,
  ``document_content(session, application, document_id, purpose)``, ``open_request(application)``,
  ``allowed_transitions(application, roles)``, ``audit_read(session, application, purpose)``.

Each step checks the status and the actor's roles (:mod:`teia.applications.workflow`), writes
the history and the audit log, flushes and never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from teia.applications.decisions import (
    cease,
    decide,
    propose,
    record_expense_proof,
    record_payment,
    record_refund,
)
from teia.applications.documents import document_content, review_document, upload_document
from teia.applications.evaluation import (
    ExpenseInput,
    HouseholdInput,
    IncomeInput,
    ItemInput,
    MemberInput,
    deadline,
    evaluate_application,
    judge,
    keep,
    regulation_of,
)
from teia.applications.intake import create_application
from teia.applications.models import (
    EVIDENCE_STATUSES,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    DocumentRequest,
    DocumentStatus,
    HomeVisit,
    RequestStatus,
)
from teia.applications.queries import (
    COUNT_LIMIT,
    HISTORY_ON_PAGE,
    PAGE_SIZE,
    ApplicationFilters,
    application_list,
    audit_read,
    latest_events,
    load_application,
)
from teia.applications.workflow import (
    Actor,
    ApplicationError,
    NotAllowed,
    allowed_transitions,
    check,
    record,
)
from teia.core.clock import today
from teia.regulations.schema import RegulationFile
from teia.tenants.services import tenant_in_scope

__all__ = [
    "COUNT_LIMIT",
    "HISTORY_ON_PAGE",
    "PAGE_SIZE",
    "Actor",
    "ApplicationError",
    "ApplicationFilters",
    "ExpenseInput",
    "HouseholdInput",
    "IncomeInput",
    "ItemInput",
    "MemberInput",
    "NotAllowed",
    "allowed_transitions",
    "application_list",
    "audit_read",
    "cease",
    "create_application",
    "decide",
    "document_content",
    "evaluate_application",
    "exclude",
    "latest_events",
    "load_application",
    "open_request",
    "propose",
    "propose_exclusion",
    "record_expense_proof",
    "record_home_visit",
    "record_payment",
    "record_refund",
    "record_waiver",
    "regularise_documents",
    "request_documents",
    "request_proof",
    "review_document",
    "start_analysis",
    "submit",
    "upload_document",
    "withdraw",
]

S = ApplicationStatus


# --- analysis -------------------------------------------------------------------------------


def submit(session: Session, application: Application, *, actor: Actor) -> None:
    """The draft becomes the application: judged once as it was declared."""
    check(application, "submit", actor)
    evaluate_application(session, application)
    record(session, application, "submitted", actor, to=S.SUBMITTED)


def start_analysis(session: Session, application: Application, *, actor: Actor) -> None:
    """The preliminary analysis of the application and its documents (art. 11.º a))."""
    check(application, "start_analysis", actor)
    record(session, application, "analysis_started", actor, to=S.IN_ANALYSIS)


def request_documents(
    session: Session,
    application: Application,
    *,
    codes: Sequence[str],
    note: str = "",
    notified_on: date | None = None,
    actor: Actor,
) -> DocumentRequest:
    """Notify the applicant of missing documents or clarifications needed (art. 11.º a)):
    the regularisation deadline runs in working days from the notice (art. 12.º, n.º 1)."""
    check(application, "request_documents", actor)
    notified_on = notified_on or today()
    if notified_on > today() or notified_on < application.application_date:
        raise ApplicationError(_("A data da notificação não é válida."), field="notified_on")
    pending = {
        d.code
        for d in application.documents
        if d.status in (DocumentStatus.MISSING, DocumentStatus.REJECTED)
    }
    codes = list(dict.fromkeys(codes))
    if not set(codes) <= pending:
        raise ApplicationError(_("Só se pedem documentos em falta ou recusados."), field="codes")
    if not codes and not note.strip():
        raise ApplicationError(
            _("Indique os documentos em falta ou os esclarecimentos pedidos."), field="codes"
        )
    regulation = regulation_of(application)
    due = deadline(tenant_in_scope(session), regulation, "regularisation", notified_on)
    notice = DocumentRequest(
        notified_on=notified_on,
        due_on=due,
        codes=codes,
        note=note.strip(),
        status=RequestStatus.OPEN,
        requested_by_id=actor.user_id,
    )
    application.document_requests.append(notice)
    record(
        session,
        application,
        "documents_requested",
        actor,
        to=S.AWAITING_DOCUMENTS,
        note=note.strip(),
        data={"codes": codes, "notified_on": notified_on.isoformat(), "due_on": due.isoformat()},
    )
    return notice


def open_request(application: Application) -> DocumentRequest | None:
    """The notice whose deadline is running or has lapsed unanswered."""
    for notice in reversed(application.document_requests):
        if notice.status in (RequestStatus.OPEN, RequestStatus.EXPIRED) and not notice.resolved_on:
            return notice
    return None


def regularise_documents(
    session: Session, application: Application, *, note: str = "", actor: Actor
) -> None:
    """The applicant answered the notice: back to the analysis. After an exclusion was
    proposed, only with the justification of the delay (art. 12.º, n.º 2)."""
    check(application, "regularise_documents", actor)
    late = application.status == S.EXCLUSION_PROPOSED
    if late and not note.strip():
        raise ApplicationError(
            _("Justifique a regularização fora do prazo (art. 12.º, n.º 2)."), field="note"
        )
    notice = open_request(application)
    if notice is not None:
        settled = (*EVIDENCE_STATUSES, DocumentStatus.WAIVED)
        received = {d.code for d in application.documents if d.status in settled}
        missing = [c for c in notice.codes if c not in received]
        if missing:
            raise ApplicationError(
                _("Faltam ainda documentos pedidos: %(codes)s.", codes=", ".join(missing)),
                field="codes",
            )
        notice.status = RequestStatus.REGULARISED
        notice.resolved_on = today()
    evaluate_application(session, application)
    record(
        session,
        application,
        "documents_regularised",
        actor,
        to=S.IN_ANALYSIS,
        note=note.strip(),
        data={"late": late},
    )


def _cause(regulation: RegulationFile, code: str) -> str:
    for cause in regulation.exclusion_causes:
        if cause.code == code:
            return cause.article
    raise ApplicationError(_("Causa de exclusão que o regulamento não prevê."), field="cause")


def propose_exclusion(
    session: Session,
    application: Application,
    *,
    cause: str,
    note: str = "",
    actor: Actor,
    on: date | None = None,
) -> None:
    """Propose the exclusion: for documents not delivered, only once the regularisation
    deadline has passed (art. 12.º, n.º 1); in analysis, for another cause, with the reason."""
    check(application, "propose_exclusion", actor)
    article = _cause(regulation_of(application), cause)
    day = on or today()
    notice = open_request(application)
    if application.status == S.AWAITING_DOCUMENTS:
        assert notice is not None
        if day <= notice.due_on:
            raise ApplicationError(
                _(
                    "O prazo para regularizar só termina a %(date)s; a exclusão só pode ser "
                    "proposta depois.",
                    date=notice.due_on.strftime("%d/%m/%Y"),
                )
            )
        notice.status = RequestStatus.EXPIRED
    elif not note.strip():
        raise ApplicationError(_("Fundamente a proposta de exclusão."), field="note")
    application.exclusion_cause = cause
    record(
        session,
        application,
        "exclusion_proposed",
        actor,
        to=S.EXCLUSION_PROPOSED,
        note=note.strip(),
        data={"cause": cause, "article": article},
    )


def exclude(
    session: Session, application: Application, *, cause: str, note: str = "", actor: Actor
) -> None:
    """The exclusion decided (by the decision maker or the council's coordination)."""
    check(application, "exclude", actor)
    article = _cause(regulation_of(application), cause)
    application.exclusion_cause = cause
    record(
        session,
        application,
        "excluded",
        actor,
        to=S.EXCLUDED,
        note=note.strip(),
        data={"cause": cause, "article": article},
    )


def record_home_visit(
    session: Session,
    application: Application,
    *,
    visited_on: date,
    findings: str,
    social_opinion: str,
    actor: Actor,
) -> HomeVisit:
    """A home visit or interview and the social opinion it grounds (art. 11.º d))."""
    check(application, "record_home_visit", actor)
    if visited_on > today():
        raise ApplicationError(_("A visita não pode ter data futura."), field="visited_on")
    if not findings.strip() or not social_opinion.strip():
        raise ApplicationError(
            _("Registe o que foi observado e o parecer social."), field="social_opinion"
        )
    visit = HomeVisit(
        visited_on=visited_on,
        by_id=actor.user_id,
        findings=findings.strip(),
        social_opinion=social_opinion.strip(),
    )
    application.home_visits.append(visit)
    record(
        session,
        application,
        "home_visit_recorded",
        actor,
        data={"visited_on": visited_on.isoformat()},
    )
    return visit


def request_proof(
    session: Session, application: Application, *, what: str, due_on: date, actor: Actor
) -> ApplicationEvent:
    """Ask for means of proof of what was declared (art. 11.º b) and c))."""
    check(application, "request_proof", actor)
    if not what.strip():
        raise ApplicationError(_("Indique que meios de prova são pedidos."), field="what")
    if due_on < today():
        raise ApplicationError(_("O prazo não pode estar no passado."), field="due_on")
    return record(
        session,
        application,
        "proof_requested",
        actor,
        note=what.strip(),
        data={"due_on": due_on.isoformat()},
    )


def record_waiver(
    session: Session,
    application: Application,
    *,
    condition_id: str,
    justification: str,
    actor: Actor,
) -> None:
    """Waive an access condition the regulation allows to waive (e.g. residence, art. 8.º e)),
    with its justification; the evaluation must then show it waived."""
    check(application, "record_waiver", actor)
    regulation = regulation_of(application)
    condition = next((c for c in regulation.conditions if c.id == condition_id), None)
    if condition is None or condition.waiver is None:
        raise ApplicationError(
            _("O regulamento não permite dispensar esta condição."), field="condition_id"
        )
    if not justification.strip():
        raise ApplicationError(_("Fundamente a dispensa."), field="justification")
    waivers = {**application.waivers, condition_id: justification.strip()}
    result = judge(session, application, waivers=waivers)
    status = next(c.status for c in result.conditions if c.id == condition_id)
    if status == "passed":
        raise ApplicationError(
            _("A condição está cumprida: não há o que dispensar."), field="condition_id"
        )
    if status != "waived":
        raise ApplicationError(
            _(
                "A dispensa não se aplica a este agregado (art. %(article)s).",
                article=condition.waiver.article,
            ),
            field="condition_id",
        )
    application.waivers = waivers
    keep(application, result)
    for document in application.documents:
        if document.code in condition.evidence and document.status == DocumentStatus.MISSING:
            document.status = DocumentStatus.WAIVED
    record(
        session,
        application,
        "condition_waived",
        actor,
        note=justification.strip(),
        data={
            "condition": condition_id,
            "article": condition.waiver.article,
            "justification": justification.strip(),
        },
    )


def withdraw(session: Session, application: Application, *, reason: str, actor: Actor) -> None:
    """The applicant withdrew."""
    check(application, "withdraw", actor)
    if any(item.paid_amount for item in application.items):
        raise ApplicationError(_("Houve pagamentos: o apoio só pode cessar."))
    if not reason.strip():
        raise ApplicationError(_("Indique o motivo da desistência."), field="reason")
    record(session, application, "withdrawn", actor, to=S.WITHDRAWN, note=reason.strip())
