"""Case management through the JSON API: the same services and exactly the same partner access
as the pages (a partner reaches only what its active shares open; 404 for everything else)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from teia.applications.storage import current_storage
from teia.audit.models import AuditEvent
from teia.cases import plans, referrals, services, sharing
from teia.cases.models import (
    ActionStatus,
    Area,
    Case,
    CaseShare,
    EventKind,
    LegalBasis,
    PlanAction,
    Section,
)
from teia.cases.plans import ActionInput, GoalInput
from teia.core.clock import today
from teia.core.db import db, utcnow
from teia.core.openapi import api_rules
from teia.core.tenancy import tenant_scope
from teia.groups.models import Vignette
from teia.people.models import Person, Relationship
from teia.people.services import add_member, new_household
from teia.practices.models import Practice, PracticeStatus
from teia.reports.models import ReportRun, RunStatus
from teia.tenants.models import Consortium, Tenant
from tests import groups_factories
from tests.case_factories import Mourao, person
from tests.conftest import csrf_token
from tests.test_openapi import assert_documented

API = "/api/v1/t/mourao"
NIF = "123456789"  # a valid check digit
PARTNERS = ("scm-mourao", "cs-mourao", "ss-evora-mourao", "ae-mourao", "jf-mourao")


@dataclass(frozen=True)
class CaseData:
    tenant: int
    case: int
    person: int
    child: int
    actions: dict[str, int]  # organisation slug → the plan action assigned to it
    referral: int  # to the Santa Casa
    shares: dict[str, int]  # organisation slug → its share
    consent: int  # the consent the Santa Casa's share rests on


def build_case(app: Flask) -> CaseData:
    """A Mourão case with a plan, a referral and shares: the Santa Casa (ipss@) sees every
    section but only the health diagnosis; Segurança Social only the timeline; the school's
    share has expired; the parish council's consent was revoked; the health centre has none."""
    with app.app_context():
        world = Mourao.load()
        orgs = {o.slug: o.id for o in sharing_orgs(world.tenant)}
        with tenant_scope(world.tenant):
            rep = db.session.get(Person, person(world, "Maria Quitéria", "Zarco", nif=NIF))
            child = db.session.get(Person, person(world, "Duarte", "Zarco"))
            assert rep and child
            household = new_household(db.session, rep, address="Rua Direita 5", parish="Luz")
            add_member(db.session, household, child, Relationship.CHILD)
            case, _ = services.open_case(
                db.session,
                person=rep,
                household=household,
                manager_id=world.manager,
                opening_reason="Rendas em atraso e criança com faltas à escola.",
                areas=[Area.HOUSING, Area.HEALTH],
                risk_flags=["child_at_risk"],
                actor_id=world.manager,
            )
            for area in (Area.HOUSING, Area.HEALTH):
                services.save_diagnosis(
                    db.session,
                    case,
                    area=area,
                    needs=f"Necessidades ({area})",
                    potentials="Família unida",
                    support_network="Avó materna",
                    actor_id=world.manager,
                )
            for text, confidential in (("Atendimento inicial.", False), ("Nota reservada.", True)):
                services.add_event(
                    db.session,
                    case,
                    kind=EventKind.NOTE,
                    occurred_at=utcnow(),
                    text=text,
                    confidential=confidential,
                    reader_ids=[],
                    author_id=world.manager,
                )
            actions = [ActionInput(f"Ação de {slug}", None, orgs[slug]) for slug in PARTNERS]
            plans.save_plan(
                db.session,
                case,
                goals=[
                    GoalInput("Manter a casa", [*actions, ActionInput("Visita", world.manager)])
                ],
                agreed_on=today(),
                review_on=None,
                actor_id=world.manager,
                allowed_organization_ids=set(orgs.values()),
                allowed_user_ids={world.manager},
            )
            referral = referrals.create_referral(
                db.session,
                case,
                organization_id=orgs["scm-mourao"],
                area=Area.SOCIAL_ACTION,
                request="Apoio alimentar.",
                respond_by=today() + timedelta(days=10),
                actor_id=world.manager,
            )
            consents = [
                sharing.record_consent(
                    db.session,
                    person_id=rep.id,
                    given_by="A própria",
                    given_on=today(),
                    scope="Partilha com a rede social",
                    valid_until=None,
                    actor_id=world.manager,
                )
                for _ in range(2)
            ]
            every = list(Section)
            shares = {
                "scm-mourao": share(case, orgs["scm-mourao"], every, consents[0].id, ["health"]),
                "ss-evora-mourao": share(case, orgs["ss-evora-mourao"], [Section.TIMELINE]),
                "ae-mourao": share(case, orgs["ae-mourao"], every),
                "jf-mourao": share(case, orgs["jf-mourao"], every, consents[1].id),
            }
            expired = db.session.get(CaseShare, shares["ae-mourao"])
            expired.expires_on = today() - timedelta(days=1)  # type: ignore[union-attr]
            sharing.revoke_consent(db.session, consents[1], actor_id=world.manager)
            action_ids = dict(
                db.session.execute(
                    select(PlanAction.responsible_organization_id, PlanAction.id).where(
                        PlanAction.case_id == case.id
                    )
                ).all()
            )
            data = CaseData(
                tenant=world.tenant,
                case=case.id,
                person=rep.id,
                child=child.id,
                actions={slug: action_ids[orgs[slug]] for slug in PARTNERS},
                referral=referral.id,
                shares=shares,
                consent=consents[0].id,
            )
            db.session.flush()
        db.session.commit()
        return data


