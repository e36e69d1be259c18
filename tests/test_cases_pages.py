"""Case management through the pages: a case manager's day, and exactly what partners see."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from teia.audit.models import AuditEvent
from teia.cases.models import Case, CaseShare, Consent, EventKind, PlanAction
from teia.cases.services import add_event
from teia.core.clock import today
from teia.core.db import db, utcnow
from teia.core.tenancy import tenant_scope
from teia.notifications.models import Notification
from teia.people.models import Person
from teia.tenants.models import Organization, Tenant
from tests.conftest import csrf_token

NIF = "123456789"


def _ids(app: Flask) -> dict[str, int]:
    with app.app_context():
        mourao = db.session.scalar(select(Tenant).where(Tenant.slug == "mourao"))
        scm = db.session.scalar(select(Organization).where(Organization.slug == "scm-mourao"))
        return {"tenant": mourao.id, "scm": scm.id}  # type: ignore[union-attr]


def _form(client, path: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.text


def _new_person(  # type: ignore[no-untyped-def]
    c,
    given: str = "Maria da Conceição",
    family: str = "Guerreiro Lopes",
    nif: str = NIF,
    born: str = "1984-03-07",
) -> int:
    html = _form(c, "/t/mourao/persons/new")
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', html)
    assert key
    data = {
        "csrf_token": csrf_token(html),
        "submission_key": key[1],
        "given_names": given,
        "family_names": family,
        "birth_date": born,
        "nif": nif,
        "parish": "Luz",
        "address": "Rua Direita 5",
    }
    first = c.post("/t/mourao/persons/new", data=data)
    assert first.status_code == 302, first.text
    again = c.post("/t/mourao/persons/new", data=data)  # a double submit
    assert again.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    return int(first.headers["Location"].rsplit("/", 1)[1])


def _open_case(c, person_id: int) -> int:  # type: ignore[no-untyped-def]
    html = _form(c, f"/t/mourao/cases/new?person_id={person_id}")
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', html)
    manager = re.search(r'<option selected value="(\d+)"', html) or re.search(
        r'name="manager"[^>]*>\s*<option[^>]*value="(\d+)"', html
    )
    assert key and manager
    response = c.post(
        "/t/mourao/cases/new",
        data={
            "csrf_token": csrf_token(html),
            "submission_key": key[1],
            "person_id": person_id,
            "manager": manager[1],
            "opening_reason": "Perda de emprego e renda em atraso.",
            "areas": ["housing", "employment"],
            "risk_flags": ["severe_deprivation"],
        },
    )
    assert response.status_code == 302, response.text
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _plan_with_partner_action(c, case_id: int, scm_id: int) -> None:  # type: ignore[no-untyped-def]
    html = _form(c, f"/t/mourao/cases/{case_id}/plan/edit")
    due = (today("Europe/Lisbon") + timedelta(days=20)).isoformat()
    response = c.post(
        f"/t/mourao/cases/{case_id}/plan/edit",
        data={
            "csrf_token": csrf_token(html),
            "agreed_on": today("Europe/Lisbon").isoformat(),
            "review_on": (today("Europe/Lisbon") + timedelta(days=90)).isoformat(),
            "goal-1-description": "Garantir a alimentação do agregado",
            "goal-1-action-1-description": "Integrar na cantina social",
            "goal-1-action-1-responsible": f"o:{scm_id}",
            "goal-1-action-1-due_on": due,
            "goal-1-action-1-status": "planned",
            "goal-1-action-2-description": "Inscrever no IEFP",
            "goal-1-action-2-status": "planned",
        },
    )
    assert response.status_code == 302, response.text


def _share_plan_with_consent(c, app: Flask, case_id: int, person_id: int, scm_id: int) -> int:  # type: ignore[no-untyped-def]
    html = _form(c, f"/t/mourao/persons/{person_id}")
    response = c.post(
        f"/t/mourao/persons/{person_id}/consents",
        data={
            "csrf_token": csrf_token(html),
            "given_by": "Maria da Conceição Guerreiro Lopes",
            "given_on": today("Europe/Lisbon").isoformat(),
            "scope": "Partilha do plano com a Santa Casa para a cantina social",
        },
    )
    assert response.status_code == 302
    with app.app_context(), tenant_scope(_ids(app)["tenant"]):
        consent_id = db.session.scalar(select(Consent.id).where(Consent.person_id == person_id))
    html = _form(c, f"/t/mourao/cases/{case_id}/shares")
    response = c.post(
        f"/t/mourao/cases/{case_id}/shares",
        data={
            "csrf_token": csrf_token(html),
            "organization": scm_id,
            "sections": ["plan"],
            "purpose": "Cantina social",
            "legal_basis": "consent",
            "consent": consent_id,
            "expires_on": (today("Europe/Lisbon") + timedelta(days=60)).isoformat(),
        },
    )
    assert response.status_code == 302, response.text
    return consent_id  # type: ignore[return-value]


def test_case_manager_to_partner_and_back(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    ids = _ids(app)
    manager = as_user("gestora@mourao.demo")
    assert "Ninguém encontrado" in manager.get("/t/mourao/persons?q=conceicao").text
    person_id = _new_person(manager)
    # Accent- and case-insensitive, any order; and by NIF.
    assert "Guerreiro Lopes" in manager.get("/t/mourao/persons?q=LOPES concei").text
    assert "Guerreiro Lopes" in manager.get(f"/t/mourao/persons?q={NIF}").text
    case_id = _open_case(manager, person_id)
    _plan_with_partner_action(manager, case_id, ids["scm"])

    ipss = as_user("ipss@mourao.demo")
    health = as_user("saude@mourao.demo")
    assert ipss.get(f"/t/mourao/cases/{case_id}").status_code == 404  # nothing shared yet
    consent_id = _share_plan_with_consent(manager, app, case_id, person_id, ids["scm"])

    page = ipss.get(f"/t/mourao/cases/{case_id}")
    assert page.status_code == 200
    assert "Guerreiro" not in page.text  # identification not shared
    plan = ipss.get(f"/t/mourao/cases/{case_id}/plan")
    assert "Integrar na cantina social" in plan.text
    assert "Inscrever no IEFP" not in plan.text  # not its action
    for tab in ("timeline", "diagnosis", "referrals", "shares", "access-log"):
        assert ipss.get(f"/t/mourao/cases/{case_id}/{tab}").status_code == 404, tab
    assert ipss.get(f"/t/mourao/persons/{person_id}").status_code == 404
    assert "Ninguém encontrado" in ipss.get("/t/mourao/persons?q=Guerreiro").text
    assert "/cases/" + str(case_id) in ipss.get("/t/mourao/cases").text

    with app.app_context(), tenant_scope(ids["tenant"]):
        action_id = db.session.scalar(
            select(PlanAction.id).where(
                PlanAction.case_id == case_id, PlanAction.responsible_organization_id == ids["scm"]
            )
        )
        other_action = db.session.scalar(
            select(PlanAction.id).where(
                PlanAction.case_id == case_id, PlanAction.responsible_organization_id.is_(None)
            )
        )
    token = csrf_token(plan.text)
    response = ipss.post(
        f"/t/mourao/plan-actions/{action_id}",
        data={"csrf_token": token, "status": "in_progress", "progress_note": "Inscrita a 3/12"},
    )
    assert response.status_code == 302
    assert "Inscrita a 3/12" in manager.get(f"/t/mourao/cases/{case_id}/plan").text
    response = ipss.post(
        f"/t/mourao/plan-actions/{other_action}",
        data={"csrf_token": token, "status": "done"},
    )
    assert response.status_code == 404

    # The health centre has no share: nothing, not even in search or the list.
    assert health.get(f"/t/mourao/cases/{case_id}").status_code == 404
    assert health.get(f"/t/mourao/cases/{case_id}/plan").status_code == 404
    assert f"/cases/{case_id}" not in health.get("/t/mourao/cases").text
    assert "Ninguém encontrado" in health.get("/t/mourao/persons?q=Guerreiro").text

    # The case manager sees who accessed the case, with the purpose.
    log = manager.get(f"/t/mourao/cases/{case_id}/access-log").text
    assert "Carla (Santa Casa da Misericórdia)" in log and "Cantina social" in log

    # Revoking the consent ends the access at once.
    shares = manager.get(f"/t/mourao/cases/{case_id}/shares")
    response = manager.post(
        f"/t/mourao/consents/{consent_id}/revoke",
        data={"csrf_token": csrf_token(shares.text), "case_id": case_id},
    )
    assert response.status_code == 302
    assert ipss.get(f"/t/mourao/cases/{case_id}").status_code == 404
    assert ipss.get(f"/t/mourao/cases/{case_id}/plan").status_code == 404
    assert f"/cases/{case_id}" not in ipss.get("/t/mourao/cases").text


def test_reads_are_audited_with_their_purpose(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    ids = _ids(app)
    manager = as_user("gestora@mourao.demo")
    person_id = _new_person(manager)
    case_id = _open_case(manager, person_id)
    manager.get(f"/t/mourao/persons/{person_id}")
    manager.get(f"/t/mourao/cases/{case_id}")
    manager.get(f"/t/mourao/cases/{case_id}/timeline")
    with app.app_context(), tenant_scope(ids["tenant"]):
        reads = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action.in_(["case.read", "person.read"]),
                AuditEvent.object_id.in_([str(case_id), str(person_id)]),
            )
        ).all()
    assert {(e.action, e.details.get("section")) for e in reads} >= {
        ("case.read", "summary"),
        ("case.read", "timeline"),
        ("person.read", None),
    }
    assert all(e.purpose for e in reads)


def test_confidential_notes_reach_only_the_named(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    manager = as_user("gestora@mourao.demo")
    person_id = _new_person(manager)
    case_id = _open_case(manager, person_id)
    html = _form(manager, f"/t/mourao/cases/{case_id}/timeline")
    for text, confidential in (("Contacto telefónico de rotina", False), ("Suspeita grave", True)):
        data = {
            "csrf_token": csrf_token(html),
            "kind": "note",
            "occurred_at": "2026-11-20T10:30",
            "text": text,
        }
        if confidential:
            data["confidential"] = "y"
        assert manager.post(f"/t/mourao/cases/{case_id}/timeline", data=data).status_code == 302
    assert "Suspeita grave" in manager.get(f"/t/mourao/cases/{case_id}/timeline").text
    colleague = as_user("tecnica@mourao.demo")
    page = colleague.get(f"/t/mourao/cases/{case_id}/timeline").text
    assert "Contacto telefónico de rotina" in page and "Suspeita grave" not in page


def test_likely_duplicates_are_shown_before_creating(as_user) -> None:  # type: ignore[no-untyped-def]
    manager = as_user("gestora@mourao.demo")
    _new_person(manager)
    html = _form(manager, "/t/mourao/persons/new")
    response = manager.post(
        "/t/mourao/persons/new",
        data={
            "csrf_token": csrf_token(html),
            "submission_key": "another-submission",
            "given_names": "Maria Conceicao",
            "family_names": "Lopes",
            "birth_date": "1984-03-07",
        },
    )
    assert response.status_code == 422
    assert "pode já estar registada" in response.text


def test_bad_identifiers_are_refused_with_a_clear_message(as_user) -> None:  # type: ignore[no-untyped-def]
    manager = as_user("gestora@mourao.demo")
    html = _form(manager, "/t/mourao/persons/new")
    response = manager.post(
        "/t/mourao/persons/new",
        data={
            "csrf_token": csrf_token(html),
            "submission_key": "k1",
            "given_names": "Rui",
            "family_names": "Sapateiro",
            "nif": "123456780",
        },
    )
    assert response.status_code == 422
    assert "O NIF 123456780 não é válido" in response.text


def test_expired_share_gives_nothing(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    ids = _ids(app)
    manager = as_user("gestora@mourao.demo")
    person_id = _new_person(manager)
    case_id = _open_case(manager, person_id)
    _plan_with_partner_action(manager, case_id, ids["scm"])
    _share_plan_with_consent(manager, app, case_id, person_id, ids["scm"])
    ipss = as_user("ipss@mourao.demo")
    assert ipss.get(f"/t/mourao/cases/{case_id}/plan").status_code == 200
    with app.app_context(), tenant_scope(ids["tenant"]):
        share = db.session.scalar(select(CaseShare).where(CaseShare.case_id == case_id))
        share.expires_on = today("Europe/Lisbon") - timedelta(days=1)  # type: ignore[union-attr]
        db.session.commit()
    assert ipss.get(f"/t/mourao/cases/{case_id}/plan").status_code == 404
    assert f"/cases/{case_id}" not in ipss.get("/t/mourao/cases").text


def test_caseload_counts_families_against_the_target(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    manager = as_user("gestora@mourao.demo")
    person_id = _new_person(manager)
    _open_case(manager, person_id)
    page = as_user("coordenacao@mourao.demo").get("/t/mourao/caseload")
    assert page.status_code == 200
    assert "Ana Gestora de Caso" in page.text and "Meta do município: 40" in page.text
    with app.app_context(), tenant_scope(_ids(app)["tenant"]):
        assert db.session.scalar(select(Person.id).where(Person.nif == NIF)) == person_id
        assert db.session.scalar(select(Case.id).where(Case.person_id == person_id))


def test_emergency_access_is_time_limited_audited_and_alerts_the_manager(
    app: Flask, as_user
) -> None:  # type: ignore[no-untyped-def]
    manager = as_user("gestora@mourao.demo")
    case_id = _open_case(manager, _new_person(manager))
    with app.app_context(), tenant_scope(_ids(app)["tenant"]):
        case = db.session.get(Case, case_id)
        number, manager_id = case.number, case.manager_id  # type: ignore[union-attr]
    health = as_user("saude@mourao.demo")
    assert health.get(f"/t/mourao/cases/{case_id}").status_code == 404
    html = _form(health, "/t/mourao/emergency-access")
    short = health.post(
        "/t/mourao/emergency-access",
        data={"csrf_token": csrf_token(html), "case_number": number, "reason": "urgente"},
    )
    assert short.status_code == 422 and "pelo menos 10 caracteres" in short.text
    response = health.post(
        "/t/mourao/emergency-access",
        data={
            "csrf_token": csrf_token(html),
            "case_number": number,
            "reason": "Utente nas urgências, inconsciente; precisamos do contacto familiar.",
        },
    )
    assert response.status_code == 302
    page = health.get(f"/t/mourao/cases/{case_id}")
    assert page.status_code == 200 and "Acesso de emergência até" in page.text
    assert "Guerreiro Lopes" in page.text
    with app.app_context():
        alert = db.session.scalar(
            select(Notification).where(
                Notification.user_id == manager_id, Notification.kind == "emergency_access"
            )
        )
        assert alert is not None and number in alert.subject
    log = manager.get(f"/t/mourao/cases/{case_id}/access-log").text
    assert "Acesso de emergência" in log and "inconsciente" in log
    # Reguengos allows no emergency access.
    ipss = as_user("ipss@mourao.demo")
    page = ipss.get("/t/reguengos-de-monsaraz/emergency-access")
    assert "não permite acessos de emergência" in page.text


def test_long_timelines_are_paged(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    manager = as_user("gestora@mourao.demo")
    case_id = _open_case(manager, _new_person(manager))
    with app.app_context(), tenant_scope(_ids(app)["tenant"]):
        case = db.session.get(Case, case_id)
        for i in range(55):
            add_event(
                db.session,
                case,  # type: ignore[arg-type]
                kind=EventKind.CONTACT,
                occurred_at=utcnow() - timedelta(hours=i),
                text=f"Contacto número {i:02d}.",
                confidential=False,
                reader_ids=[],
                author_id=case.manager_id,  # type: ignore[union-attr]
            )
        db.session.commit()
    first = manager.get(f"/t/mourao/cases/{case_id}/timeline").text
    assert "Contacto número 00." in first and "Contacto número 49." in first
    assert "Contacto número 50." not in first and "Registos anteriores" in first
    second = manager.get(f"/t/mourao/cases/{case_id}/timeline?page=2").text
    assert "Contacto número 54." in second and "Registos anteriores" not in second


def test_data_subject_export_as_json_and_pdf_is_audited(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    manager = as_user("gestora@mourao.demo")
    person_id = _new_person(manager)
    _open_case(manager, person_id)
    as_json = manager.get(f"/t/mourao/persons/{person_id}/export.json")
    assert as_json.status_code == 200 and as_json.headers["Cache-Control"] == "no-store"
    assert "Guerreiro Lopes" in as_json.text and "Perda de emprego" in as_json.text
    as_pdf = manager.get(f"/t/mourao/persons/{person_id}/export.pdf")
    assert as_pdf.mimetype == "application/pdf" and as_pdf.data.startswith(b"%PDF")
    assert (
        as_user("tecnica@mourao.demo").get(f"/t/mourao/persons/{person_id}/export.json").status_code
        == 404
    )
    with app.app_context(), tenant_scope(_ids(app)["tenant"]):
        exports = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "person.exported", AuditEvent.object_id == str(person_id)
            )
        ).all()
    assert [e.details["format"] for e in exports] == ["json", "pdf"]
    assert all("RGPD" in (e.purpose or "") for e in exports)


def test_a_member_joins_the_household_by_nif(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    manager = as_user("gestora@mourao.demo")
    case_id = _open_case(manager, _new_person(manager))
    child = _new_person(
        manager, given="Tomás", family="Guerreiro Lopes", nif="279123450", born="2015-05-05"
    )
    page = _form(manager, f"/t/mourao/cases/{case_id}")
    response = manager.post(
        f"/t/mourao/cases/{case_id}/members",
        data={"csrf_token": csrf_token(page), "person_id": "279 123 450", "relationship": "child"},
    )
    assert response.status_code == 302
    page = manager.get(f"/t/mourao/cases/{case_id}").text
    assert "Tomás Guerreiro Lopes" in page and "Filho/a" in page
    unknown = manager.post(
        f"/t/mourao/cases/{case_id}/members",
        data={"csrf_token": csrf_token(page), "person_id": "999999990", "relationship": "child"},
        follow_redirects=True,
    )
    assert "Ninguém com esse NIF" in unknown.text
    with app.app_context(), tenant_scope(_ids(app)["tenant"]):
        assert db.session.get(Person, child) is not None
