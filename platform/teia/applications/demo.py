"""Demo applications in Mourão, made through the services as a technician would make them.

The first family (case ``…/0001``) has one in analysis with documents still to deliver; the
older man living alone (case ``…/0002``) has one proposed for the Câmara's deliberation, so the
decision maker and finance have something to do. Idempotent by the submission keys.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from teia.accounts.models import Role, User
from teia.applications import services
from teia.applications.models import Application, DocumentStatus
from teia.applications.services import (
    Actor,
    ExpenseInput,
    HouseholdInput,
    IncomeInput,
    ItemInput,
    MemberInput,
)
from teia.cases.models import Case
from teia.core.tenancy import tenant_scope
from teia.tenants.models import Tenant

KEYS = ("demo-application-0001", "demo-application-0002")
DEMO_IBAN = "PT50000201231234567890154"
# A one-page PDF: what a scanned proof looks like to the type check.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _age(born: date | None, on: date) -> int:
    assert born is not None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def load_demo_applications(session: Session, mourao: Tenant) -> None:
    technician = session.scalar(select(User).where(User.email == "tecnica@mourao.demo"))
    assert technician is not None
    actor = Actor(technician.id, frozenset({Role.TECHNICIAN}))
    with tenant_scope(mourao.id):
        if session.scalar(select(Application.id).where(Application.submission_key.in_(KEYS))):
            return
        cases = list(session.scalars(select(Case).order_by(Case.id).limit(2)))
        if len(cases) < 2:
            return
        family, elder = cases
        _family_application(session, family, actor)
        _elder_application(session, elder, actor)
        session.flush()


def _members(case: Case, on: date) -> list[MemberInput]:
    return [
        MemberInput(
            _age(m.person.birth_date, on),
            m.relationship_to_representative,
            m.person.full_name,
            person_id=m.person_id,
            applicant=m.person_id == case.person_id,
        )
        for m in case.household.members
    ]


def _family_application(session: Session, case: Case, actor: Actor) -> None:
    on = date.today() - timedelta(days=3)  # noqa: DTZ011 - demo dates follow the calendar
    members = _members(case, on)
    members[0] = MemberInput(**{**vars(members[0]), "unemployed": True})
    application, _ = services.create_application(
        session,
        household_id=case.household_id,
        applicant_id=case.person_id,
        case_id=case.id,
        technician_id=actor.user_id,  # type: ignore[arg-type]
        application_date=on,
        snapshot=HouseholdInput(
            members=members,
            incomes=[IncomeInput("social_benefits", Decimal("4200.00"), "annual", 0)],
            expenses=[
                ExpenseInput("housing", Decimal("225.00")),
                ExpenseInput("utilities", Decimal("48.30")),
            ],
            residence_months=84,
            debts_to_council="none",
            other_support_same_purpose=False,
        ),
        items=[
            ItemInput("utilities", "Faturas de eletricidade e água em atraso", Decimal("96.40")),
            ItemInput("essential_goods", "Alimentação e higiene para um mês", Decimal("150.00")),
        ],
        payment_method="supplier",
        supplier_name="Mercearia Central de Mourão, Lda.",
        supplier_nif="503630330",
        submission_key=KEYS[0],
        actor=actor,
    )
    services.submit(session, application, actor=actor)
    services.start_analysis(session, application, actor=actor)
    for document in application.documents:
        if document.code in ("websiss_form", "income_proof"):
            _deliver(session, application, document.id, document.code, actor)


def _elder_application(session: Session, case: Case, actor: Actor) -> None:
    on = date.today() - timedelta(days=12)  # noqa: DTZ011 - demo dates follow the calendar
    application, _ = services.create_application(
        session,
        household_id=case.household_id,
        applicant_id=case.person_id,
        case_id=case.id,
        technician_id=actor.user_id,  # type: ignore[arg-type]
        application_date=on,
        snapshot=HouseholdInput(
            members=_members(case, on),
            incomes=[IncomeInput("pensions", Decimal("3360.00"), "annual", 0)],
            expenses=[ExpenseInput("health", Decimal("38.75"))],
            residence_months=600,
            debts_to_council="none",
            other_support_same_purpose=False,
        ),
        items=[ItemInput("medicines", "Medicação crónica de três meses", Decimal("116.25"))],
        payment_method="bank_transfer",
        iban=DEMO_IBAN,
        submission_key=KEYS[1],
        actor=actor,
    )
    services.submit(session, application, actor=actor)
    services.start_analysis(session, application, actor=actor)
    for document in application.documents:
        if document.status == DocumentStatus.MISSING:
            _deliver(session, application, document.id, document.code, actor)
    services.propose(session, application, actor=actor)


def _deliver(
    session: Session, application: Application, document_id: int, code: str, actor: Actor
) -> None:
    services.upload_document(
        session,
        application,
        document_id=document_id,
        data=DEMO_PDF,
        filename=f"{code}.pdf",
        actor=actor,
    )