def sharing_orgs(tenant_id: int):  # type: ignore[no-untyped-def]
    with tenant_scope(tenant_id):
        return sharing.partner_organizations(db.session)


def share(
    case: Case,
    organization_id: int,
    sections: list[Section],
    consent_id: int | None = None,
    areas: list[str] | None = None,
) -> int:
    created = sharing.create_share(
        db.session,
        case,
        organization_id=organization_id,
        sections=list(sections),
        diagnosis_areas=areas or [],
        purpose="Acompanhamento do agregado",
        legal_basis=LegalBasis.CONSENT if consent_id else LegalBasis.LEGAL_OBLIGATION,
        legal_reference=None if consent_id else "Decreto-Lei n.º 55/2020",
        consent_id=consent_id,
        expires_on=today() + timedelta(days=30),
        actor_id=case.manager_id,
    )
    return created.id


class Api:
    """A signed-in client speaking JSON, with the CSRF header on writes; every answer is
    checked against the OpenAPI document."""

    def __init__(self, app: Flask, client: FlaskClient) -> None:
        self.app = app
        self.client = client
        self.token = csrf_token(client.get("/notifications").text)

    def __call__(self, method: str, path: str, body: object = None, **headers: str):  # type: ignore[no-untyped-def]
        if method != "GET":
            headers["X-CSRFToken"] = self.token
        url = path if path.startswith("/api/") else f"{API}/{path}"
        response = self.client.open(url, method=method, json=body, headers=headers)
        assert_documented(self.app, response)
        return response


def listed(client: Api, path: str, key: str = "cases") -> list[int]:
    """The ids a list answer holds (the demo data is there too)."""
    response = client("GET", path)
    assert response.status_code == 200, path
    return [row["id"] for row in response.get_json()[key]]


@pytest.fixture
def data(app: Flask) -> CaseData:
    return build_case(app)


@pytest.fixture
def api(app: Flask, as_user):  # type: ignore[no-untyped-def]
    return lambda email: Api(app, as_user(email))


def case_requests(d: CaseData, action: str) -> list[tuple[str, str, object]]:
    """Every operation on one case or person, with a valid body: for the case manager all
    succeed (in this order); for anyone without the access they need, all are 404."""
    soon = (today() + timedelta(days=5)).isoformat()
    event = {"kind": "contact", "occurred_at": "2026-01-05T10:00:00Z", "text": "Telefonema."}
    referral = {"organization_id": 1, "area": "health", "request": "Consulta.", "respond_by": soon}
    share = {
        "organization_id": 1,
        "sections": ["timeline"],
        "purpose": "Consulta de enfermagem",
        "legal_basis": "legal_obligation",
        "legal_reference": "Decreto-Lei n.º 55/2020",
        "expires_on": soon,
    }
    consent = {"given_by": "A própria", "given_on": today().isoformat(), "scope": "Partilha"}
    return [
        ("GET", f"cases/{d.case}", None),
        ("GET", f"persons/{d.person}", None),
        ("GET", f"persons/{d.person}/duplicates", None),
        ("PATCH", f"plan-actions/{d.actions[action]}", {"status": "in_progress"}),
        ("POST", f"cases/{d.case}/events", event),
        ("PUT", f"cases/{d.case}/plan", {"goals": [{"description": "Nova meta", "actions": []}]}),
        ("POST", f"cases/{d.case}/referrals", referral),
        ("POST", f"referrals/{d.referral}/answer", {"status": "cancelled"}),
        ("POST", f"cases/{d.case}/shares", share),
        ("POST", f"persons/{d.person}/consents", consent),
        ("POST", f"shares/{d.shares['scm-mourao']}/revoke", None),
        ("POST", f"consents/{d.consent}/revoke", None),
        ("POST", f"cases/{d.case}/status", {"status": "suspended", "reason": "Emigrou."}),
    ]


