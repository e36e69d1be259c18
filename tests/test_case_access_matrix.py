"""Every case page, for every kind of outsider: another council's user, a partner without a
share, a partner whose share opens other sections, and a partner whose share expired.

The route list is checked against the URL map, so a new case page cannot be left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from teia.accounts.models import User
from teia.cases import plans, referrals, services, sharing
from teia.cases.models import Area, CaseShare, EventKind, LegalBasis, Section
from teia.cases.plans import ActionInput, GoalInput
from teia.core.clock import today
from teia.core.db import db, utcnow
from teia.core.tenancy import tenant_scope
from teia.groups.models import Vignette, VignetteSource
from teia.people.services import PersonData, create_person
from teia.tenants.models import Organization, Tenant
from tests import groups_factories
from tests.conftest import csrf_token

ID_PARAMS = {
    "case_id",
    "person_id",
    "action_id",
    "referral_id",
    "share_id",
    "consent_id",
    "vignette_id",
}


@dataclass(frozen=True)
class Route:
    method: str
    rule: str
    needs: Section | None  # None: council staff only


# Every page that takes an object id. ``needs`` is the section a partner's share must open.
ROUTES = [
    Route("GET", "/t/<tenant>/cases/<int:case_id>", Section.PLAN),  # any share; PLAN below
    Route("POST", "/t/<tenant>/cases/<int:case_id>/status", None),
    Route("POST", "/t/<tenant>/cases/<int:case_id>/members", None),
    Route("GET", "/t/<tenant>/cases/<int:case_id>/timeline", Section.TIMELINE),
    Route("POST", "/t/<tenant>/cases/<int:case_id>/timeline", None),
    Route("GET", "/t/<tenant>/cases/<int:case_id>/diagnosis", Section.DIAGNOSIS),
    Route("POST", "/t/<tenant>/cases/<int:case_id>/diagnosis", None),
    Route("GET", "/t/<tenant>/cases/<int:case_id>/plan", Section.PLAN),
    Route("GET", "/t/<tenant>/cases/<int:case_id>/plan/edit", None),
    Route("POST", "/t/<tenant>/cases/<int:case_id>/plan/edit", None),
    Route("GET", "/t/<tenant>/cases/<int:case_id>/plan/versions/<int:version>", None),
    Route("POST", "/t/<tenant>/plan-actions/<int:action_id>", Section.PLAN),
    Route("GET", "/t/<tenant>/cases/<int:case_id>/referrals", Section.REFERRALS),
    Route("POST", "/t/<tenant>/cases/<int:case_id>/referrals", None),
    Route("GET", "/t/<tenant>/cases/<int:case_id>/shares", None),
    Route("POST", "/t/<tenant>/cases/<int:case_id>/shares", None),
    Route("POST", "/t/<tenant>/shares/<int:share_id>/revoke", None),
    Route("POST", "/t/<tenant>/consents/<int:consent_id>/revoke", None),
    Route("GET", "/t/<tenant>/cases/<int:case_id>/access-log", None),
    # Shelter: a placement request and the on-call quick decision, council staff only.
    Route("GET", "/t/<tenant>/cases/<int:case_id>/shelter/request", None),
    Route("POST", "/t/<tenant>/cases/<int:case_id>/shelter/request", None),
    Route("GET", "/t/<tenant>/cases/<int:case_id>/shelter/quick", None),
    Route("POST", "/t/<tenant>/cases/<int:case_id>/shelter/quick", None),
    # Working groups: bringing the case as a vignette, and what was adopted, staff only.
    Route("GET", "/t/<tenant>/cases/<int:case_id>/vignettes", None),
    Route("GET", "/t/<tenant>/cases/<int:case_id>/vignettes/new", None),
    Route("POST", "/t/<tenant>/cases/<int:case_id>/vignettes/new", None),
    Route("POST", "/t/<tenant>/cases/<int:case_id>/vignettes/<int:vignette_id>/adopt", None),
    Route("GET", "/t/<tenant>/persons/<int:person_id>", None),
    Route("GET", "/t/<tenant>/persons/<int:person_id>/edit", None),
    Route("POST", "/t/<tenant>/persons/<int:person_id>/edit", None),
    Route("POST", "/t/<tenant>/persons/<int:person_id>/merge", None),
    Route("POST", "/t/<tenant>/persons/<int:person_id>/documents", None),
    Route("POST", "/t/<tenant>/persons/<int:person_id>/consents", None),
    Route("GET", "/t/<tenant>/persons/<int:person_id>/export.<fmt>", None),
    # Addressed to the Santa Casa: its own referral, visible to it (see below).
    Route("GET", "/t/<tenant>/referrals/<int:referral_id>", Section.REFERRALS),
    Route("POST", "/t/<tenant>/referrals/<int:referral_id>", Section.REFERRALS),
]


def test_every_case_page_with_an_id_is_in_the_matrix(app: Flask) -> None:
    listed = {(r.method, r.rule) for r in ROUTES}
    found = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        # A council's pages (the group's side of a vignette: tests/test_vignettes.py).
        if rule.arguments & ID_PARAMS and rule.rule.startswith("/t/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert found == listed


@pytest.fixture
def world(app: Flask):  # type: ignore[no-untyped-def]
    """A Mourão case with something in every section, shared with the Santa Casa."""
    with app.app_context():
        mourao = db.session.scalar(select(Tenant).where(Tenant.slug == "mourao"))
        scm = db.session.scalar(select(Organization).where(Organization.slug == "scm-mourao"))
        manager = db.session.scalar(select(User).where(User.email == "gestora@mourao.demo"))
        assert mourao and scm and manager
        with tenant_scope(mourao.id):
            person, _ = create_person(
                db.session,
                PersonData("Gertrudes", "Matraca Cebola", nif="245671234"),
                actor_id=manager.id,
            )
            case, _ = services.open_case(
                db.session,
                person=person,
                manager_id=manager.id,
                opening_reason="Isolamento",
                areas=["health"],
                risk_flags=[],
                actor_id=manager.id,
            )
            services.add_event(
                db.session,
                case,
                kind=EventKind.NOTE,
                occurred_at=utcnow(),
                text="Nota de rotina",
                confidential=False,
                reader_ids=[],
                author_id=manager.id,
            )
            services.save_diagnosis(
                db.session,
                case,
                area=Area.HEALTH,
                needs="Consultas em atraso",
                potentials="",
                support_network="",
                actor_id=manager.id,
            )
            plan = plans.save_plan(
                db.session,
                case,
                goals=[GoalInput("Saúde", [ActionInput("Marcar consulta", None, scm.id)])],
                agreed_on=None,
                review_on=None,
                actor_id=manager.id,
                allowed_organization_ids={scm.id},
                allowed_user_ids=set(),
            )
            referral = referrals.create_referral(
                db.session,
                case,
                organization_id=scm.id,
                area=Area.HEALTH,
                request="Apoio domiciliário",
                respond_by=today() + timedelta(days=5),
                actor_id=manager.id,
            )
            consent = sharing.record_consent(
                db.session,
                person_id=person.id,
                given_by="Gertrudes Matraca Cebola",
                given_on=today(),
                scope="Partilha com a Santa Casa",
                valid_until=None,
                actor_id=manager.id,
            )
            share = sharing.create_share(
                db.session,
                case,
                organization_id=scm.id,
                sections=[Section.TIMELINE],
                diagnosis_areas=[],
                purpose="Apoio domiciliário",
                legal_basis=LegalBasis.CONSENT,
                legal_reference=None,
                consent_id=consent.id,
                expires_on=today() + timedelta(days=30),
                actor_id=manager.id,
            )
            vignette = Vignette(
                group_id=groups_factories.group().id,
                author_id=manager.id,
                source_tenant_id=mourao.id,
                title="Isolamento de uma pessoa idosa",
                question="Que apoio domiciliário funcionou noutros concelhos?",
                content={},
                content_hash="0" * 64,
            )
            db.session.add(vignette)
            db.session.flush()
            db.session.add(VignetteSource(vignette_id=vignette.id, case_id=case.id))
            db.session.flush()
            ids = {
                "tenant": "mourao",
                "case_id": case.id,
                "person_id": person.id,
                "action_id": plan.goals[0].actions[0].id,
                "referral_id": referral.id,
                "share_id": share.id,
                "consent_id": consent.id,
                "vignette_id": vignette.id,
                "version": 1,
                "fmt": "json",
            }
            tenant_id = mourao.id
        db.session.commit()
    return ids, tenant_id


def _path(route: Route, ids: dict[str, object]) -> str:
    return re.sub(r"<(?:int:)?(\w+)>", lambda m: str(ids[m.group(1)]), route.rule)


def _call(client, route: Route, ids: dict[str, object], token: str):  # type: ignore[no-untyped-def]
    if route.method == "POST":
        return client.post(_path(route, ids), data={"csrf_token": token})
    return client.get(_path(route, ids))


def _token(client) -> str:  # type: ignore[no-untyped-def]
    return csrf_token(client.get("/t/mourao/").text)


def _assert_nothing(client, routes: list[Route], ids: dict[str, object]) -> None:  # type: ignore[no-untyped-def]
    token = _token(client)
    for route in routes:
        response = _call(client, route, ids, token)
        assert response.status_code == 404, (route, response.status_code)


def test_another_councils_user_gets_nothing(world, as_user) -> None:  # type: ignore[no-untyped-def]
    ids, _ = world
    c = as_user("coordenacao@reguengos-de-monsaraz.demo")
    _assert_nothing(c, ROUTES, {**ids, "tenant": "reguengos-de-monsaraz"})


def test_a_partner_without_a_share_gets_nothing(world, as_user) -> None:  # type: ignore[no-untyped-def]
    ids, _ = world
    c = as_user("saude@mourao.demo")
    _assert_nothing(c, ROUTES, ids)
    assert "Ninguém encontrado" in c.get("/t/mourao/persons?q=Matraca").text
    assert f"/cases/{ids['case_id']}" not in c.get("/t/mourao/cases").text
    assert f"/referrals/{ids['referral_id']}" not in c.get("/t/mourao/referrals").text


def test_a_share_of_other_sections_opens_only_those(world, as_user) -> None:  # type: ignore[no-untyped-def]
    ids, _ = world
    c = as_user("ipss@mourao.demo")
    closed = [
        r
        for r in ROUTES
        if r.needs not in (Section.TIMELINE, Section.REFERRALS) and r.rule != ROUTES[0].rule
    ]
    _assert_nothing(c, closed, ids)
    assert "Nota de rotina" in c.get(f"/t/mourao/cases/{ids['case_id']}/timeline").text
    summary = c.get(f"/t/mourao/cases/{ids['case_id']}").text
    assert "Matraca" not in summary  # identification not shared
    assert "Ninguém encontrado" in c.get("/t/mourao/persons?q=Matraca").text
    # A referral addressed to the Santa Casa reaches it by itself: request, area and deadline,
    # never the person (the case's referral tab still needs the referrals section).
    referral = c.get(f"/t/mourao/referrals/{ids['referral_id']}")
    assert referral.status_code == 200 and "Matraca" not in referral.text


def test_an_expired_share_gives_nothing(app: Flask, world, as_user) -> None:  # type: ignore[no-untyped-def]
    ids, tenant_id = world
    with app.app_context(), tenant_scope(tenant_id):
        share = db.session.get(CaseShare, ids["share_id"])
        share.sections = list(Section)  # type: ignore[union-attr]
        share.expires_on = today() - timedelta(days=1)  # type: ignore[union-attr]
        db.session.commit()
    c = as_user("ipss@mourao.demo")
    case_routes = [r for r in ROUTES if "referral_id" not in r.rule]
    _assert_nothing(c, case_routes, ids)
    assert f'/cases/{ids["case_id"]}"' not in c.get("/t/mourao/cases").text
    assert "Abrir o processo" not in c.get(f"/t/mourao/referrals/{ids['referral_id']}").text


def test_the_case_manager_reaches_every_page(world, as_user) -> None:  # type: ignore[no-untyped-def]
    ids, _ = world
    c = as_user("gestora@mourao.demo")
    for route in ROUTES:
        if route.method == "GET":
            assert c.get(_path(route, ids)).status_code == 200, route


def test_viewer_roles_outside_case_work_are_refused(as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("decisao@mourao.demo")
    assert c.get("/t/mourao/cases").status_code == 403
    assert c.get("/t/mourao/persons?q=a").status_code == 403
