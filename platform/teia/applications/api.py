"""JSON API for applications: the list, intake, an application, its documents, its evaluation,
and one endpoint per step of the workflow.

The pages' services, unchanged: each step checks the status and the role, and answers 422
with the reason when the status does not allow it, 403 when the role does not. Partners see
nothing of applications (403 on the list, 404 on everything with an id); every read of an
application or of one of its documents is audited with its purpose.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Response, abort, request
from flask_babel import gettext as _
from flask_login import current_user

from teia.applications import services
from teia.applications.models import Application
from teia.applications.schemas_api import (
    ApplicationDetail,
    ApplicationIn,
    ApplicationList,
    ApplicationQuery,
    ApplicationSummary,
    CessationIn,
    DecisionIn,
    DocumentFileOut,
    DocumentList,
    DocumentOut,
    DocumentsRequestIn,
    EvaluationOut,
    ExclusionIn,
    HomeVisitIn,
    NoteIn,
    PaymentIn,
    PaymentOut,
    ProofRequestIn,
    ProposalIn,
    RefundIn,
    ReviewIn,
    StepOut,
    WaiverIn,
    WithdrawIn,
)
from teia.applications.services import (
    COUNT_LIMIT,
    Actor,
    ApplicationError,
    ApplicationFilters,
    ExpenseInput,
    HouseholdInput,
    IncomeInput,
    ItemInput,
    MemberInput,
    NotAllowed,
)
from teia.applications.storage import UploadError
from teia.applications.workflow import READ_ROLES, allowed_transitions, read_purpose
from teia.core.api import (
    api_blueprint,
    error_response,
    idempotency_key,
    json_body,
    query_args,
    rejected,
    respond,
)
from teia.core.db import db
from teia.core.openapi import documented
from teia.core.scope import current_roles

bp = api_blueprint("applications_api", __name__)
TAGS = ["applications"]
STEP_TAGS = ["application steps"]
BASE = "/t/<tenant>/applications/<int:application_id>"


def _actor() -> Actor:
    return Actor(current_user.id, current_roles())


def _reader() -> Actor:
    """The list and intake: a role without a part in applications is 403."""
    actor = _actor()
    if not actor.roles & READ_ROLES:
        abort(403)
    return actor


def _application(application_id: int) -> Application:
    """The application, for roles that work on applications; 404 for anyone else."""
    if not current_roles() & READ_ROLES:
        abort(404)
    application = services.load_application(db.session, application_id)
    if application is None:
        abort(404)
    return application


def _refused(exc: ApplicationError | UploadError) -> Response:
    if isinstance(exc, NotAllowed):
        return error_response(403, "forbidden", str(exc))
    return rejected(exc)


def _step_out(application: Application, roles: Any) -> dict[str, object]:
    return {
        "id": application.id,
        "number": application.number,
        "status": application.status,
        "allowed_transitions": allowed_transitions(application, roles),
    }


def _step(application_id: int, run: Callable[[Application, Actor], object]):  # type: ignore[no-untyped-def]
    application = _application(application_id)
    actor = _actor()
    try:
        run(application, actor)
    except (ApplicationError, UploadError) as exc:
        return _refused(exc)
    return respond(StepOut, _step_out(application, actor.roles))


# --- the list, intake and one application -------------------------------------------------


@bp.get("/t/<tenant>/applications")
@documented(
    "As candidaturas do município, das mais recentes para as mais antigas",
    tags=TAGS,
    query=ApplicationQuery,
    response=ApplicationList,
    scope="applications:read",
)
def index():  # type: ignore[no-untyped-def]
    _reader()
    args = query_args(ApplicationQuery)
    filters = ApplicationFilters(
        status=args.status,
        support_type=args.support_type,
        technician_id=args.technician_id,
        query=args.q,
        page=args.page,
    )
    rows, total = services.application_list(db.session, filters)
    return respond(
        ApplicationList,
        {
            "applications": rows,
            "total": min(total, COUNT_LIMIT),
            "total_exact": total <= COUNT_LIMIT,
            "page": args.page,
            "page_size": services.PAGE_SIZE,
        },
    )


def _household(data: ApplicationIn) -> HouseholdInput:
    h = data.household
    return HouseholdInput(
        members=[MemberInput(**m.model_dump()) for m in h.members],
        incomes=[IncomeInput(**i.model_dump()) for i in h.incomes],
        expenses=[ExpenseInput(**e.model_dump()) for e in h.expenses],
        residence_months=h.residence_months,
        debts_to_council=h.debts_to_council,
        other_support_same_purpose=h.other_support_same_purpose,
        social_emergency=h.social_emergency,
        assets=h.assets,
    )


@bp.post("/t/<tenant>/applications")
@documented(
    "Registar uma candidatura (em rascunho), com a lista de documentos do regulamento",
    tags=TAGS,
    body=ApplicationIn,
    response=ApplicationSummary,
    status=201,
    idempotent=True,
    scope="applications:write",
)
def create():  # type: ignore[no-untyped-def]
    actor = _reader()
    data = json_body(ApplicationIn)
    key = idempotency_key()
    try:
        application, created = services.create_application(
            db.session,
            household_id=data.household_id,
            applicant_id=data.applicant_id,
            case_id=data.case_id,
            technician_id=data.technician_id or current_user.id,
            application_date=data.application_date,
            snapshot=_household(data),
            items=[ItemInput(**i.model_dump()) for i in data.items],
            payment_method=data.payment_method,
            iban=data.iban,
            supplier_name=data.supplier_name,
            supplier_nif=data.supplier_nif,
            submission_key=key,
            actor=actor,
        )
    except ApplicationError as exc:
        return _refused(exc)
    return respond(ApplicationSummary, application, 201 if created else 200)


@bp.get(BASE)
@documented(
    "Uma candidatura com toda a instrução (leitura auditada)",
    tags=TAGS,
    response=ApplicationDetail,
    scope="applications:read",
)
def show(application_id: int):  # type: ignore[no-untyped-def]
    application = _application(application_id)
    roles = current_roles()
    services.audit_read(db.session, application, read_purpose(roles))
    computed = {
        "regulation": application.regulation_version,
        "household": application.snapshot,
        "allowed_transitions": allowed_transitions(application, roles),
    }
    stored = {
        name: getattr(application, name)
        for name in ApplicationDetail.model_fields
        if name not in computed
    }
    detail = stored | computed
    return respond(ApplicationDetail, detail)


@bp.post(f"{BASE}/evaluate")
@documented(
    "Avaliar de novo a candidatura pelo regulamento em vigor na sua data",
    tags=TAGS,
    response=EvaluationOut,
    scope="applications:write",
)
def evaluate(application_id: int):  # type: ignore[no-untyped-def]
    application = _application(application_id)
    result = services.evaluate_application(db.session, application)
    return respond(EvaluationOut, {"outcome": result.outcome, "evaluation": result.to_dict()})


# --- documents ------------------------------------------------------------------------------


@bp.get(f"{BASE}/documents")
@documented(
    "A lista de documentos da candidatura",
    tags=TAGS,
    response=DocumentList,
    scope="applications:read",
)
def documents(application_id: int):  # type: ignore[no-untyped-def]
    application = _application(application_id)
    return respond(DocumentList, {"documents": application.documents})


def _upload() -> tuple[bytes, str]:
    upload = request.files.get("file")
    if upload is None:
        raise UploadError(_("Escolha o ficheiro a enviar."))
    with upload.stream:  # a large upload is a temporary file: closed once read
        return upload.read(), upload.filename or ""


@bp.post(f"{BASE}/documents/<int:document_id>")
@documented(
    "Enviar o ficheiro de um documento (multipart/form-data, campo file; PDF, PNG ou JPEG, "
    "até 10 MB)",
    tags=TAGS,
    response=DocumentOut,
    scope="applications:write",
)
def upload(application_id: int, document_id: int):  # type: ignore[no-untyped-def]
    application = _application(application_id)
    try:
        data, filename = _upload()
        document = services.upload_document(
            db.session,
            application,
            document_id=document_id,
            data=data,
            filename=filename,
            actor=_actor(),
        )
    except (ApplicationError, UploadError) as exc:
        return _refused(exc)
    return respond(DocumentOut, document)


@bp.get(f"{BASE}/documents/<int:document_id>")
@documented(
    "O ficheiro de um documento, em base64 (leitura auditada)",
    tags=TAGS,
    response=DocumentFileOut,
    scope="applications:read",
)
def download(application_id: int, document_id: int):  # type: ignore[no-untyped-def]
    application = _application(application_id)
    if not any(d.id == document_id and d.storage_key for d in application.documents):
        abort(404)
    document, data = services.document_content(
        db.session, application, document_id, read_purpose(current_roles())
    )
    return respond(
        DocumentFileOut,
        {
            "id": document.id,
            "filename": document.filename,
            "content_type": document.content_type,
            "size": document.size,
            "sha256": document.sha256,
            "content_base64": base64.b64encode(data).decode("ascii"),
        },
    )


@bp.post(f"{BASE}/documents/<int:document_id>/review")
@documented(
    "Validar ou recusar um documento entregue",
    tags=STEP_TAGS,
    body=ReviewIn,
    response=DocumentOut,
    scope="applications:write",
)
def review(application_id: int, document_id: int):  # type: ignore[no-untyped-def]
    application = _application(application_id)
    data = json_body(ReviewIn)
    try:
        document = services.review_document(
            db.session,
            application,
            document_id=document_id,
            accepted=data.accepted,
            note=data.note,
            actor=_actor(),
        )
    except ApplicationError as exc:
        return _refused(exc)
    return respond(DocumentOut, document)


@bp.post(f"{BASE}/payments/<int:payment_id>/proof")
@documented(
    "Entregar o comprovativo da despesa de um pagamento (multipart/form-data: file e, "
    "opcional, received_on AAAA-MM-DD)",
    tags=STEP_TAGS,
    response=PaymentOut,
    scope="applications:write",
)
def expense_proof(application_id: int, payment_id: int):  # type: ignore[no-untyped-def]
    application = _application(application_id)
    try:
        data, filename = _upload()
        received = request.form.get("received_on") or None
        payment = services.record_expense_proof(
            db.session,
            application,
            payment_id=payment_id,
            data=data,
            filename=filename,
            received_on=_date(received) if received else None,
            actor=_actor(),
        )
    except (ApplicationError, UploadError) as exc:
        return _refused(exc)
    return respond(PaymentOut, payment)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ApplicationError(_("Data inválida."), field="received_on") from None


# --- the steps ------------------------------------------------------------------------------


@bp.post(f"{BASE}/submit")
@documented("Submeter a candidatura", tags=STEP_TAGS, response=StepOut, scope="applications:write")
def submit(application_id: int):  # type: ignore[no-untyped-def]
    return _step(application_id, lambda a, actor: services.submit(db.session, a, actor=actor))


@bp.post(f"{BASE}/start-analysis")
@documented(
    "Iniciar a análise preliminar (art. 11.º a))",
    tags=STEP_TAGS,
    response=StepOut,
    scope="applications:write",
)
def start_analysis(application_id: int):  # type: ignore[no-untyped-def]
    return _step(
        application_id, lambda a, actor: services.start_analysis(db.session, a, actor=actor)
    )


@bp.post(f"{BASE}/request-documents")
@documented(
    "Notificar documentos em falta ou esclarecimentos; o prazo corre em dias úteis",
    tags=STEP_TAGS,
    body=DocumentsRequestIn,
    response=StepOut,
    scope="applications:write",
)
def request_documents(application_id: int):  # type: ignore[no-untyped-def]
    def run(application: Application, actor: Actor) -> None:
        data = json_body(DocumentsRequestIn)
        services.request_documents(
            db.session,
            application,
            codes=data.codes,
            note=data.note,
            notified_on=data.notified_on,
            actor=actor,
        )

    return _step(application_id, run)


@bp.post(f"{BASE}/regularise-documents")
@documented(
    "Dar por regularizada (depois de proposta a exclusão, com justificação)",
    tags=STEP_TAGS,
    body=NoteIn,
    response=StepOut,
    scope="applications:write",
)
def regularise_documents(application_id: int):  # type: ignore[no-untyped-def]
    def run(application: Application, actor: Actor) -> None:
        data = json_body(NoteIn)
        services.regularise_documents(db.session, application, note=data.note, actor=actor)

    return _step(application_id, run)


@bp.post(f"{BASE}/propose-exclusion")
@documented(
    "Propor a exclusão (por falta de documentos, só depois de terminado o prazo)",
    tags=STEP_TAGS,
    body=ExclusionIn,
    response=StepOut,
    scope="applications:write",
)
def propose_exclusion(application_id: int):  # type: ignore[no-untyped-def]
    def run(application: Application, actor: Actor) -> None:
        data = json_body(ExclusionIn)
        services.propose_exclusion(
            db.session, application, cause=data.cause, note=data.note, actor=actor
        )

    return _step(application_id, run)


@bp.post(f"{BASE}/exclude")
@documented(
    "Excluir a candidatura (decisão)",
    tags=STEP_TAGS,
    body=ExclusionIn,
    response=StepOut,
    scope="applications:write",
)
def exclude(application_id: int):  # type: ignore[no-untyped-def]
    def run(application: Application, actor: Actor) -> None:
        data = json_body(ExclusionIn)
        services.exclude(db.session, application, cause=data.cause, note=data.note, actor=actor)

    return _step(application_id, run)


@bp.post(f"{BASE}/home-visits")
@documented(
    "Registar a visita domiciliária e o parecer social (art. 11.º d))",
    tags=STEP_TAGS,
    body=HomeVisitIn,
    response=StepOut,
    scope="applications:write",
)
def home_visit(application_id: int):  # type: ignore[no-untyped-def]
    def run(application: Application, actor: Actor) -> None:
        data = json_body(HomeVisitIn)
        services.record_home_visit(
            db.session,
            application,
            visited_on=data.visited_on,
            findings=data.findings,
            social_opinion=data.social_opinion,
            actor=actor,
        )

    return _step(application_id, run)


@bp.post(f"{BASE}/proof-requests")
@documented(
    "Pedir meios de prova do que foi declarado (art. 11.º b) e c))",
    tags=STEP_TAGS,
    body=ProofRequestIn,
    response=StepOut,
    scope="applications:write",
)
def request_proof(application_id: int):  # type: ignore[no-untyped-def]
    def run(application: Application, actor: Actor) -> None:
        data = json_body(ProofRequestIn)
        services.request_proof(
            db.session, application, what=data.what, due_on=data.due_on, actor=actor
        )

    return _step(application_id, run)


@bp.post(f"{BASE}/waivers")
@documented(
    "Dispensar uma condição de acesso, com a fundamentação (p. ex. art. 8.º e))",
    tags=STEP_TAGS,
    body=WaiverIn,
    response=StepOut,
    scope="applications:write",
)
def waiver(application_id: int):  # type: ignore[no-untyped-def]
    def run(application: Application, actor: Actor) -> None:
        data = json_body(WaiverIn)
        services.record_waiver(
            db.session,
            application,
            condition_id=data.condition_id,
            justification=data.justification,
            actor=actor,
        )

    return _step(application_id, run)


@bp.post(f"{BASE}/propose")
@documented(
    "Propor o apoio (a candidatura tem de ser elegível; montantes dentro dos limites)",
    tags=STEP_TAGS,
    body=ProposalIn,
    response=StepOut,
    scope="applications:write",
)
def propose(application_id: int):  # type: ignore[no-untyped-def]
    def run(application: Application, actor: Actor) -> None:
        data = json_body(ProposalIn)
        services.propose(db.session, application, amounts=data.amounts, note=data.note, actor=actor)

    return _step(application_id, run)


@bp.post(f"{BASE}/decide")
@documented(
    "Registar a deliberação (data e referência); os limites são verificados de novo",
    tags=STEP_TAGS,
    body=DecisionIn,
    response=StepOut,
    scope="applications:write",
)
def decide(application_id: int):  # type: ignore[no-untyped-def]
    def run(application: Application, actor: Actor) -> None:
        data = json_body(DecisionIn)
        services.decide(
            db.session,
            application,
            outcome=data.outcome,
            decided_on=data.decided_on,
            reference=data.reference,
            reasons=data.reasons,
            amounts=data.amounts,
            actor=actor,
        )

    return _step(application_id, run)


@bp.post(f"{BASE}/payments")
@documented(
    "Registar um pagamento: transferência (IBAN validado), numerário ou ao fornecedor",
    tags=STEP_TAGS,
    body=PaymentIn,
    response=StepOut,
    scope="applications:write",
)
def payment(application_id: int):  # type: ignore[no-untyped-def]
    def run(application: Application, actor: Actor) -> None:
        data = json_body(PaymentIn)
        services.record_payment(
            db.session,
            application,
            item_id=data.item_id,
            amount=data.amount,
            method=data.method,
            paid_on=data.paid_on,
            iban=data.iban,
            supplier_name=data.supplier_name,
            supplier_nif=data.supplier_nif,
            actor=actor,
        )

    return _step(application_id, run)


@bp.post(f"{BASE}/cease")
@documented(
    "Cessar o apoio (art. 18.º), com a devolução quando a causa a implica",
    tags=STEP_TAGS,
    body=CessationIn,
    response=StepOut,
    scope="applications:write",
)
def cease(application_id: int):  # type: ignore[no-untyped-def]
    def run(application: Application, actor: Actor) -> None:
        data = json_body(CessationIn)
        services.cease(
            db.session,
            application,
            cause=data.cause,
            ceased_on=data.ceased_on,
            reason=data.reason,
            refund_amount=data.refund_amount,
            actor=actor,
        )

    return _step(application_id, run)


@bp.post(f"{BASE}/refund")
@documented(
    "Registar a devolução recebida",
    tags=STEP_TAGS,
    body=RefundIn,
    response=StepOut,
    scope="applications:write",
)
def refund(application_id: int):  # type: ignore[no-untyped-def]
    def run(application: Application, actor: Actor) -> None:
        data = json_body(RefundIn)
        services.record_refund(db.session, application, refunded_on=data.refunded_on, actor=actor)

    return _step(application_id, run)


@bp.post(f"{BASE}/withdraw")
@documented(
    "Registar a desistência do requerente",
    tags=STEP_TAGS,
    body=WithdrawIn,
    response=StepOut,
    scope="applications:write",
)
def withdraw(application_id: int):  # type: ignore[no-untyped-def]
    def run(application: Application, actor: Actor) -> None:
        data = json_body(WithdrawIn)
        services.withdraw(db.session, application, reason=data.reason, actor=actor)

    return _step(application_id, run)
