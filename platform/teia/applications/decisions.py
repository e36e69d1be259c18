"""From the proposal to the end of the support: proposal, deliberation, payments, proofs of
expense, cessation and refund (arts. 17.º and 18.º).

At the proposal and again at the deliberation the application is judged anew, so the amounts
respect the caps given what the household was already paid this year in other applications.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from teia.applications.documents import store_document
from teia.applications.evaluation import deadline, evaluate_application, regulation_of
from teia.applications.models import (
    PROOF_OF_EXPENSE,
    Application,
    ApplicationDocument,
    ApplicationStatus,
    Decision,
    DecisionOutcome,
    DocumentStatus,
    Payment,
    PaymentMethod,
)
from teia.applications.workflow import Actor, ApplicationError, check, record
from teia.core.clock import today
from teia.people.identifiers import valid_nif
from teia.regulations.facts import Evaluation, ItemResult
from teia.regulations.labels import BOUND, CONDITION_KIND
from teia.tenants.services import tenant_in_scope

S = ApplicationStatus
CENT = Decimal("0.01")
_IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")
_PT_IBAN = re.compile(r"PT50\d{21}")


def normalise_iban(text: str) -> str:
    return "".join(text.split()).upper()


def valid_iban(iban: str) -> bool:
    """ISO 13616: the mod-97 check; a Portuguese IBAN is ``PT50`` and the 21-digit NIB."""
    if not _IBAN.fullmatch(iban) or (iban.startswith("PT") and not _PT_IBAN.fullmatch(iban)):
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def euros(amount: Decimal) -> str:
    """``1234.5`` → ``1 234,50 €`` (as amounts are written in Portugal)."""
    text = f"{amount.quantize(CENT):,.2f}".replace(",", " ").replace(".", ",")
    return f"{text} €"


def _results(evaluation: Evaluation) -> dict[str, ItemResult]:
    return {item.support_type: item for item in evaluation.items}


def _not_eligible(application: Application, evaluation: Evaluation) -> ApplicationError:
    reasons = [
        f"{CONDITION_KIND.get(c.kind, c.id)} (art. {c.article})"
        for c in evaluation.conditions
        if c.status in ("failed", "awaiting_evidence")
    ]
    labels = {d.code: d.label for d in application.documents}
    if evaluation.missing_documents:
        missing = [labels.get(code, code) for code in evaluation.missing_documents]
        reasons.append(_("documentos em falta: %(d)s", d=", ".join(missing)))
    text = "; ".join(reasons) or "—"
    if evaluation.outcome == "not_eligible":
        return ApplicationError(_("A candidatura não é elegível: %(reasons)s.", reasons=text))
    return ApplicationError(_("A candidatura aguarda prova: %(reasons)s.", reasons=text))


def _over_cap(label: str, amount: Decimal, result: ItemResult) -> ApplicationError:
    bound = result.bound_by
    why = f" ({BOUND.get(bound.code, bound.code)}, art. {bound.article})" if bound else ""
    return ApplicationError(
        _(
            "O montante para «%(label)s» (%(amount)s) excede o permitido: %(allowed)s%(why)s.",
            label=label,
            amount=euros(amount),
            allowed=euros(result.allowed),
            why=why,
        ),
        field="amounts",
    )


def _amounts(
    application: Application,
    evaluation: Evaluation,
    chosen: Mapping[int, Decimal],
    default: str,
) -> dict[int, Decimal]:
    """The amount per item: the one chosen, or ``default`` (the allowed or the proposed one),
    never above what the evaluation allows now."""
    results = _results(evaluation)
    unknown = set(chosen) - {item.id for item in application.items}
    if unknown:
        raise ApplicationError(_("Apoios que não são desta candidatura."), field="amounts")
    amounts = {}
    for item in application.items:
        result = results[item.support_type]
        fallback = result.allowed if default == "allowed" else item.proposed_amount
        amount = chosen.get(item.id, fallback or Decimal(0))
        if amount < 0:
            raise ApplicationError(_("Um montante não pode ser negativo."), field="amounts")
        if amount > result.allowed:
            raise _over_cap(result.label, amount, result)
        amounts[item.id] = amount.quantize(CENT)
    if not any(amounts.values()):
        raise ApplicationError(_("Nenhum apoio tem montante a atribuir."), field="amounts")
    return amounts


def propose(
    session: Session,
    application: Application,
    *,
    amounts: Mapping[int, Decimal] | None = None,
    note: str = "",
    actor: Actor,
) -> Evaluation:
    """The proposal to the decision maker: eligible, with an amount per item within the caps
    (by default the amount allowed)."""
    check(application, "propose", actor)
    day = today()
    missing = [
        d.label
        for d in application.documents
        if d.required
        and d.status in (DocumentStatus.MISSING, DocumentStatus.REJECTED)
        and (d.due_date is None or d.due_date < day)
    ]
    if missing:
        raise ApplicationError(
            _("Faltam documentos para propor o apoio: %(docs)s.", docs="; ".join(missing))
        )
    evaluation = evaluate_application(session, application)
    if evaluation.outcome != "eligible":
        raise _not_eligible(application, evaluation)
    proposed = _amounts(application, evaluation, amounts or {}, "allowed")
    for item in application.items:
        item.proposed_amount = proposed[item.id]
    record(
        session,
        application,
        "proposed",
        actor,
        to=S.PROPOSED,
        note=note.strip(),
        data={"amounts": {str(k): str(v) for k, v in proposed.items()}},
    )
    return evaluation


def decide(
    session: Session,
    application: Application,
    *,
    outcome: str,
    decided_on: date,
    reference: str,
    reasons: str = "",
    amounts: Mapping[int, Decimal] | None = None,
    actor: Actor,
) -> Decision:
    """The deliberation, recorded by the decision maker with its date and reference. An
    approval is checked again against the caps and what the household was paid this year."""
    check(application, "decide", actor)
    if outcome not in DecisionOutcome.__members__.values():
        raise ApplicationError(_("Indique se a candidatura é aprovada ou indeferida."), "outcome")
    if not reference.strip():
        raise ApplicationError(_("Indique a referência da deliberação."), field="reference")
    if not application.application_date <= decided_on <= today():
        raise ApplicationError(_("A data da deliberação não é válida."), field="decided_on")
    approved: dict[int, Decimal] = {}
    if outcome == DecisionOutcome.APPROVED:
        evaluation = evaluate_application(session, application)
        if evaluation.outcome != "eligible":
            raise _not_eligible(application, evaluation)
        approved = _amounts(application, evaluation, amounts or {}, "proposed")
    elif not reasons.strip():
        raise ApplicationError(_("Fundamente o indeferimento."), field="reasons")
    for item in application.items:
        item.approved_amount = approved.get(item.id)
    decision = Decision(
        outcome=DecisionOutcome(outcome),
        decided_on=decided_on,
        reference=reference.strip(),
        reasons=reasons.strip(),
        decided_by_id=actor.user_id,
    )
    application.decision = decision
    record(
        session,
        application,
        "decided",
        actor,
        to=S.APPROVED if outcome == DecisionOutcome.APPROVED else S.REJECTED,
        note=reasons.strip(),
        data={
            "outcome": outcome,
            "decided_on": decided_on.isoformat(),
            "reference": decision.reference,
            "amounts": {str(k): str(v) for k, v in approved.items()},
        },
    )
    return decision


def record_payment(
    session: Session,
    application: Application,
    *,
    item_id: int,
    amount: Decimal,
    method: str,
    paid_on: date,
    iban: str | None = None,
    supplier_name: str | None = None,
    supplier_nif: str | None = None,
    actor: Actor,
) -> Payment:
    """A payment of an approved item (art. 17.º, n.º 3): by transfer to a valid IBAN, in
    cash, or to the supplier (name and NIF). Every approved item paid: the application is paid."""
    check(application, "record_payment", actor)
    item = next((i for i in application.items if i.id == item_id), None)
    if item is None or not item.approved_amount:
        raise ApplicationError(_("Esse apoio não foi aprovado nesta candidatura."), "item_id")
    owed = item.approved_amount - item.paid_amount
    if amount <= 0 or amount > owed:
        raise ApplicationError(
            _("O montante tem de ser positivo e até %(owed)s.", owed=euros(owed)), field="amount"
        )
    regulation = regulation_of(application)
    if method not in regulation.payment.methods:
        raise ApplicationError(
            _("O regulamento não prevê esta forma de pagamento."), field="method"
        )
    assert application.decision is not None
    if not application.decision.decided_on <= paid_on <= today():
        raise ApplicationError(
            _("O pagamento só é devido a partir da data da deliberação (art. 17.º)."),
            field="paid_on",
        )
    payment = Payment(
        item_id=item.id,
        amount=amount.quantize(CENT),
        method=PaymentMethod(method),
        paid_on=paid_on,
        recorded_by_id=actor.user_id,
    )
    if method == PaymentMethod.BANK_TRANSFER:
        payment.iban = normalise_iban(iban or application.iban or "")
        if not valid_iban(payment.iban):
            raise ApplicationError(_("O IBAN não é válido."), field="iban")
    elif method == PaymentMethod.SUPPLIER:
        payment.supplier_name = (supplier_name or application.supplier_name or "").strip()
        payment.supplier_nif = (supplier_nif or application.supplier_nif or "").strip()
        if not payment.supplier_name or not valid_nif(payment.supplier_nif):
            raise ApplicationError(
                _("Indique o nome e um NIF válido do fornecedor."), field="supplier_nif"
            )
    payment.proof_due_on = deadline(
        tenant_in_scope(session), regulation, "proof_of_expense", paid_on
    )
    item.paid_amount += payment.amount
    application.payments.append(payment)
    complete = all(i.paid_amount >= (i.approved_amount or 0) for i in application.items)
    record(
        session,
        application,
        "payment_recorded",
        actor,
        to=S.PAID if complete else None,
        data={
            "item": item.support_type,
            "amount": str(payment.amount),
            "method": method,
            "paid_on": paid_on.isoformat(),
        },
    )
    return payment


def record_expense_proof(
    session: Session,
    application: Application,
    *,
    payment_id: int,
    data: bytes,
    filename: str,
    received_on: date | None = None,
    actor: Actor,
) -> Payment:
    """The proof of the expense a payment paid (art. 17.º, n.º 1), with its file; once every
    payment of a paid application is proven, the application is closed."""
    check(application, "record_expense_proof", actor)
    payment = next((p for p in application.payments if p.id == payment_id), None)
    if payment is None or payment.proof_received_on is not None:
        raise ApplicationError(
            _("Esse pagamento não existe ou já tem comprovativo."), field="payment_id"
        )
    received_on = received_on or today()
    if not payment.paid_on <= received_on <= today():
        raise ApplicationError(_("A data de entrega não é válida."), field="received_on")
    regulation = regulation_of(application)
    document = ApplicationDocument(
        code=PROOF_OF_EXPENSE,
        label=_("Comprovativo da despesa"),
        article=regulation.payment.article,
        required=False,
        status=DocumentStatus.MISSING,
    )
    application.documents.append(document)
    session.flush()
    store_document(session, application, document, data, filename, actor)
    payment.proof_document_id = document.id
    payment.proof_received_on = received_on
    late = received_on > payment.proof_due_on
    proven = all(p.proof_received_on is not None for p in application.payments)
    record(
        session,
        application,
        "expense_proven",
        actor,
        to=S.CLOSED if proven and application.status == S.PAID else None,
        data={"payment": payment.id, "received_on": received_on.isoformat(), "late": late},
    )
    return payment


def cease(
    session: Session,
    application: Application,
    *,
    cause: str,
    ceased_on: date,
    reason: str,
    refund_amount: Decimal | None = None,
    actor: Actor,
) -> None:
    """End the support for a cause of art. 18.º; when the cause carries a refund, the amount
    to give back (at most what was paid) and why."""
    check(application, "cease", actor)
    regulation = regulation_of(application)
    found = next((c for c in regulation.cessation_causes if c.code == cause), None)
    if found is None:
        raise ApplicationError(_("Causa de cessação que o regulamento não prevê."), "cause")
    if not reason.strip():
        raise ApplicationError(_("Fundamente a cessação."), field="reason")
    if not application.application_date <= ceased_on <= today():
        raise ApplicationError(_("A data da cessação não é válida."), field="ceased_on")
    paid = sum((i.paid_amount for i in application.items), Decimal(0))
    refund = (refund_amount or Decimal(0)).quantize(CENT)
    if found.refund and refund <= 0:
        raise ApplicationError(
            _(
                "Esta causa implica a devolução do apoio: indique o montante (art. %(a)s).",
                a=found.article,
            ),
            field="refund_amount",
        )
    if refund < 0 or refund > paid:
        raise ApplicationError(
            _("A devolução vai de 0 até ao que foi pago (%(paid)s).", paid=euros(paid)),
            field="refund_amount",
        )
    remaining = refund
    for item in application.items:
        item.refunded_amount = min(remaining, item.paid_amount)
        remaining -= item.refunded_amount
    application.cessation_cause = cause
    application.ceased_on = ceased_on
    application.refund_amount = refund or None
    application.refund_reason = reason.strip()
    record(
        session,
        application,
        "ceased",
        actor,
        to=S.CEASED,
        note=reason.strip(),
        data={"cause": cause, "article": found.article, "refund": str(refund)},
    )


def record_refund(
    session: Session, application: Application, *, refunded_on: date, actor: Actor
) -> None:
    """The refund came back to the council: from then on it no longer counts as paid."""
    check(application, "record_refund", actor)
    if not application.refund_amount or application.refunded_on is not None:
        raise ApplicationError(_("Não há devolução por registar."))
    assert application.ceased_on is not None
    if not application.ceased_on <= refunded_on <= today():
        raise ApplicationError(_("A data da devolução não é válida."), field="refunded_on")
    application.refunded_on = refunded_on
    record(
        session,
        application,
        "refunded",
        actor,
        data={"amount": str(application.refund_amount), "refunded_on": refunded_on.isoformat()},
    )
