"""The steps of an application as page forms: each step's form with its choices filled from
the application and its regulation, and the one service call that step makes."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import request
from flask_babel import format_currency
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from teia.applications import services
from teia.applications.labels import label
from teia.applications.models import Application, DocumentStatus
from teia.applications.schemas import (
    CessationForm,
    ConfirmForm,
    DecisionForm,
    ExcludeForm,
    HomeVisitForm,
    PaymentForm,
    ProofForm,
    ProofRequestForm,
    ProposalForm,
    RefundForm,
    RegulariseForm,
    RequestDocumentsForm,
    ReviewForm,
    UploadForm,
    WaiverForm,
    WithdrawForm,
)
from teia.applications.services import Actor
from teia.core.clock import today
from teia.core.db import db
from teia.regulations.labels import CONDITION_KIND, PAYMENT_METHOD
from teia.regulations.schema import RegulationFile


def step_form(name: str, application: Application, regulation: RegulationFile) -> FlaskForm:
    """The form of a step, its choices filled from the application and its regulation."""
    form = STEP_FORMS[name](prefix=name)
    documents = application.documents
    if isinstance(form, RequestDocumentsForm):
        pending = (DocumentStatus.MISSING, DocumentStatus.REJECTED)
        form.codes.choices = [
            SelectChoice(d.code, f"{d.label} ({d.article})" if d.article else d.label)
            for d in documents
            if d.status in pending
        ]
        if form.notified_on.data is None:
            form.notified_on.data = today()
    elif isinstance(form, ExcludeForm):
        form.cause.choices = [
            SelectChoice(c.code, f"{c.label} (art. {c.article})")
            for c in regulation.exclusion_causes
        ]
    elif isinstance(form, WaiverForm):
        form.condition.choices = [
            SelectChoice(
                c.id,
                _(
                    "%(condition)s (art. %(article)s; dispensa: art. %(waiver)s)",
                    condition=label(CONDITION_KIND, c.kind),
                    article=c.article,
                    waiver=c.waiver.article,
                ),
            )
            for c in regulation.conditions
            if c.waiver is not None
        ]
    elif isinstance(form, ProposalForm | DecisionForm):
        _amount_rows(form, application)
        if isinstance(form, DecisionForm) and form.decided_on.data is None:
            form.decided_on.data = today()
    elif isinstance(form, PaymentForm):
        owed = [
            i for i in application.items if i.approved_amount and i.paid_amount < i.approved_amount
        ]
        labels = {s.code: s.label for s in regulation.support_types}
        form.item_id.choices = [
            SelectChoice(i.id, labels.get(i.support_type, i.support_type)) for i in owed
        ]
        form.method.choices = [
            SelectChoice(m, label(PAYMENT_METHOD, m)) for m in regulation.payment.methods
        ]
        if not _posted(form) and owed:
            form.amount.data = owed[0].approved_amount - owed[0].paid_amount
            form.method.data = application.payment_method
            form.iban.data = application.iban
            form.supplier_name.data = application.supplier_name
            form.supplier_nif.data = application.supplier_nif
            form.paid_on.data = today()
    elif isinstance(form, ProofForm):
        form.payment_id.choices = [
            SelectChoice(
                p.id,
                _(
                    "%(amount)s pago a %(d)s",
                    amount=format_currency(p.amount, "EUR"),
                    d=p.paid_on.strftime("%d/%m/%Y"),
                ),
            )
            for p in application.payments
            if p.proof_received_on is None
        ]
        if form.received_on.data is None:
            form.received_on.data = today()
    elif isinstance(form, CessationForm):
        form.cause.choices = [
            SelectChoice(c.code, f"{c.label} (art. {c.article})")
            for c in regulation.cessation_causes
        ]
        if form.ceased_on.data is None:
            form.ceased_on.data = today()
    elif isinstance(form, ReviewForm):
        received = (DocumentStatus.RECEIVED, DocumentStatus.VALIDATED)
        form.document_id.choices = [
            SelectChoice(d.id, d.label) for d in documents if d.status in received
        ]
    elif isinstance(form, UploadForm):
        form.document_id.choices = [
            SelectChoice(d.id, d.label) for d in documents if d.code != "proof_of_expense"
        ]
    elif isinstance(form, RefundForm) and form.refunded_on.data is None:
        form.refunded_on.data = today()
    elif isinstance(form, HomeVisitForm) and form.visited_on.data is None:
        form.visited_on.data = today()
    return form


def _posted(form: FlaskForm) -> bool:
    """Whether this request posted ``form`` (each step's fields carry the step as prefix)."""
    return request.method == "POST" and any(k.startswith(form._prefix) for k in request.form)


def _amount_rows(form: ProposalForm | DecisionForm, application: Application) -> None:
    """One amount per item, as proposed (or as the evaluation allows, for a proposal)."""
    if _posted(form):
        return
    allowed = {
        i["support_type"]: Decimal(i["allowed"])
        for i in (application.evaluation or {}).get("items", [])
    }
    for item in application.items:
        default = (
            item.proposed_amount
            if isinstance(form, DecisionForm)
            else allowed.get(item.support_type)
        )
        form.amounts.append_entry({"item_id": str(item.id), "amount": default})


def _amounts(form: ProposalForm | DecisionForm) -> dict[int, Any]:
    return {
        int(row.form.item_id.data): row.form.amount.data
        for row in form.amounts
        if (row.form.item_id.data or "").isdigit() and row.form.amount.data is not None
    }


# --- the steps: each reads its form and calls one service -----------------------------------


def _submit(form: ConfirmForm, a: Application, actor: Actor) -> str:
    services.submit(db.session, a, actor=actor)
    return _("Candidatura submetida.")


def _start_analysis(form: ConfirmForm, a: Application, actor: Actor) -> str:
    services.start_analysis(db.session, a, actor=actor)
    return _("Análise iniciada.")


def _upload(form: UploadForm, a: Application, actor: Actor) -> str:
    file = form.file.data
    document = services.upload_document(
        db.session,
        a,
        document_id=form.document_id.data,
        data=file.read(),
        filename=file.filename or "",
        actor=actor,
    )
    return _("Documento recebido: %(label)s.", label=document.label)


def _review(form: ReviewForm, a: Application, actor: Actor) -> str:
    accepted = form.accepted.data == "1"
    services.review_document(
        db.session,
        a,
        document_id=form.document_id.data,
        accepted=accepted,
        note=form.note.data or "",
        actor=actor,
    )
    return _("Documento validado.") if accepted else _("Documento recusado.")


def _request_documents(form: RequestDocumentsForm, a: Application, actor: Actor) -> str:
    notice = services.request_documents(
        db.session,
        a,
        codes=form.codes.data or [],
        note=form.note.data or "",
        notified_on=form.notified_on.data,
        actor=actor,
    )
    return _(
        "Notificação registada: o prazo para regularizar termina a %(d)s.",
        d=notice.due_on.strftime("%d/%m/%Y"),
    )


def _regularise(form: RegulariseForm, a: Application, actor: Actor) -> str:
    services.regularise_documents(db.session, a, note=form.note.data or "", actor=actor)
    return _("Candidatura regularizada; a análise continua.")


def _propose_exclusion(form: ExcludeForm, a: Application, actor: Actor) -> str:
    services.propose_exclusion(
        db.session, a, cause=form.cause.data, note=form.note.data or "", actor=actor
    )
    return _("Exclusão proposta.")


def _exclude(form: ExcludeForm, a: Application, actor: Actor) -> str:
    services.exclude(db.session, a, cause=form.cause.data, note=form.note.data or "", actor=actor)
    return _("Candidatura excluída.")


def _home_visit(form: HomeVisitForm, a: Application, actor: Actor) -> str:
    services.record_home_visit(
        db.session,
        a,
        visited_on=form.visited_on.data,
        findings=form.findings.data or "",
        social_opinion=form.social_opinion.data or "",
        actor=actor,
    )
    return _("Visita domiciliária e parecer social registados.")


def _request_proof(form: ProofRequestForm, a: Application, actor: Actor) -> str:
    services.request_proof(
        db.session, a, what=form.what.data or "", due_on=form.due_on.data, actor=actor
    )
    return _("Pedido de meios de prova registado.")


def _waiver(form: WaiverForm, a: Application, actor: Actor) -> str:
    services.record_waiver(
        db.session,
        a,
        condition_id=form.condition.data,
        justification=form.justification.data or "",
        actor=actor,
    )
    return _("Dispensa da condição registada, com a sua fundamentação.")


def _propose(form: ProposalForm, a: Application, actor: Actor) -> str:
    services.propose(db.session, a, amounts=_amounts(form), note=form.note.data or "", actor=actor)
    return _("Apoio proposto para decisão.")


def _decide(form: DecisionForm, a: Application, actor: Actor) -> str:
    decision = services.decide(
        db.session,
        a,
        outcome=form.outcome.data,
        decided_on=form.decided_on.data,
        reference=form.reference.data or "",
        reasons=form.reasons.data or "",
        amounts=_amounts(form),
        actor=actor,
    )
    return _("Deliberação registada (%(reference)s).", reference=decision.reference)


def _pay(form: PaymentForm, a: Application, actor: Actor) -> str:
    services.record_payment(
        db.session,
        a,
        item_id=form.item_id.data,
        amount=form.amount.data,
        method=form.method.data,
        paid_on=form.paid_on.data,
        iban=form.iban.data or None,
        supplier_name=form.supplier_name.data or None,
        supplier_nif=form.supplier_nif.data or None,
        actor=actor,
    )
    return _("Pagamento registado.")


def _proof(form: ProofForm, a: Application, actor: Actor) -> str:
    file = form.file.data
    services.record_expense_proof(
        db.session,
        a,
        payment_id=form.payment_id.data,
        data=file.read(),
        filename=file.filename or "",
        received_on=form.received_on.data,
        actor=actor,
    )
    return _("Comprovativo da despesa registado.")


def _cease(form: CessationForm, a: Application, actor: Actor) -> str:
    services.cease(
        db.session,
        a,
        cause=form.cause.data,
        ceased_on=form.ceased_on.data,
        reason=form.reason.data or "",
        refund_amount=form.refund_amount.data,
        actor=actor,
    )
    return _("Apoio cessado.")


def _refund(form: RefundForm, a: Application, actor: Actor) -> str:
    services.record_refund(db.session, a, refunded_on=form.refunded_on.data, actor=actor)
    return _("Devolução registada.")


def _withdraw(form: WithdrawForm, a: Application, actor: Actor) -> str:
    services.withdraw(db.session, a, reason=form.reason.data or "", actor=actor)
    return _("Desistência registada.")


Action = Callable[[Any, Application, Actor], str]
STEP_FORMS: dict[str, type[FlaskForm]] = {
    "submit": ConfirmForm,
    "start_analysis": ConfirmForm,
    "upload_document": UploadForm,
    "review_document": ReviewForm,
    "request_documents": RequestDocumentsForm,
    "regularise_documents": RegulariseForm,
    "propose_exclusion": ExcludeForm,
    "exclude": ExcludeForm,
    "record_home_visit": HomeVisitForm,
    "request_proof": ProofRequestForm,
    "record_waiver": WaiverForm,
    "propose": ProposalForm,
    "decide": DecisionForm,
    "record_payment": PaymentForm,
    "record_expense_proof": ProofForm,
    "cease": CessationForm,
    "record_refund": RefundForm,
    "withdraw": WithdrawForm,
}
STEP_ACTIONS: dict[str, Action] = {
    "submit": _submit,
    "start_analysis": _start_analysis,
    "upload_document": _upload,
    "review_document": _review,
    "request_documents": _request_documents,
    "regularise_documents": _regularise,
    "propose_exclusion": _propose_exclusion,
    "exclude": _exclude,
    "record_home_visit": _home_visit,
    "request_proof": _request_proof,
    "record_waiver": _waiver,
    "propose": _propose,
    "decide": _decide,
    "record_payment": _pay,
    "record_expense_proof": _proof,
    "cease": _cease,
    "record_refund": _refund,
    "withdraw": _withdraw,
}