def _with_org(app: Flask, body: object, slug: str) -> object:
    """Bodies naming an organisation name a real partner of Mourão."""
    if isinstance(body, dict) and "organization_id" in body:
        with app.app_context():
            orgs = {o.slug: o.id for o in sharing_orgs(Mourao.load().tenant)}
        return body | {"organization_id": orgs[slug]}
    return body


def test_the_case_manager_can_do_everything(app: Flask, api, data: CaseData) -> None:  # type: ignore[no-untyped-def]
    manager = api("gestora@mourao.demo")
    for method, path, body in case_requests(data, "scm-mourao"):
        response = manager(method, path, _with_org(app, body, "cs-mourao"))
        assert response.status_code in (200, 201), (method, path, response.get_json())


@pytest.mark.parametrize(
    "email",
    [
        "saude@mourao.demo",  # no share at all
        "escola@mourao.demo",  # a share that has expired
        "junta@mourao.demo",  # a share whose consent was revoked
    ],
)
def test_a_partner_without_an_active_share_reaches_nothing(api, data: CaseData, email: str) -> None:  # type: ignore[no-untyped-def]
    partner = api(email)
    slug = {"saude": "cs-mourao", "escola": "ae-mourao", "junta": "jf-mourao"}[email.split("@")[0]]
    for method, path, body in case_requests(data, slug):
        assert partner(method, path, body).status_code == 404, (method, path)
    assert data.case not in listed(partner, "cases")
    assert listed(partner, "persons?q=Zarco", "persons") == []
    assert listed(partner, f"persons?q={NIF}", "persons") == []
    assert data.referral not in listed(partner, "referrals", "referrals")


def test_a_partner_sees_only_the_sections_shared_with_it(api, data: CaseData) -> None:  # type: ignore[no-untyped-def]
    partner = api("seguranca-social@mourao.demo")  # a share of the timeline only
    case = partner("GET", f"cases/{data.case}").get_json()
    assert case["sections"] == ["timeline"]
    hidden = {"identification", "diagnosis", "plan", "referrals", "areas", "opening_reason"}
    assert not hidden & case.keys() and "risk_flags" not in case
    assert [e["text"] for e in case["timeline"]] == ["Atendimento inicial."]
    [row] = [c for c in partner("GET", "cases").get_json()["cases"] if c["id"] == data.case]
    assert "person" not in row  # no identification shared
    assert listed(partner, "persons?q=Zarco", "persons") == []
    own_action = data.actions["ss-evora-mourao"]  # assigned to it, but the plan is not shared
    for method, path, body in case_requests(data, "ss-evora-mourao")[1:]:
        assert partner(method, path, body).status_code == 404, (method, path)
    with partner.app.app_context(), tenant_scope(data.tenant):
        assert db.session.get(PlanAction, own_action).status == ActionStatus.PLANNED  # type: ignore[union-attr]


