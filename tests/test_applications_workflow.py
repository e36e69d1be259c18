"""Applications for emergency social support under Mourão's regulation, from intake to payment:
every step with its checks, deadlines in working days, caps re-checked at the decision, and
every step audited."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import select

from teia.accounts.models import Role, User
from teia.applications import services, tasks
from teia.applications.deadlines import run_daily_deadlines
from teia.applications.decisions import valid_iban
from teia.applications.evaluation import paid_this_year
from teia.applications.models import (
    Application,
    ApplicationStatus,
    DocumentStatus,
    RequestStatus,
)
from teia.applications.services import (
    Actor,
    ApplicationError,
    ExpenseInput,
    HouseholdInput,
    IncomeInput,
    ItemInput,
    MemberInput,
    NotAllowed,
)
from teia.audit.models import AuditEvent
from teia.core.clock import today
from teia.core.db import db
from teia.core.tenancy import tenant_scope
from teia.notifications.models import Notification, Reminder
from teia.notifications.services import dispatch_due_reminders
from teia.people.models import Relationship
from teia.people.services import PersonData, add_member, create_person, new_household
from teia.tenants.models import Tenant

S = ApplicationStatus
IBAN = "PT50000201231234567890154"
PDF = b"%PDF-1.7\n%%EOF\n"
SUPPLIER_NIF = "503504564"  # a company NIF with a valid check digit


@dataclass(frozen=True)
class World:
    """Mourão, in its scope: a household of a mother and her son, and who acts on it."""

    tenant: Tenant
    household: int
    applicant: int
    child: int
    technician: Actor
    decider: Actor
    finance: Actor
    admin: Actor


def user_id(email: str) -> int:
    found = db.session.scalar(select(User.id).where(User.email == email))
    assert found is not None
    return found


@pytest.fixture
def world(app: Flask) -> Iterator[World]:
    with app.test_request_context():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "mourao"))
        assert tenant is not None
        with tenant_scope(tenant.id):
            yield make_world(tenant)


def make_world(tenant: Tenant) -> World:
    """A household in the council in scope, and its staff as actors."""
    slug = tenant.slug
    manager = user_id(f"gestora@{slug}.demo") if slug == "mourao" else None
    mother, _ = create_person(
        db.session, PersonData("Filipa", "Arrais Mota"), actor_id=manager or 0
    )
    son, _ = create_person(db.session, PersonData("Tomé", "Arrais Mota"), actor_id=manager or 0)
    household = new_household(db.session, mother, address="Rua da Orada 3")
    add_member(db.session, household, son, Relationship.CHILD)
    return World(
        tenant=tenant,
        household=household.id,
        applicant=mother.id,
        child=son.id,
        technician=Actor(user_id("tecnica@mourao.demo"), frozenset({Role.TECHNICIAN})),
        decider=Actor(user_id("decisao@mourao.demo"), frozenset({Role.DECISION_MAKER})),
        finance=Actor(user_id("financas@mourao.demo"), frozenset({Role.FINANCE})),
        admin=Actor(user_id("coordenacao@mourao.demo"), frozenset({Role.TENANT_ADMIN})),
    )


def household_input(
    *,
    annual_income: str = "3000.00",
    rent: str = "150.00",
    residence_months: int = 60,
    social_emergency: bool = False,
    unemployed: bool = False,
) -> HouseholdInput:
    return HouseholdInput(
        members=[
            MemberInput(41, "representative", "Filipa", applicant=True, unemployed=unemployed),
            MemberInput(9, "child", "Tomé"),
        ],
        incomes=[IncomeInput("social_benefits", Decimal(annual_income), "annual", 0)],
        expenses=[ExpenseInput("housing", Decimal(rent))],
        residence_months=residence_months,
        debts_to_council="none",
        other_support_same_purpose=False,
        social_emergency=social_emergency,
    )


def new_application(
    w: World,
    *,
    on: date | None = None,
    household: HouseholdInput | None = None,
    items: list[ItemInput] | None = None,
    payment_method: str = "bank_transfer",
    key: str | None = None,
) -> Application:
    application, _created = services.create_application(
        db.session,
        household_id=w.household,
        applicant_id=w.applicant,
        case_id=None,
        technician_id=w.technician.user_id,  # type: ignore[arg-type]
        application_date=on or today(),
        snapshot=household or household_input(),
        items=items or [ItemInput("utilities", "Faturas de janeiro", Decimal("180.00"))],
        payment_method=payment_method,
        iban=IBAN if payment_method == "bank_transfer" else None,
        submission_key=key,
        actor=w.technician,
    )
    return application


def deliver_all(w: World, application: Application) -> None:
    """Every document of the checklist delivered (a small PDF each)."""
    for document in application.documents:
        if document.status in (DocumentStatus.MISSING, DocumentStatus.REJECTED):
            services.upload_document(
                db.session,
                application,
                document_id=document.id,
                data=PDF,
                filename=f"{document.code}.pdf",
                actor=w.technician,
            )


def to_analysis(w: World, application: Application) -> None:
    services.submit(db.session, application, actor=w.technician)
    services.start_analysis(db.session, application, actor=w.technician)


def to_approved(
    w: World, application: Application, reference: str = "Deliberação n.º 1/2026"
) -> None:
    to_analysis(w, application)
    deliver_all(w, application)
    services.propose(db.session, application, actor=w.technician)
    services.decide(
        db.session,
        application,
        outcome="approved",
        decided_on=application.application_date,
        reference=reference,
        actor=w.decider,
    )


def codes(application: Application) -> set[str]:
    return {d.code for d in application.documents}


def audited(application: Application) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(
                AuditEvent.object_type == "application", AuditEvent.object_id == str(application.id)
            )
            .order_by(AuditEvent.id)
        )
    )


# --- the whole path -------------------------------------------------------------------------


def test_from_intake_to_closure(world: World) -> None:
    w = world
    application = new_application(w, key="9d6f6b8e-0c8e-4a53-9d5a-1f7f1d0e0001")
    assert application.status == S.DRAFT
    year, sequence = application.number.split("/")
    assert (year, len(sequence)) == (str(today().year), 4)
    assert application.regulation_version.effective_from == date(2024, 4, 2)
    # The checklist of art. 9.º for this household: housing receipt (it declares rent) and
    # the IBAN proof (payment by transfer); no IEFP proof (nobody unemployed).
    assert codes(application) == {
        "websiss_form",
        "income_proof",
        "residence_certificate",
        "assets_declaration",
        "housing_receipt",
        "iban_proof",
    }
    same, created = services.create_application(
        db.session,
        household_id=w.household,
        applicant_id=w.applicant,
        case_id=None,
        technician_id=w.technician.user_id,  # type: ignore[arg-type]
        application_date=today(),
        snapshot=household_input(),
        items=[ItemInput("utilities", "", Decimal("1.00"))],
        payment_method="cash",
        submission_key="9d6f6b8e-0c8e-4a53-9d5a-1f7f1d0e0001",
        actor=w.technician,
    )
    assert (same.id, created) == (application.id, False)  # a double submit creates nothing

    services.submit(db.session, application, actor=w.technician)
    assert application.evaluation is not None
    assert application.evaluation["outcome"] == "awaiting_evidence"
    services.start_analysis(db.session, application, actor=w.technician)

    notice = services.request_documents(
        db.session,
        application,
        codes=["residence_certificate", "income_proof"],
        note="Entregar no SAAS.",
        actor=w.technician,
    )
    assert application.status == S.AWAITING_DOCUMENTS
    assert notice.due_on > today()
    with pytest.raises(ApplicationError, match="Faltam ainda documentos pedidos"):
        services.regularise_documents(db.session, application, actor=w.technician)
    deliver_all(w, application)
    services.regularise_documents(db.session, application, actor=w.technician)
    assert application.status == S.IN_ANALYSIS and notice.status == RequestStatus.REGULARISED

    services.record_home_visit(
        db.session,
        application,
        visited_on=today(),
        findings="Casa arrendada, sem aquecimento; a filha frequenta a escola.",
        social_opinion="Parecer favorável: carência económica confirmada.",
        actor=w.technician,
    )
    services.request_proof(
        db.session,
        application,
        what="Declaração da Segurança Social sobre as prestações recebidas.",
        due_on=today() + timedelta(days=5),
        actor=w.technician,
    )
    evaluation = services.propose(db.session, application, actor=w.technician)
    assert evaluation.outcome == "eligible"
    [item] = application.items
    assert item.proposed_amount == Decimal("180.00")
    assert application.status == S.PROPOSED

    with pytest.raises(NotAllowed, match="não permite registar a deliberação"):
        services.decide(
            db.session,
            application,
            outcome="approved",
            decided_on=today(),
            reference="Deliberação n.º 45/2026",
            actor=w.technician,
        )
    with pytest.raises(ApplicationError, match="referência da deliberação"):
        services.decide(
            db.session,
            application,
            outcome="approved",
            decided_on=today(),
            reference=" ",
            actor=w.decider,
        )
    decision = services.decide(
        db.session,
        application,
        outcome="approved",
        decided_on=today(),
        reference="Deliberação n.º 45/2026",
        actor=w.decider,
    )
    assert (decision.reference, decision.decided_on) == ("Deliberação n.º 45/2026", today())
    assert application.status == S.APPROVED and item.approved_amount == Decimal("180.00")

    with pytest.raises(NotAllowed):
        services.record_payment(
            db.session,
            application,
            item_id=item.id,
            amount=Decimal("180.00"),
            method="bank_transfer",
            paid_on=today(),
            actor=w.technician,
        )
    with pytest.raises(ApplicationError, match="O IBAN não é válido") as bad:
        services.record_payment(
            db.session,
            application,
            item_id=item.id,
            amount=Decimal("180.00"),
            method="bank_transfer",
            paid_on=today(),
            iban="PT50000201231234567890155",
            actor=w.finance,
        )
    assert bad.value.field == "iban"
    payment = services.record_payment(
        db.session,
        application,
        item_id=item.id,
        amount=Decimal("180.00"),
        method="bank_transfer",
        paid_on=today(),
        actor=w.finance,
    )
    assert payment.iban == IBAN  # the one given at intake
    assert application.status == S.PAID
    # Proof of the expense: by the end of the month after the payment (art. 17.º, n.º 1).
    assert payment.proof_due_on.month == (today().month % 12) + 1
    assert (payment.proof_due_on + timedelta(days=1)).day == 1
    services.record_expense_proof(
        db.session,
        application,
        payment_id=payment.id,
        data=PDF,
        filename="fatura.pdf",
        actor=w.technician,
    )
    assert application.status == S.CLOSED

    kinds = [e.kind for e in application.events]
    assert kinds[:5] == [
        "created",
        "submitted",
        "analysis_started",
        "documents_requested",
        "document_uploaded",
    ]
    transitions = [(e.kind, e.from_status, e.to_status) for e in application.events if e.to_status]
    assert transitions == [
        ("submitted", S.DRAFT, S.SUBMITTED),
        ("analysis_started", S.SUBMITTED, S.IN_ANALYSIS),
        ("documents_requested", S.IN_ANALYSIS, S.AWAITING_DOCUMENTS),
        ("documents_regularised", S.AWAITING_DOCUMENTS, S.IN_ANALYSIS),
        ("proposed", S.IN_ANALYSIS, S.PROPOSED),
        ("decided", S.PROPOSED, S.APPROVED),
        ("payment_recorded", S.APPROVED, S.PAID),
        ("expense_proven", S.PAID, S.CLOSED),
    ]
    # Every step is in the audit log, with who did it.
    assert audited(application) == [f"application.{e.kind}" for e in application.events]
    decided = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "application.decided",
            AuditEvent.object_id == str(application.id),
        )
    )
    assert decided is not None and decided.actor_id == w.decider.user_id
    assert decided.details["reference"] == "Deliberação n.º 45/2026"


# --- missing documents: 10 working days, then the exclusion proposal -----------------------


@pytest.mark.parametrize(
    ("notified_on", "due_on"),
    [
        # Friday before Mourão's own holiday (2 February): Monday does not count.
        (date(2026, 1, 30), date(2026, 2, 16)),
        # Friday before 8 December (a national holiday), then the weekends.
        (date(2025, 12, 5), date(2025, 12, 22)),
    ],
)
def test_the_regularisation_deadline_counts_working_days_with_holidays(
    world: World, notified_on: date, due_on: date
) -> None:
    application = new_application(world, on=notified_on - timedelta(days=3))
    to_analysis(world, application)
    notice = services.request_documents(
        db.session,
        application,
        codes=["income_proof"],
        notified_on=notified_on,
        actor=world.technician,
    )
    assert notice.due_on == due_on
    event = application.events[-1]
    assert event.data["due_on"] == due_on.isoformat()


def test_a_missing_document_excludes_only_after_the_deadline(world: World) -> None:
    w = world
    application = new_application(w, on=date(2026, 1, 26))
    to_analysis(w, application)
    notice = services.request_documents(
        db.session,
        application,
        codes=["residence_certificate"],
        notified_on=date(2026, 1, 30),
        actor=w.technician,
    )
    assert notice.due_on == date(2026, 2, 16)
    # On the last day nothing happens, by hand or by the daily task.
    with pytest.raises(ApplicationError, match="só termina a 16/02/2026"):
        services.propose_exclusion(
            db.session,
            application,
            cause="not_regularised",
            actor=w.technician,
            on=date(2026, 2, 16),
        )
    assert run_daily_deadlines(db.session, w.tenant, date(2026, 2, 16)) == 0
    assert application.status == S.AWAITING_DOCUMENTS
    # The day after, the task proposes the exclusion and tells the technician.
    assert run_daily_deadlines(db.session, w.tenant, date(2026, 2, 17)) == 1
    assert application.status == S.EXCLUSION_PROPOSED
    assert application.exclusion_cause == "not_regularised"
    assert notice.status == RequestStatus.EXPIRED
    event = application.events[-1]
    assert (event.kind, event.actor_id, event.data["article"]) == (
        "exclusion_proposed",
        None,
        "12.º, n.º 1",
    )
    [note] = db.session.scalars(
        select(Notification).where(
            Notification.user_id == w.technician.user_id,
            Notification.kind == "application_exclusion_proposed",
        )
    )
    assert application.number in note.subject
    assert run_daily_deadlines(db.session, w.tenant, date(2026, 2, 18)) == 0  # once
    # The exclusion is decided by the decision maker or the coordination, not the technician.
    with pytest.raises(NotAllowed):
        services.exclude(db.session, application, cause="not_regularised", actor=w.technician)
    with pytest.raises(ApplicationError, match="não prevê"):
        services.exclude(db.session, application, cause="bad_luck", actor=w.decider)
    services.exclude(db.session, application, cause="not_regularised", actor=w.decider)
    assert application.status == S.EXCLUDED


def test_a_late_regularisation_needs_a_justification(world: World) -> None:
    w = world
    application = new_application(w, on=date(2026, 1, 26))
    to_analysis(w, application)
    services.request_documents(
        db.session,
        application,
        codes=["income_proof"],
        notified_on=date(2026, 1, 30),
        actor=w.technician,
    )
    run_daily_deadlines(db.session, w.tenant, date(2026, 2, 17))
    deliver_all(w, application)
    with pytest.raises(ApplicationError, match=r"art\. 12\.º, n\.º 2") as refused:
        services.regularise_documents(db.session, application, actor=w.technician)
    assert refused.value.field == "note"
    services.regularise_documents(
        db.session, application, note="Internamento hospitalar comprovado.", actor=w.technician
    )
    assert application.status == S.IN_ANALYSIS
    assert application.events[-1].data == {"late": True}


def test_reminders_before_the_deadline_and_for_proofs_of_expense(world: World) -> None:
    w = world
    application = new_application(w, on=date(2026, 1, 26))
    to_analysis(w, application)
    services.request_documents(
        db.session,
        application,
        codes=["income_proof"],
        notified_on=date(2026, 1, 30),
        actor=w.technician,
    )
    run_daily_deadlines(db.session, w.tenant, date(2026, 2, 11))  # 3 working days before
    assert not db.session.scalars(select(Reminder).where(Reminder.kind.like("application%"))).all()
    run_daily_deadlines(db.session, w.tenant, date(2026, 2, 12))  # 2 working days before
    run_daily_deadlines(db.session, w.tenant, date(2026, 2, 12))  # scheduled once
    [reminder] = db.session.scalars(select(Reminder).where(Reminder.kind.like("application%")))
    assert (reminder.kind, reminder.user_id) == ("application_documents_due", w.technician.user_id)
    assert dispatch_due_reminders(db.session, date(2026, 2, 12)) >= 1
    sent = db.session.get(Notification, reminder.notification_id)
    assert sent is not None and "16/02/2026" in sent.body

    paid = new_application(w)
    to_approved(w, paid)
    [item] = paid.items
    payment = services.record_payment(
        db.session,
        paid,
        item_id=item.id,
        amount=item.approved_amount,  # type: ignore[arg-type]
        method="cash",
        paid_on=today(),
        actor=w.finance,
    )
    run_daily_deadlines(db.session, w.tenant, payment.proof_due_on - timedelta(days=8))
    assert not db.session.scalars(
        select(Reminder).where(Reminder.kind == "application_proof_due")
    ).all()
    run_daily_deadlines(db.session, w.tenant, payment.proof_due_on - timedelta(days=7))
    [proof] = db.session.scalars(select(Reminder).where(Reminder.kind == "application_proof_due"))
    assert proof.object_id == payment.id
    # Once the proof is in, the reminder is cancelled rather than sent.
    services.record_expense_proof(
        db.session,
        paid,
        payment_id=payment.id,
        data=PDF,
        filename="recibo.pdf",
        actor=w.technician,
    )
    dispatch_due_reminders(db.session, payment.proof_due_on)
    assert proof.status == "cancelled"


# --- waivers, caps, payments, cessation -----------------------------------------------------


def test_a_residence_waiver_is_recorded_with_its_justification(world: World) -> None:
    w = world
    newcomer = household_input(residence_months=4, social_emergency=True)
    application = new_application(w, household=newcomer)
    to_analysis(w, application)
    deliver_all(w, application)
    evaluation = services.evaluate_application(db.session, application)
    [residence] = [c for c in evaluation.conditions if c.id == "residence"]
    assert (residence.status, residence.article) == ("failed", "8.º, a)")
    with pytest.raises(ApplicationError, match="não é elegível"):
        services.propose(db.session, application, actor=w.technician)
    with pytest.raises(ApplicationError, match="Fundamente a dispensa"):
        services.record_waiver(
            db.session,
            application,
            condition_id="residence",
            justification=" ",
            actor=w.technician,
        )
    with pytest.raises(ApplicationError, match="não permite dispensar"):
        services.record_waiver(
            db.session,
            application,
            condition_id="age",
            justification="Emancipada.",
            actor=w.technician,
        )
    services.record_waiver(
        db.session,
        application,
        condition_id="residence",
        justification="Fugiu de violência doméstica; acolhida no concelho há 4 meses.",
        actor=w.technician,
    )
    assert application.waivers == {
        "residence": "Fugiu de violência doméstica; acolhida no concelho há 4 meses."
    }
    [waived] = [c for c in application.evaluation["conditions"] if c["id"] == "residence"]  # type: ignore[index]
    assert waived["status"] == "waived"
    event = application.events[-1]
    assert event.kind == "condition_waived"
    assert event.data["article"] == "8.º, e)"
    assert event.data["justification"].startswith("Fugiu de violência")
    logged = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "application.condition_waived",
            AuditEvent.object_id == str(application.id),
        )
    )
    assert logged is not None and logged.details["event"] == event.id
    assert "Fugiu" not in str(logged.details)  # the log points at the history, no free text
    services.propose(db.session, application, actor=w.technician)
    assert application.status == S.PROPOSED


def test_the_version_in_force_on_the_application_date_applies(world: World) -> None:
    before = new_application(world, on=date(2024, 4, 1))
    after = new_application(world, on=date(2024, 4, 2))
    assert before.regulation_version.effective_from == date(2023, 3, 1)
    assert after.regulation_version.effective_from == date(2024, 4, 2)
    for application in (before, after):
        services.submit(db.session, application, actor=world.technician)
        assert application.evaluation["effective_from"] == str(  # type: ignore[index]
            application.regulation_version.effective_from
        )


def test_a_waiver_needs_the_situation_the_regulation_names(world: World) -> None:
    application = new_application(world, household=household_input(residence_months=4))
    to_analysis(world, application)
    with pytest.raises(ApplicationError, match=r"não se aplica.*8\.º, e\)"):
        services.record_waiver(
            db.session,
            application,
            condition_id="residence",
            justification="Pedido.",
            actor=world.technician,
        )
    assert application.waivers == {}  # nothing kept of the refused waiver


def test_caps_are_checked_again_at_the_decision_against_this_years_payments(
    world: World,
) -> None:
    """Mourão caps a household's support at one IAS per adult and half an IAS per minor a
    year (about 800 € for this household). A proposal made before another application of the
    household was paid is re-checked when the decision is recorded."""
    w = world
    first = new_application(w, items=[ItemInput("utilities", "", Decimal("700.00"))])
    second = new_application(w, items=[ItemInput("housing", "Renda", Decimal("300.00"))])
    to_approved(w, first)
    to_analysis(w, second)
    deliver_all(w, second)
    services.propose(db.session, second, actor=w.technician)
    assert second.items[0].proposed_amount == Decimal("300.00")

    services.record_payment(
        db.session,
        first,
        item_id=first.items[0].id,
        amount=Decimal("700.00"),
        method="bank_transfer",
        paid_on=today(),
        actor=w.finance,
    )
    assert paid_this_year(db.session, w.household, today().year) == {"utilities": Decimal("700.00")}
    with pytest.raises(ApplicationError, match="excede o permitido") as refused:
        services.decide(
            db.session,
            second,
            outcome="approved",
            decided_on=today(),
            reference="Deliberação n.º 7/2026",
            actor=w.decider,
        )
    assert "300,00 €" in str(refused.value) and "6.º" in str(refused.value)
    assert second.status == S.PROPOSED
    cap = Decimal(second.evaluation["household_cap"]["amount"])  # type: ignore[index]
    allowed = Decimal(second.evaluation["items"][0]["allowed"])  # type: ignore[index]
    assert allowed == cap - Decimal("700.00")
    services.decide(
        db.session,
        second,
        outcome="approved",
        decided_on=today(),
        reference="Deliberação n.º 7/2026",
        amounts={second.items[0].id: allowed},
        actor=w.decider,
    )
    assert second.items[0].approved_amount == allowed


def test_payment_in_cash_to_the_supplier_and_in_parts(world: World) -> None:
    w = world
    application = new_application(
        w,
        payment_method="supplier",
        items=[
            ItemInput("utilities", "", Decimal("120.00")),
            ItemInput("essential_goods", "", Decimal("80.00")),
        ],
    )
    to_approved(w, application)
    utilities, goods = application.items
    with pytest.raises(ApplicationError, match="NIF válido do fornecedor"):
        services.record_payment(
            db.session,
            application,
            item_id=utilities.id,
            amount=Decimal("120.00"),
            method="supplier",
            paid_on=today(),
            supplier_name="EDP",
            supplier_nif="123",
            actor=w.finance,
        )
    with pytest.raises(ApplicationError, match="até 120,00 €"):
        services.record_payment(
            db.session,
            application,
            item_id=utilities.id,
            amount=Decimal("120.01"),
            method="cash",
            paid_on=today(),
            actor=w.finance,
        )
    with pytest.raises(ApplicationError, match="a partir da data da deliberação"):
        services.record_payment(
            db.session,
            application,
            item_id=utilities.id,
            amount=Decimal("10.00"),
            method="cash",
            paid_on=application.application_date - timedelta(days=1),
            actor=w.finance,
        )
    supplier = services.record_payment(
        db.session,
        application,
        item_id=utilities.id,
        amount=Decimal("120.00"),
        method="supplier",
        paid_on=today(),
        supplier_name="Mercearia Central",
        supplier_nif=SUPPLIER_NIF,
        actor=w.finance,
    )
    assert (supplier.supplier_name, supplier.supplier_nif) == ("Mercearia Central", SUPPLIER_NIF)
    services.record_payment(
        db.session,
        application,
        item_id=goods.id,
        amount=Decimal("30.00"),
        method="cash",
        paid_on=today(),
        actor=w.finance,
    )
    assert application.status == S.APPROVED  # 50 € still to pay
    services.record_payment(
        db.session,
        application,
        item_id=goods.id,
        amount=Decimal("50.00"),
        method="cash",
        paid_on=today(),
        actor=w.finance,
    )
    assert application.status == S.PAID
    assert goods.paid_amount == Decimal("80.00")


@pytest.mark.parametrize(
    ("iban", "valid"),
    [
        ("PT50000201231234567890154", True),
        ("PT50000201231234567890155", False),  # one digit changed: mod 97 fails
        ("PT51000201231234567890154", False),  # a Portuguese IBAN is PT50
        ("PT5000020123123456789015", False),  # 20 digits after PT50
        ("GB82WEST12345698765432", True),
        ("XX00", False),
    ],
)
def test_iban_check(iban: str, valid: bool) -> None:
    assert valid_iban(iban) is valid


def test_cessation_with_refund(world: World) -> None:
    w = world
    application = new_application(w, items=[ItemInput("utilities", "", Decimal("200.00"))])
    to_approved(w, application)
    services.record_payment(
        db.session,
        application,
        item_id=application.items[0].id,
        amount=Decimal("200.00"),
        method="bank_transfer",
        paid_on=today(),
        actor=w.finance,
    )
    with pytest.raises(NotAllowed):
        services.cease(
            db.session,
            application,
            cause="moved_out",
            ceased_on=today(),
            reason="Mudou-se.",
            actor=w.technician,
        )
    with pytest.raises(ApplicationError, match=r"implica a devolução.*18\.º, d\)"):
        services.cease(
            db.session,
            application,
            cause="undeclared_wealth",
            ceased_on=today(),
            reason="Viatura de gama alta registada em nome do requerente.",
            actor=w.decider,
        )
    with pytest.raises(ApplicationError, match="até ao que foi pago"):
        services.cease(
            db.session,
            application,
            cause="undeclared_wealth",
            ceased_on=today(),
            reason="Viatura.",
            refund_amount=Decimal("200.01"),
            actor=w.decider,
        )
    services.cease(
        db.session,
        application,
        cause="undeclared_wealth",
        ceased_on=today(),
        reason="Viatura de gama alta registada em nome do requerente.",
        refund_amount=Decimal("200.00"),
        actor=w.decider,
    )
    assert application.status == S.CEASED
    assert (application.cessation_cause, application.refund_amount) == (
        "undeclared_wealth",
        Decimal("200.00"),
    )
    assert paid_this_year(db.session, w.household, today().year) == {"utilities": Decimal("200.00")}
    with pytest.raises(NotAllowed):
        services.record_refund(db.session, application, refunded_on=today(), actor=w.decider)
    services.record_refund(db.session, application, refunded_on=today(), actor=w.finance)
    assert paid_this_year(db.session, w.household, today().year) == {}
    with pytest.raises(ApplicationError, match="Não há devolução"):
        services.record_refund(db.session, application, refunded_on=today(), actor=w.finance)
    assert audited(application)[-2:] == ["application.ceased", "application.refunded"]


# --- what is refused ------------------------------------------------------------------------


STEP_CALLS = {
    "submit": lambda a, actor: services.submit(db.session, a, actor=actor),
    "start_analysis": lambda a, actor: services.start_analysis(db.session, a, actor=actor),
    "request_documents": lambda a, actor: services.request_documents(
        db.session, a, codes=[], note="Esclarecer.", actor=actor
    ),
    "regularise_documents": lambda a, actor: services.regularise_documents(
        db.session, a, note="Entregue.", actor=actor
    ),
    "propose_exclusion": lambda a, actor: services.propose_exclusion(
        db.session, a, cause="no_cooperation", note="Faltou.", actor=actor
    ),
    "exclude": lambda a, actor: services.exclude(
        db.session, a, cause="no_cooperation", actor=actor
    ),
    "propose": lambda a, actor: services.propose(db.session, a, actor=actor),
    "decide": lambda a, actor: services.decide(
        db.session,
        a,
        outcome="rejected",
        decided_on=today(),
        reference="D.",
        reasons="R.",
        actor=actor,
    ),
    "record_payment": lambda a, actor: services.record_payment(
        db.session,
        a,
        item_id=a.items[0].id,
        amount=Decimal(1),
        method="cash",
        paid_on=today(),
        actor=actor,
    ),
    "cease": lambda a, actor: services.cease(
        db.session, a, cause="moved_out", ceased_on=today(), reason="Mudou-se.", actor=actor
    ),
    "record_refund": lambda a, actor: services.record_refund(
        db.session, a, refunded_on=today(), actor=actor
    ),
    "withdraw": lambda a, actor: services.withdraw(db.session, a, reason="Desistiu.", actor=actor),
}


def test_every_step_the_status_does_not_allow_is_refused_with_the_reason(world: World) -> None:
    """From a draft and from a closed application, every step but the legal ones is refused
    with a message naming the step, the application and its status; nothing is recorded."""
    w = world
    every_role = Actor(
        w.technician.user_id,
        frozenset({Role.TECHNICIAN, Role.DECISION_MAKER, Role.FINANCE, Role.TENANT_ADMIN}),
    )
    draft = new_application(w)
    closed = new_application(w)
    to_approved(w, closed)
    services.record_payment(
        db.session,
        closed,
        item_id=closed.items[0].id,
        amount=closed.items[0].approved_amount,  # type: ignore[arg-type]
        method="cash",
        paid_on=today(),
        actor=w.finance,
    )
    services.record_expense_proof(
        db.session,
        closed,
        payment_id=closed.payments[0].id,
        data=PDF,
        filename="f.pdf",
        actor=w.technician,
    )
    assert closed.status == S.CLOSED
    for application, legal, label in (
        (draft, {"submit", "withdraw"}, "rascunho"),
        (closed, set(), "encerrada"),
    ):
        assert (
            set(services.allowed_transitions(application, every_role.roles)) & set(STEP_CALLS)
            == legal
        )
        for name, call in STEP_CALLS.items():
            if name in legal:
                continue
            events = len(application.events)
            with pytest.raises(ApplicationError) as refused:
                call(application, every_role)
            message = str(refused.value)
            assert message.startswith("Não é possível "), (name, message)
            assert f"a candidatura {application.number} está {label}" in message, name
            assert len(application.events) == events


def test_a_role_without_the_step_is_refused_before_anything_else(world: World) -> None:
    application = new_application(world)
    partner = Actor(world.technician.user_id, frozenset({Role.PARTNER_PROFESSIONAL}))
    for call in STEP_CALLS.values():
        with pytest.raises(NotAllowed, match="O seu papel no município não permite"):
            call(application, partner)
    with pytest.raises(NotAllowed):
        services.create_application(
            db.session,
            household_id=world.household,
            applicant_id=world.applicant,
            case_id=None,
            technician_id=1,
            application_date=today(),
            snapshot=household_input(),
            items=[ItemInput("utilities", "", Decimal(1))],
            payment_method="cash",
            actor=world.finance,
        )


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"application_date": date(2023, 2, 28)}, "application_date", "Não há regulamento"),
        ({"application_date": date(2099, 1, 1)}, "application_date", "não pode ser futura"),
        ({"items": [ItemInput("yacht", "", Decimal(1))]}, "items", "não prevê: yacht"),
        ({"items": []}, "items", "pelo menos um apoio"),
        ({"items": [ItemInput("utilities")]}, "items", "montante ou os orçamentos"),
        ({"payment_method": "cheque"}, "payment_method", "forma de pagamento"),
        ({"iban": "PT50000201231234567890155"}, "iban", "IBAN não é válido"),
        ({"applicant_id": 0}, "applicant_id", "membro do agregado"),
        ({"technician_id": 0}, "technician_id", "equipa do município"),
        (
            {"snapshot": HouseholdInput([MemberInput(40, "neighbour", applicant=True)])},
            "members",
            "parentesco",
        ),
        ({"snapshot": HouseholdInput([MemberInput(40, "representative")])}, "members", "só um"),
        (
            {
                "snapshot": HouseholdInput(
                    [MemberInput(40, "representative", applicant=True)],
                    incomes=[IncomeInput("lottery", Decimal(5))],
                )
            },
            "incomes",
            "Fonte de rendimento desconhecida: lottery",
        ),
    ],
)
def test_intake_refuses_what_the_regulation_or_the_household_do_not_allow(
    world: World, change: dict[str, object], field: str, message: str
) -> None:
    arguments: dict[str, object] = {
        "household_id": world.household,
        "applicant_id": world.applicant,
        "case_id": None,
        "technician_id": world.technician.user_id,
        "application_date": today(),
        "snapshot": household_input(),
        "items": [ItemInput("utilities", "", Decimal("10.00"))],
        "payment_method": "bank_transfer",
        "iban": IBAN,
        "actor": world.technician,
    } | change
    before = db.session.scalars(select(Application.id)).all()
    with pytest.raises(ApplicationError, match=message) as refused:
        services.create_application(db.session, **arguments)  # type: ignore[arg-type]
    assert refused.value.field == field
    assert db.session.scalars(select(Application.id)).all() == before


def test_a_household_over_the_threshold_is_not_proposed(world: World) -> None:
    """Per capita above the social pension: not eligible under art. 4.º, h)."""
    rich = household_input(annual_income="40000.00")
    application = new_application(world, household=rich)
    to_analysis(world, application)
    deliver_all(world, application)
    with pytest.raises(
        ApplicationError, match=r"não é elegível: Situação de carência económica \(art\. 4\.º, h\)"
    ):
        services.propose(db.session, application, actor=world.technician)
    services.propose_exclusion(
        db.session,
        application,
        cause="no_economic_need",
        note="Rendimento per capita acima da pensão social.",
        actor=world.technician,
    )
    assert application.status == S.EXCLUSION_PROPOSED


def test_the_daily_beat_runs_in_each_council(app: Flask) -> None:
    """The beat fans out one task per council; each runs in its council's scope, today."""
    with app.test_request_context():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "mourao"))
        assert tenant is not None
        with tenant_scope(tenant.id):
            w = make_world(tenant)
            application = new_application(w, on=date(2026, 1, 26))
            to_analysis(w, application)
            services.request_documents(
                db.session,
                application,
                codes=["income_proof"],
                notified_on=date(2026, 1, 30),
                actor=w.technician,
            )
            application_id = application.id
        db.session.commit()
        assert tasks.run_deadlines.apply().get() == 3  # one task per council
        with tenant_scope(tenant.id):
            status = db.session.scalar(
                select(Application.status).where(Application.id == application_id)
            )
        assert status == S.EXCLUSION_PROPOSED  # its deadline (16/02/2026) has passed
        assert tasks.run_tenant_deadlines.apply(args=(tenant.id,)).get() == 0


def test_numbers_go_on_past_9999_in_a_year(world: World) -> None:
    """As text ``2026/9999`` sorts after ``2026/10000``: the next number must not repeat one."""
    first = new_application(world)
    year = first.application_date.year
    first.number = f"{year}/9999"
    db.session.flush()
    assert new_application(world).number == f"{year}/10000"
    assert new_application(world).number == f"{year}/10001"
