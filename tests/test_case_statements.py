"""Case pages and their API run the same number of SQL statements whatever the number of
cases, notes, actions, members, referrals and shares."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from teia.accounts.models import User
from teia.cases import plans, referrals, services, sharing
from teia.cases.models import Area, Case, EventKind, LegalBasis, Section
from teia.cases.plans import ActionInput, GoalInput
from teia.core.clock import today
from teia.core.db import db, utcnow
from teia.core.tenancy import tenant_scope
from teia.people.models import Household, Relationship
from teia.people.services import PersonData, add_member, create_person
from teia.tenants.models import Organization, Tenant

MANAGER_PAGES = ["", "/timeline", "/diagnosis", "/plan", "/referrals", "/shares", "/access-log"]
PARTNER_PAGES = ["", "/timeline", "/plan", "/referrals"]


def _setup(app: Flask) -> tuple[int, int]:
    with app.app_context():
        mourao = db.session.scalar(select(Tenant).where(Tenant.slug == "mourao"))
        scm = db.session.scalar(select(Organization).where(Organization.slug == "scm-mourao"))
        manager = db.session.scalar(select(User).where(User.email == "gestora@mourao.demo"))
        assert mourao and scm and manager
        with tenant_scope(mourao.id):
            person, _ = create_person(
                db.session, PersonData("Brites", "Almeida Pulga"), actor_id=manager.id
            )
            case, _ = services.open_case(
                db.session,
                person=person,
                manager_id=manager.id,
                opening_reason="Teste",
                areas=["health"],
                risk_flags=[],
                actor_id=manager.id,
            )
            _grow(case, manager.id, scm.id, 1)
            db.session.flush()
            case_id = case.id
        db.session.commit()
        return mourao.id, case_id


def _grow(case: Case, manager_id: int, scm_id: int, n: int) -> None:
    household = db.session.get(Household, case.household_id)
    for i in range(n):
        services.add_event(
            db.session,
            case,
            kind=EventKind.NOTE,
            occurred_at=utcnow(),
            text=f"Nota {i}",
            confidential=i % 2 == 1,
            reader_ids=[],
            author_id=manager_id,
        )
        member, _ = create_person(
            db.session, PersonData("Membro", f"Número {case.id}-{i}"), actor_id=manager_id
        )
        add_member(db.session, household, member, Relationship.CHILD)  # type: ignore[arg-type]
        services.open_case(
            db.session,
            person=member,
            manager_id=manager_id,
            opening_reason="Outro episódio",
            areas=["income"],
            risk_flags=[],
            actor_id=manager_id,
        )
        services.save_diagnosis(
            db.session,
            case,
            area=list(Area)[i % len(Area)],
            needs="n",
            potentials="p",
            support_network="s",
            actor_id=manager_id,
        )
        referrals.create_referral(
            db.session,
            case,
            organization_id=scm_id,
            area=Area.HEALTH,
            request=f"Pedido {i}",
            respond_by=today() + timedelta(days=3),
            actor_id=manager_id,
        )
        sharing.create_share(
            db.session,
            case,
            organization_id=scm_id,
            sections=list(Section),
            diagnosis_areas=[],
            purpose=f"Finalidade {i}",
            legal_basis=LegalBasis.LEGAL_OBLIGATION,
            legal_reference="Decreto-Lei n.º 55/2020",
            consent_id=None,
            expires_on=today() + timedelta(days=10),
            actor_id=manager_id,
        )
    goals = [
        GoalInput(f"Objetivo {g}", [ActionInput(f"Ação {g}.{a}", None, scm_id) for a in range(n)])
        for g in range(n)
    ]
    plans.save_plan(
        db.session,
        case,
        goals=goals,
        agreed_on=None,
        review_on=None,
        actor_id=manager_id,
        allowed_organization_ids={scm_id},
        allowed_user_ids=set(),
    )


def _counts(client, case_id: int, pages: list[str]) -> dict[str, int]:  # type: ignore[no-untyped-def]
    result = {}
    for suffix in pages:
        response = client.get(f"/t/mourao/cases/{case_id}{suffix}")
        assert response.status_code == 200, suffix
        result[suffix] = int(response.headers["X-SQL-Statements"])
    for path in (
        "/t/mourao/cases",
        "/t/mourao/persons?q=numero",
        "/t/mourao/referrals",
        "/api/v1/t/mourao/cases",
        f"/api/v1/t/mourao/cases/{case_id}",
        "/api/v1/t/mourao/persons?q=numero",
        "/api/v1/t/mourao/referrals",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        result[path] = int(response.headers["X-SQL-Statements"])
    return result


def test_statements_do_not_grow_with_the_case(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    tenant_id, case_id = _setup(app)
    manager, partner = as_user("gestora@mourao.demo"), as_user("ipss@mourao.demo")
    before = _counts(manager, case_id, MANAGER_PAGES), _counts(partner, case_id, PARTNER_PAGES)
    with app.app_context(), tenant_scope(tenant_id):
        case = db.session.get(Case, case_id)
        manager_id = case.manager_id  # type: ignore[union-attr]
        scm_id = db.session.scalar(select(Organization.id).where(Organization.slug == "scm-mourao"))
        _grow(case, manager_id, scm_id, 8)  # type: ignore[arg-type]
        db.session.commit()
    after = _counts(manager, case_id, MANAGER_PAGES), _counts(partner, case_id, PARTNER_PAGES)
    assert after == before