def test_a_partner_with_the_plan_shared_updates_its_own_action_only(
    app: Flask, api, data: CaseData
) -> None:  # type: ignore[no-untyped-def]
    partner = api("ipss@mourao.demo")
    case = partner("GET", f"cases/{data.case}").get_json()
    assert case["sections"] == [s.value for s in Section]
    assert case["areas"] == ["health"] and [d["area"] for d in case["diagnosis"]] == ["health"]
    [goal] = case["plan"]["goals"]
    assert [a["id"] for a in goal["actions"]] == [data.actions["scm-mourao"]]
    assert [r["id"] for r in case["referrals"]] == [data.referral]
    assert [e["text"] for e in case["timeline"]] == ["Atendimento inicial."]
    members = case["identification"]["members"]
    assert {m["person"]["id"] for m in members} == {data.person, data.child}
    assert "opening_reason" not in case and "risk_flags" not in case

    done = partner(
        "PATCH",
        f"plan-actions/{data.actions['scm-mourao']}",
        {"status": "done", "progress_note": "Cabaz entregue."},
    )
    assert done.status_code == 200
    assert done.get_json()["status"] == "done"
    assert done.get_json()["progress_note"] == "Cabaz entregue."
    other = partner("PATCH", f"plan-actions/{data.actions['cs-mourao']}", {"status": "done"})
    assert other.status_code == 404
    for method, path, body in case_requests(data, "scm-mourao")[1:]:
        if "plan-actions" in path or "answer" in path:
            continue  # its own action (above) and its own referral (below)
        assert partner(method, path, body).status_code == 404, (method, path)
    accepted = partner("POST", f"referrals/{data.referral}/answer", {"status": "accepted"})
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"

    with app.app_context(), tenant_scope(data.tenant):
        reads = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "case.read", AuditEvent.object_id == str(data.case)
            )
        ).all()
        assert [r.purpose for r in reads] == ["Acompanhamento do agregado"]
        assert reads[0].details["shares"] == [data.shares["scm-mourao"]]


def test_revoking_the_consent_closes_the_partners_access_at_once(api, data: CaseData) -> None:  # type: ignore[no-untyped-def]
    partner = api("ipss@mourao.demo")
    assert partner("GET", f"cases/{data.case}").status_code == 200
    revoked = api("gestora@mourao.demo")("POST", f"consents/{data.consent}/revoke")
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"]
    assert partner("GET", f"cases/{data.case}").status_code == 404
    assert data.case not in listed(partner, "cases")


def test_another_councils_member_gets_404_everywhere(api, data: CaseData) -> None:  # type: ignore[no-untyped-def]
    foreign = api("coordenacao@reguengos-de-monsaraz.demo")
    own = "/api/v1/t/reguengos-de-monsaraz"
    for method, path, body in case_requests(data, "scm-mourao"):
        assert foreign(method, path, body).status_code == 404, (method, path)
        # The same ids under its own council: the rows are not in its scope.
        assert foreign(method, f"{own}/{path}", body).status_code == 404, (method, path)
    assert data.case not in listed(foreign, f"{own}/cases")
    assert listed(foreign, f"{own}/persons?q=Zarco", "persons") == []


def test_the_partner_of_two_councils_reaches_nothing_of_this_case_from_the_other(
    api, data: CaseData
) -> None:  # type: ignore[no-untyped-def]
    partner = api("ipss@mourao.demo")
    other = "/api/v1/t/reguengos-de-monsaraz"
    assert partner("GET", f"{other}/cases/{data.case}").status_code == 404
    assert data.case not in listed(partner, f"{other}/cases")
    action = data.actions["scm-mourao"]
    assert partner("PATCH", f"{other}/plan-actions/{action}", {"status": "done"}).status_code == 404


def test_roles_outside_case_management_are_refused(api, data: CaseData) -> None:  # type: ignore[no-untyped-def]
    decision = api("decisao@mourao.demo")
    assert decision("GET", "cases").status_code == 403
    assert decision("GET", "persons?q=Zarco").status_code == 403
    assert decision("GET", "caseload").status_code == 403
    partner = api("ipss@mourao.demo")
    assert partner("POST", "persons", {"given_names": "A", "family_names": "B"}).status_code == 403
    assert partner("GET", "caseload").status_code == 403


