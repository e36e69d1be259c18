"""Intake: an application recorded as a draft, checked against the household and the
regulation in force on its date, with the document checklist that regulation asks for."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from teia.applications.decisions import normalise_iban, valid_iban
from teia.applications.evaluation import (
    HouseholdInput,
    ItemInput,
    deadline,
    household_snapshot,
    request_items,
    snapshot_data,
)
from teia.applications.models import (
    Application,
    ApplicationDocument,
    ApplicationItem,
    ApplicationStatus,
    DocumentStatus,
    PaymentMethod,
)
from teia.applications.workflow import STEPS, Actor, ApplicationError, NotAllowed, record
from teia.cases.models import Case
from teia.cases.services import professionals
from teia.core.clock import today
from teia.core.numbering import next_yearly_number
from teia.core.tenancy import require_tenant_id
from teia.people.identifiers import valid_nif
from teia.people.models import HouseholdMember, Relationship
from teia.regulations.engine import checklist
from teia.regulations.facts import SupportRequest
from teia.regulations.models import RegulationVersion
from teia.regulations.schema import EXPENSE_KINDS, INCOME_SOURCES, RegulationFile
from teia.regulations.services import NoRegulationInForce, regulation_doc, version_in_force
from teia.tenants.services import tenant_in_scope

S = ApplicationStatus
DEBT_STATUSES = ("none", "in_resolution", "owing")
RELATIONSHIPS = frozenset(Relationship)


def create_application(
    session: Session,
    *,
    household_id: int,
    applicant_id: int,
    case_id: int | None,
    technician_id: int,
    application_date: date,
    snapshot: HouseholdInput,
    items: Sequence[ItemInput],
    payment_method: str | None,
    iban: str | None = None,
    supplier_name: str | None = None,
    supplier_nif: str | None = None,
    submission_key: str | None = None,
    actor: Actor,
) -> tuple[Application, bool]:
    """Record an application (a draft) and its document checklist from the regulation in
    force on its date. ``(application, False)`` when this submission had already created it."""
    if submission_key:
        earlier = session.scalar(
            select(Application).where(Application.submission_key == submission_key)
        )
        if earlier is not None:
            return earlier, False
    _check_intake(application_date, actor)
    version = _version(session, application_date)
    regulation = regulation_doc(version)
    _check_people(session, household_id, applicant_id, case_id)
    if technician_id not in {u.id for u in professionals(session, STEPS["submit"].roles)}:
        raise ApplicationError(
            _("O técnico responsável tem de ser da equipa do município."), field="technician_id"
        )
    _check_household(snapshot)
    _check_items(items, regulation)
    method, iban, supplier_name, supplier_nif = _check_payment(
        regulation, payment_method, iban, supplier_name, supplier_nif
    )
    application = Application(
        number=next_yearly_number(session, Application.number, application_date.year),
        household_id=household_id,
        applicant_id=applicant_id,
        case_id=case_id,
        technician_id=technician_id,
        status=S.DRAFT,
        application_date=application_date,
        regulation_version=version,
        snapshot=snapshot_data(snapshot),
        waivers={},
        payment_method=method,
        iban=iban,
        supplier_name=supplier_name,
        supplier_nif=supplier_nif,
        submission_key=submission_key,
        items=[
            ApplicationItem(
                position=n,
                support_type=i.support_type,
                description=i.description.strip(),
                requested_amount=i.amount,
                quotes=[str(q) for q in i.quotes],
                units=i.units,
            )
            for n, i in enumerate(items, 1)
        ],
        events=[],
        documents=[],
    )
    application.documents = _checklist(session, regulation, application, snapshot)
    session.add(application)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise ApplicationError(
            _("Outra candidatura foi registada neste instante; tente de novo.")
        ) from None
    record(session, application, "created", actor, data={"number": application.number})
    return application, True


def _check_intake(application_date: date, actor: Actor) -> None:
    if not actor.roles & STEPS["submit"].roles:
        raise NotAllowed(_("O seu papel no município não permite registar candidaturas."))
    if application_date > today():
        raise ApplicationError(
            _("A data da candidatura não pode ser futura."), field="application_date"
        )


def _version(session: Session, on: date) -> RegulationVersion:
    try:
        return version_in_force(session, require_tenant_id(), on)
    except NoRegulationInForce as exc:
        raise ApplicationError(str(exc), field="application_date") from None


def _check_people(
    session: Session, household_id: int, applicant_id: int, case_id: int | None
) -> None:
    member = session.scalar(
        select(HouseholdMember.id).where(
            HouseholdMember.household_id == household_id,
            HouseholdMember.person_id == applicant_id,
            HouseholdMember.left_on.is_(None),
        )
    )
    if member is None:
        raise ApplicationError(
            _("O requerente tem de ser membro do agregado."), field="applicant_id"
        )
    if case_id is not None:
        case = session.get(Case, case_id)
        if case is None or case.household_id != household_id:
            raise ApplicationError(_("O processo indicado não é deste agregado."), field="case_id")


def _check_household(household: HouseholdInput) -> None:
    if not household.members:
        raise ApplicationError(_("Indique os membros do agregado."), field="members")
    if sum(m.applicant for m in household.members) != 1:
        raise ApplicationError(_("Um, e só um, dos membros é o requerente."), field="members")
    for member in household.members:
        if not 0 <= member.age <= 130 or member.relationship not in RELATIONSHIPS:
            raise ApplicationError(_("Membro inválido: idade ou parentesco."), field="members")
    for income in household.incomes:
        if income.source not in INCOME_SOURCES:
            raise ApplicationError(
                _("Fonte de rendimento desconhecida: %(s)s.", s=income.source), field="incomes"
            )
        if income.amount < 0 or income.period not in ("annual", "monthly"):
            raise ApplicationError(_("Rendimento inválido."), field="incomes")
        if income.member is not None and not 0 <= income.member < len(household.members):
            raise ApplicationError(_("Rendimento de um membro que não existe."), field="incomes")
    unknown = sorted({e.kind for e in household.expenses} - set(EXPENSE_KINDS))
    if unknown:
        raise ApplicationError(
            _("Despesas desconhecidas: %(k)s.", k=", ".join(unknown)), field="expenses"
        )
    if any(e.monthly_amount < 0 for e in household.expenses):
        raise ApplicationError(_("Uma despesa não pode ser negativa."), field="expenses")
    if household.debts_to_council not in (None, *DEBT_STATUSES):
        raise ApplicationError(_("Situação de dívidas inválida."), field="debts_to_council")
    if household.residence_months is not None and household.residence_months < 0:
        raise ApplicationError(_("Tempo de residência inválido."), field="residence_months")
    if household.assets is not None and household.assets < 0:
        raise ApplicationError(_("Património inválido."), field="assets")


def _check_items(items: Sequence[ItemInput], regulation: RegulationFile) -> None:
    if not items:
        raise ApplicationError(_("Indique pelo menos um apoio pedido."), field="items")
    codes = [i.support_type for i in items]
    unknown = sorted(set(codes) - set(regulation.support_by_code))
    if unknown:
        raise ApplicationError(
            _("Tipos de apoio que o regulamento não prevê: %(codes)s.", codes=", ".join(unknown)),
            field="items",
        )
    if len(set(codes)) != len(codes):
        raise ApplicationError(_("Cada tipo de apoio só pode ser pedido uma vez."), field="items")
    for item in items:
        amounts = [*item.quotes, *([item.amount] if item.amount is not None else [])]
        if any(a <= 0 for a in amounts) or (item.units is not None and item.units < 1):
            raise ApplicationError(_("Montantes e quantidades têm de ser positivos."), "items")
        if item.amount is None and not item.quotes:
            raise ApplicationError(
                _("Indique o montante ou os orçamentos de cada apoio."), field="items"
            )


def _check_payment(
    regulation: RegulationFile,
    method: str | None,
    iban: str | None,
    supplier_name: str | None,
    supplier_nif: str | None,
) -> tuple[PaymentMethod | None, str | None, str | None, str | None]:
    if method is None:
        return None, None, None, None
    if method not in regulation.payment.methods:
        raise ApplicationError(
            _("O regulamento não prevê esta forma de pagamento."), field="payment_method"
        )
    iban = normalise_iban(iban) if iban else None
    if iban is not None and not valid_iban(iban):
        raise ApplicationError(_("O IBAN não é válido."), field="iban")
    supplier_nif = (supplier_nif or "").strip() or None
    if supplier_nif is not None and not valid_nif(supplier_nif):
        raise ApplicationError(_("O NIF do fornecedor não é válido."), field="supplier_nif")
    if method != PaymentMethod.SUPPLIER:
        supplier_name = supplier_nif = None
    return (
        PaymentMethod(method),
        iban if method == PaymentMethod.BANK_TRANSFER else None,
        (supplier_name or "").strip() or None,
        supplier_nif,
    )


def _checklist(
    session: Session,
    regulation: RegulationFile,
    application: Application,
    household: HouseholdInput,
) -> list[ApplicationDocument]:
    request = SupportRequest(
        items=request_items(application.items), payment_method=application.payment_method
    )
    tenant = tenant_in_scope(session)
    documents = []
    for need in checklist(
        regulation, household_snapshot(household), request, application.payment_method
    ):
        due = None
        if need.deadline:
            due = deadline(tenant, regulation, need.deadline, application.application_date)
        documents.append(
            ApplicationDocument(
                code=need.code,
                label=need.label,
                article=need.article,
                required=True,
                status=DocumentStatus.MISSING,
                due_date=due,
            )
        )
    return documents
