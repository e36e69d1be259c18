"""Builders for case-management tests: people and cases made through the services, in a
council's scope, as the request handlers make them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select

from teia.accounts.models import User
from teia.cases.models import Case, CaseStatus
from teia.cases.services import change_status, open_case
from teia.core.db import db
from teia.people.models import Household, Person
from teia.people.services import PersonData, create_person
from teia.tenants.models import Organization, Tenant


@dataclass(frozen=True)
class Mourao:
    """The ids a test needs in Mourão (the council with retention 5 and emergency access)."""

    tenant: int
    manager: int  # gestora@mourao.demo
    technician: int  # tecnica@mourao.demo
    partner: int  # ipss@mourao.demo, for the Santa Casa
    scm: int  # Santa Casa da Misericórdia de Mourão
    health: int  # Centro de Saúde de Mourão

    @classmethod
    def load(cls) -> Mourao:
        def user(email: str) -> int:
            found = db.session.scalar(select(User.id).where(User.email == email))
            assert found is not None
            return found

        def org(slug: str) -> int:
            found = db.session.scalar(select(Organization.id).where(Organization.slug == slug))
            assert found is not None
            return found

        tenant = db.session.scalar(select(Tenant.id).where(Tenant.slug == "mourao"))
        assert tenant is not None
        return cls(
            tenant=tenant,
            manager=user("gestora@mourao.demo"),
            technician=user("tecnica@mourao.demo"),
            partner=user("ipss@mourao.demo"),
            scm=org("scm-mourao"),
            health=org("cs-mourao"),
        )


def person(world: Mourao, given: str, family: str, **identifiers: object) -> int:
    """A new person (call inside the council's scope); ``identifiers``: PersonData fields."""
    created, _ = create_person(
        db.session,
        PersonData(given_names=given, family_names=family, **identifiers),  # type: ignore[arg-type]
        actor_id=world.manager,
    )
    return created.id


def case_for(
    world: Mourao, person_id: int, reason: str, household: Household | None = None
) -> Case:
    """An open case for the person (a new household unless ``household`` is given)."""
    subject = db.session.scalar(select(Person).where(Person.id == person_id))
    assert subject is not None
    case, _ = open_case(
        db.session,
        person=subject,
        manager_id=world.manager,
        opening_reason=reason,
        areas=["housing", "income"],
        risk_flags=["severe_deprivation"],
        actor_id=world.manager,
        household=household,
    )
    return case


def close(case: Case, on: date, reason: str = "Objetivos do plano atingidos.") -> None:
    """Close the case through the service, then date the closure ``on`` (the past, in tests)."""
    change_status(db.session, case, CaseStatus.CLOSED, reason)
    case.closed_on = on
    case.opened_on = min(case.opened_on, on)
    db.session.flush()


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour))


def alandroal() -> Tenant:
    """A council that is not loaded from ``tenants/`` and belongs to no consortium (unsaved)."""
    return Tenant(
        slug="alandroal",
        name="Alandroal",
        official_name="Município de Alandroal",
        country="PT",
        locale="pt_PT",
        official_code="0701",
        district="Évora",
        region="Alentejo Central",
        timezone="Europe/Lisbon",
        municipal_holiday="01-01",
        municipal_holiday_name="Feriado",
        source_hash="test",
    )