def test_recording_a_person_is_idempotent_and_checks_identifiers(api, app: Flask) -> None:  # type: ignore[no-untyped-def]
    staff = api("tecnica@mourao.demo")
    body = {"given_names": "Rui", "family_names": "Bettencourt", "nif": NIF, "parish": "Luz"}
    key = {"Idempotency-Key": "5a1f3c0e-0000-4000-8000-000000000001"}
    first = staff("POST", "persons", body, **key)
    assert first.status_code == 201
    again = staff("POST", "persons", body, **key)
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]

    bad = staff("POST", "persons", body | {"nif": "123456788", "niss": None})
    assert bad.status_code == 422
    assert bad.get_json()["errors"] == [{"field": "nif", "message": bad.get_json()["message"]}]
    bad = staff("POST", "persons", {"given_names": "Ana", "family_names": "Rosa", "niss": "1"})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "niss"
    taken = staff("POST", "persons", body | {"given_names": "Outro", "not_a_duplicate": True})
    assert taken.status_code == 422 and taken.get_json()["errors"][0]["field"] == "nif"
    unknown = staff("POST", "persons", body | {"surname": "x"})
    assert unknown.status_code == 422 and unknown.get_json()["errors"][0]["field"] == "surname"

    similar = {"given_names": "Rui", "family_names": "Bettencourt"}
    conflict = staff("POST", "persons", similar)
    assert conflict.status_code == 409
    assert [p["id"] for p in conflict.get_json()["duplicates"]] == [first.get_json()["id"]]
    confirmed = staff("POST", "persons", similar | {"not_a_duplicate": True})
    assert confirmed.status_code == 201

    person_id = first.get_json()["id"]
    record = staff("GET", f"persons/{person_id}").get_json()
    assert record["nif"] == NIF and [h["parish"] for h in record["households"]] == ["Luz"]
    with app.app_context(), tenant_scope(Mourao.load().tenant):
        read = db.session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "person.read", AuditEvent.object_id == str(person_id)
            )
        )
        assert read is not None and read.purpose == "Atendimento e acompanhamento social"
    found = set(listed(staff, "persons?q=bettencourt rui", "persons"))
    assert found == {person_id, confirmed.get_json()["id"]}


def test_opening_a_case_and_listing_with_filters(api, app: Flask, data: CaseData) -> None:  # type: ignore[no-untyped-def]
    staff = api("gestora@mourao.demo")
    with app.app_context():
        manager = Mourao.load().manager
    body = {
        "person_id": data.child,
        "manager_id": manager,
        "opening_reason": "Abandono escolar.",
        "areas": ["education"],
    }
    key = {"Idempotency-Key": "case-1"}
    opened = staff("POST", "cases", body, **key)
    assert opened.status_code == 201 and opened.get_json()["person"]["id"] == data.child
    assert staff("POST", "cases", body, **key).get_json()["id"] == opened.get_json()["id"]
    assert staff("POST", "cases", body | {"areas": []}).status_code == 422
    assert staff("POST", "cases", body | {"areas": ["nope"]}).status_code == 422
    assert staff("POST", "cases", body | {"person_id": 10**9}).status_code == 422

    mine = {data.case, opened.get_json()["id"]}

    def ids(query: str) -> list[int]:
        return [i for i in listed(staff, f"cases?{query}") if i in mine]

    assert ids("area=education") == [opened.get_json()["id"]]
    assert ids("area=housing") == [data.case]
    assert ids("q=Duarte Zarco") == [opened.get_json()["id"], data.case]  # he is in both
    assert ids("status=closed") == []
    assert staff("GET", "cases?status=sideways").status_code == 422
    assert staff("GET", "cases?page=0").status_code == 422


def test_confidential_entries_and_the_plan_for_the_staff(api, data: CaseData) -> None:  # type: ignore[no-untyped-def]
    manager = api("gestora@mourao.demo")
    technician = api("tecnica@mourao.demo")
    texts = [e["text"] for e in manager("GET", f"cases/{data.case}").get_json()["timeline"]]
    assert sorted(texts) == ["Atendimento inicial.", "Nota reservada."]
    case = technician("GET", f"cases/{data.case}").get_json()
    assert [e["text"] for e in case["timeline"]] == ["Atendimento inicial."]
    assert case["risk_flags"] == ["child_at_risk"] and case["areas"] == ["housing", "health"]
    assert len(case["plan"]["goals"][0]["actions"]) == len(PARTNERS) + 1

    new = technician(
        "PUT",
        f"cases/{data.case}/plan",
        {"goals": [{"description": "Emprego", "actions": [{"description": "IEFP"}]}]},
    )
    assert new.status_code == 200 and new.get_json()["version"] == 2
    unknown_user = technician(
        "PUT",
        f"cases/{data.case}/plan",
        {
            "goals": [
                {
                    "description": "X",
                    "actions": [{"description": "Y", "responsible_user_id": 10**9}],
                }
            ]
        },
    )
    assert unknown_user.status_code == 422 and unknown_user.get_json()["error"] == "rejected"
    stale = manager("PATCH", f"plan-actions/{data.actions['scm-mourao']}", {"status": "done"})
    assert stale.status_code == 422  # that version was superseded
    assert (
        technician(
            "POST",
            f"cases/{data.case}/events",
            {"kind": "note", "occurred_at": "2026-01-05T10:00", "text": "Sem fuso."},
        ).status_code
        == 422
    )  # a time without its zone is ambiguous


