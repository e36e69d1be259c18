"""Demo cases in Mourão: two households, one plan shared with the Santa Casa on consent.

Written as rows (no notifications or e-mails); idempotent by the persons' NIFs.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from teia.accounts.models import User
from teia.cases.models import (
    ActionStatus,
    Area,
    Case,
    CaseEvent,
    CaseShare,
    Consent,
    DiagnosisArea,
    EventKind,
    InterventionPlan,
    LegalBasis,
    PlanAction,
    PlanGoal,
    Referral,
    RiskFlag,
    Section,
)
from teia.core.db import utcnow
from teia.core.tenancy import tenant_scope
from teia.people.identifiers import normalise
from teia.people.models import Household, HouseholdMember, Person, Relationship
from teia.tenants.models import Organization, Tenant

# (given names, family names, birth date, NIF, relationship)
FAMILIES = [
    (
        ("Rua da Misericórdia 12", "Mourão"),
        [
            (
                "Joaquina",
                "Calado Pires",
                date(1979, 5, 14),
                "215836456",
                Relationship.REPRESENTATIVE,
            ),
            ("Tiago", "Pires Calado", date(2012, 9, 2), None, Relationship.CHILD),
            ("Leonor", "Pires Calado", date(2016, 1, 23), None, Relationship.CHILD),
        ],
    ),
    (
        ("Monte do Outeiro", "Luz"),
        [
            (
                "Manuel",
                "Caeiro Valente",
                date(1941, 11, 30),
                "106239554",
                Relationship.REPRESENTATIVE,
            )
        ],
    ),
]


def load_demo_cases(session: Session, mourao: Tenant) -> None:
    manager = session.scalar(select(User).where(User.email == "gestora@mourao.demo"))
    scm = session.scalar(select(Organization).where(Organization.slug == "scm-mourao"))
    social_security = session.scalar(
        select(Organization).where(Organization.slug == "ss-evora-mourao")
    )
    assert manager and scm and social_security
    today = date.today()  # noqa: DTZ011 - demo dates are relative to the calendar day
    with tenant_scope(mourao.id):
        if session.scalar(select(Person.id).where(Person.nif == "215836456")):
            return
        cases = []
        for number, ((address, parish), members) in enumerate(FAMILIES, start=1):
            household = Household(address=address, parish=parish, postal_code="7240-233")
            people = []
            for given, family, born, nif, relationship in members:
                person = Person(
                    given_names=given,
                    family_names=family,
                    search_name=normalise(f"{given} {family}"),
                    birth_date=born,
                    nif=nif,
                    created_by_id=manager.id,
                )
                people.append(person)
                household.members.append(
                    HouseholdMember(person=person, relationship_to_representative=relationship)
                )
            session.add(household)
            session.flush()
            case = Case(
                number=f"{today.year}/{number:04d}",
                household_id=household.id,
                person_id=people[0].id,
                manager_id=manager.id,
                opening_reason=(
                    "Desemprego da representante e renda em atraso; filhos em idade escolar."
                    if number == 1
                    else "Pessoa idosa a viver só, sem retaguarda familiar próxima."
                ),
                areas=[Area.HOUSING, Area.EMPLOYMENT, Area.EDUCATION]
                if number == 1
                else [Area.HEALTH, Area.SOCIAL_ACTION],
                risk_flags=[RiskFlag.SEVERE_DEPRIVATION]
                if number == 1
                else [RiskFlag.ISOLATED_ELDERLY],
                opened_on=today - timedelta(days=40 * number),
            )
            session.add(case)
            session.flush()
            cases.append((case, people))
        _first_case(session, *cases[0], manager.id, scm.id, social_security.id, today)
        session.add(
            CaseEvent(
                case_id=cases[1][0].id,
                kind=EventKind.HOME_VISIT,
                occurred_at=utcnow() - timedelta(days=12, hours=3),
                text="Visita domiciliária: casa fria e húmida; aceita apoio domiciliário.",
                author_id=manager.id,
            )
        )
        session.flush()


def _first_case(
    session: Session,
    case: Case,
    people: list[Person],
    manager_id: int,
    scm_id: int,
    social_security_id: int,
    today: date,
) -> None:
    session.add_all(
        [
            CaseEvent(
                case_id=case.id,
                kind=EventKind.CONTACT,
                occurred_at=utcnow() - timedelta(days=38, hours=5),
                text="Atendimento: pedido de apoio para a renda e para material escolar.",
                author_id=manager_id,
            ),
            CaseEvent(
                case_id=case.id,
                kind=EventKind.NOTE,
                occurred_at=utcnow() - timedelta(days=37, hours=1),
                text="Nota confidencial: situação de saúde da representante a acompanhar.",
                confidential=True,
                author_id=manager_id,
            ),
            DiagnosisArea(
                case_id=case.id,
                area=Area.EMPLOYMENT,
                needs="Sem emprego há 8 meses; sem carta de condução.",
                potentials="Experiência em restauração; disponível a tempo inteiro.",
                support_network="Irmã em Reguengos de Monsaraz.",
                updated_by_id=manager_id,
            ),
        ]
    )
    plan = InterventionPlan(
        case_id=case.id,
        version=1,
        agreed_on=today - timedelta(days=30),
        review_on=today + timedelta(days=60),
        created_by_id=manager_id,
    )
    session.add(plan)
    session.flush()
    goal = PlanGoal(plan_id=plan.id, position=1, description="Garantir a alimentação do agregado")
    session.add(goal)
    session.flush()
    session.add_all(
        [
            PlanAction(
                goal_id=goal.id,
                plan_id=plan.id,
                case_id=case.id,
                position=1,
                description="Integrar o agregado na cantina social",
                responsible_organization_id=scm_id,
                due_on=today + timedelta(days=15),
                status=ActionStatus.IN_PROGRESS,
            ),
            PlanAction(
                goal_id=goal.id,
                plan_id=plan.id,
                case_id=case.id,
                position=2,
                description="Inscrição no IEFP e sessão de orientação",
                responsible_user_id=manager_id,
                due_on=today - timedelta(days=3),
                status=ActionStatus.PLANNED,
            ),
        ]
    )
    consent = Consent(
        person_id=people[0].id,
        given_by=people[0].full_name,
        given_on=today - timedelta(days=30),
        scope="Partilha das ações do plano com a Santa Casa da Misericórdia (cantina social).",
        valid_until=today + timedelta(days=335),
        recorded_by_id=manager_id,
    )
    session.add(consent)
    session.flush()
    session.add_all(
        [
            CaseShare(
                case_id=case.id,
                organization_id=scm_id,
                sections=[Section.PLAN],
                purpose="Cantina social",
                legal_basis=LegalBasis.CONSENT,
                consent_id=consent.id,
                expires_on=today + timedelta(days=180),
                created_by_id=manager_id,
            ),
            Referral(
                case_id=case.id,
                organization_id=social_security_id,
                area=Area.INCOME,
                request="Avaliar o acesso ao Rendimento Social de Inserção.",
                respond_by=today + timedelta(days=10),
                requested_by_id=manager_id,
            ),
        ]
    )