def test_caseload_for_case_managers_and_admins(api) -> None:  # type: ignore[no-untyped-def]
    load = api("coordenacao@mourao.demo")("GET", "caseload").get_json()
    assert load["target"] > 0
    assert all(r["target"] == load["target"] for r in load["rows"])
    assert "Ana Gestora de Caso" in [r["name"] for r in load["rows"]]


def test_writes_need_the_csrf_header(app: Flask, as_user, data: CaseData) -> None:  # type: ignore[no-untyped-def]
    client = as_user("gestora@mourao.demo")
    response = client.post(f"{API}/cases/{data.case}/status", json={"status": "suspended"})
    assert response.status_code == 400 and response.get_json()["error"] == "csrf_failed"
    assert_documented(app, response)


def _group_values(app: Flask) -> dict[str, int]:
    with app.app_context():
        group = groups_factories.group(members=("coordenacao@mourao.demo",))
        mourao = db.session.scalar(select(Tenant.id).where(Tenant.slug == "mourao"))
        assert mourao is not None
        vignette = Vignette(
            group_id=group.id,
            author_id=groups_factories.user_id("coordenacao@mourao.demo"),
            source_tenant_id=mourao,
            title="Uma família isolada",
            question="Que apoio funcionou noutros concelhos?",
            content={},
            content_hash="0" * 64,
        )
        db.session.add(vignette)
        start = today().replace(day=1)
        cimac = db.session.scalar(select(Consortium.id).where(Consortium.slug == "cimac"))
        run, consortium_run = (
            ReportRun(
                kind=kind,
                council_id=council_id,
                consortium_id=consortium_id,
                period_start=start,
                period_end=start,
                params_hash="0" * 64,
                status=RunStatus.DONE,
            )
            for kind, council_id, consortium_id in (
                ("council_monthly", mourao, None),
                ("consortium_monthly", None, cimac),
            )
        )
        db.session.add_all([run, consortium_run])
        db.session.flush()
        for built in (run, consortium_run):  # a file to download, as the worker stores it
            key = f"reports/{built.id}/csv"
            current_storage().put(key, b"\xef\xbb\xbfa;b\r\n", "text/csv; charset=utf-8")
            built.files = {"csv": {"key": key, "size": 9, "sha256": "0" * 64}}
        practice = db.session.scalar(
            select(Practice.id).where(Practice.status == PracticeStatus.PUBLISHED).limit(1)
        )
        assert practice is not None  # the demo's
        db.session.commit()
        return {
            "group_id": group.id,
            "vignette_id": vignette.id,
            "practice_id": practice,
            "run_id": run.id,
            "consortium": "cimac",
            "consortium_run_id": consortium_run.id,
            "fmt": "csv",
        }


def test_every_get_route_answers_what_the_document_says(app: Flask, api, data: CaseData) -> None:  # type: ignore[no-untyped-def]
    values = {"tenant": "mourao", "case_id": data.case, "person_id": data.person}
    values["version"] = "2024-04-02"  # a regulation version, by its effective date
    from tests.test_api_applications import application_values  # it imports this module

    values |= application_values(app)  # an application with a delivered document
    values |= _group_values(app)  # a group the admin sits in with a vignette; a practice; a run
    admin, partner = api("coordenacao@mourao.demo"), api("ipss@mourao.demo")
    coordinator = api("coordenacao@cimac.demo")  # a consortium's routes
    routes = [r for r in api_rules(app) if "GET" in r.methods]
    assert len(routes) >= 10
    for rule in routes:
        consortium = "<consortium>" in rule.rule
        given = values | ({"run_id": values["consortium_run_id"]} if consortium else {})
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m, given=given: str(given[m[1]]), rule.rule)
        reader = coordinator if consortium else admin
        assert reader("GET", path).status_code == 200, path  # and validated by Api
        partner("GET", path)  # 200, 403 or 404: each validated against the document
