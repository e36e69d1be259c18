"""Data subject access: everything the council holds about a person, as JSON and as a PDF."""

from __future__ import annotations

import json
import re
import zlib
from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import event, select

from teia.audit.services import audit
from teia.cases.access import Viewer
from teia.cases.models import Area, EventKind, LegalBasis
from teia.cases.plans import ActionInput, GoalInput, save_plan
from teia.cases.referrals import create_referral
from teia.cases.services import add_event, save_diagnosis
from teia.cases.sharing import create_share, open_emergency_access, record_consent
from teia.core import clock
from teia.core.db import db
from teia.core.tenancy import NoTenantInScope, tenant_scope
from teia.people.export import FORMAT, person_export, person_export_pdf
from teia.people.export_pdf import latin1
from teia.people.models import Person, PersonDocument, Relationship
from teia.people.services import PersonData, add_member, merge_persons, rectify_person
from teia.tenants.models import Tenant
from tests.case_factories import Mourao, at, case_for, person

REASON = "Renda em atraso de 350 € \u2013 “despejo” iminente"  # en dash, curly quotes


def _subject(world: Mourao) -> dict[str, int]:
    """Maria, with a merged duplicate, a rectification, a child and one case with all parts."""
    session = db.session
    maria_id = person(
        world,
        "Maria da Conceição",
        "Guerreiro Lopes",
        nif="123456789",
        niss="12345678902",
        birth_date=date(1984, 3, 7),
        phone="912345678",
    )
    maria = session.scalar(select(Person).where(Person.id == maria_id))
    assert maria is not None
    session.add(PersonDocument(person_id=maria_id, kind="citizen_card", number="12345678 9ZZ1"))
    rectify_person(
        session,
        maria,
        PersonData(
            given_names=maria.given_names,
            family_names=maria.family_names,
            birth_date=maria.birth_date,
            nif=maria.nif,
            niss=maria.niss,
            phone="962345678",
        ),
        reason="Mudou de número",
        actor_id=world.manager,
    )
    duplicate_id = person(
        world, "Maria Conceição", "Lopes", nif="234567805", email="maria@exemplo.pt"
    )
    duplicate = session.scalar(select(Person).where(Person.id == duplicate_id))
    merge_persons(session, maria, duplicate, reason="Registo em duplicado", actor_id=world.manager)  # type: ignore[arg-type]

    case = case_for(world, maria_id, REASON)
    child_id = person(world, "João", "Guerreiro Lopes", birth_date=date(2012, 5, 1))
    child = session.scalar(select(Person).where(Person.id == child_id))
    add_member(session, case.household, child, Relationship.CHILD)  # type: ignore[arg-type]
    today = clock.today()
    add_event(
        session,
        case,
        kind=EventKind.CONTACT,
        occurred_at=at(today),
        text="Atendimento inicial no serviço.",
        confidential=False,
        reader_ids=[],
        author_id=world.manager,
    )
    add_event(
        session,
        case,
        kind=EventKind.NOTE,
        occurred_at=at(today, 11),
        text="Relata violência doméstica.",
        confidential=True,
        reader_ids=[world.technician],
        author_id=world.manager,
    )
    save_diagnosis(
        session,
        case,
        area=Area.HOUSING,
        needs="Casa sem condições.",
        potentials="Rede familiar próxima.",
        support_network="Irmã em Évora.",
        actor_id=world.manager,
    )
    save_plan(
        session,
        case,
        goals=[
            GoalInput(
                "Garantir habitação condigna",
                [
                    ActionInput(
                        "Pedir apoio ao arrendamento",
                        responsible_organization_id=world.scm,
                        due_on=today + timedelta(days=30),
                    )
                ],
            )
        ],
        agreed_on=today,
        review_on=None,
        actor_id=world.manager,
        allowed_organization_ids={world.scm},
        allowed_user_ids={world.manager, world.technician},
    )
    consent = record_consent(
        session,
        person_id=maria_id,
        given_by="Maria da Conceição Guerreiro Lopes",
        given_on=today,
        scope="Partilha do plano com a Santa Casa",
        valid_until=None,
        actor_id=world.manager,
    )
    create_share(
        session,
        case,
        organization_id=world.scm,
        sections=["plan"],
        diagnosis_areas=[],
        purpose="Apoio ao arrendamento",
        legal_basis=LegalBasis.CONSENT,
        legal_reference=None,
        consent_id=consent.id,
        expires_on=today + timedelta(days=30),
        actor_id=world.manager,
    )
    create_referral(
        session,
        case,
        organization_id=world.health,
        area=Area.HEALTH,
        request="Consulta de saúde mental.",
        respond_by=today + timedelta(days=10),
        actor_id=world.manager,
    )
    open_emergency_access(
        session,
        Viewer(world.partner, False, world.scm),
        case_number=case.number,
        reason="Internamento urgente da utente.",
    )
    audit(
        session,
        "case.read",
        object_type="case",
        object_id=case.id,
        purpose="Preparação da reunião",
        actor_id=world.technician,
    )
    session.flush()
    return {"maria": maria_id, "duplicate": duplicate_id, "child": child_id, "case": case.id}


def test_the_export_holds_the_whole_record_confidential_entries_marked(app: Flask) -> None:
    with app.app_context():
        world = Mourao.load()
        with tenant_scope(world.tenant):
            ids = _subject(world)
            data = person_export(db.session, ids["maria"])
            via_duplicate = person_export(db.session, ids["duplicate"])
            child = person_export(db.session, ids["child"])
    assert data is not None and via_duplicate is not None and child is not None
    assert json.loads(json.dumps(data)) == data
    assert data["format"] == FORMAT and data["generated_at"]
    assert data["person"]["nif"] == "123456789" and data["person"]["phone"] == "962345678"
    assert data["person"]["email"] == "maria@exemplo.pt"  # moved over by the merge
    assert [(d["kind"], d["number"]) for d in data["documents"]] == [
        ("citizen_card", "12345678 9ZZ1")
    ]
    [change] = data["rectifications"]
    assert (change["field"], change["old_value"], change["new_value"], change["reason"]) == (
        "phone",
        "912345678",
        "962345678",
        "Mudou de número",
    )
    assert change["changed_by"] == "Ana Gestora de Caso"
    [merge] = data["merges"]
    assert merge["merged_id"] == ids["duplicate"] and merge["snapshot"]["nif"] == "234567805"
    assert via_duplicate["person"]["id"] == ids["maria"]  # a merged record leads to the kept one

    [household] = data["households"]
    assert household["relationship"] == "representative"
    assert household["other_members"] == [{"name": "João Guerreiro Lopes", "relationship": "child"}]
    [case] = data["cases"]
    assert case["role"] == "case_person" and case["opening_reason"] == REASON
    assert case["areas"] == ["housing", "income"] and case["risk_flags"] == ["severe_deprivation"]
    assert [(e["text"], e["confidential"]) for e in case["timeline"]] == [
        ("Atendimento inicial no serviço.", False),
        ("Relata violência doméstica.", True),
    ]
    assert case["diagnosis"][0]["needs"] == "Casa sem condições."
    [action] = case["plans"][0]["goals"][0]["actions"]
    assert action["responsible_organisation"] == "Santa Casa da Misericórdia de Mourão"
    assert case["referrals"][0]["organisation"] == "Centro de Saúde de Mourão (UCSP)"
    [share] = case["shares"]
    assert share["active"] and share["legal_basis"] == "consent" and share["sections"] == ["plan"]
    [emergency] = case["emergency_accesses"]
    assert emergency["user"] == "Carla (Santa Casa da Misericórdia)"
    assert emergency["reason"] == "Internamento urgente da utente."
    assert [c["scope"] for c in data["consents"]] == ["Partilha do plano com a Santa Casa"]
    log = {(e["action"], e["who"], e["case"], e["purpose"]) for e in data["access_log"]}
    assert ("case.read", "Joana Técnica", case["number"], "Preparação da reunião") in log
    assert ("person.rectified", None, None, None) in log  # no request: no actor

    # The child sees the case as a household member, and the others by name and place only.
    assert [c["role"] for c in child["cases"]] == ["household_member"]
    assert child["households"][0]["other_members"] == [
        {"name": "Maria da Conceição Guerreiro Lopes", "relationship": "representative"}
    ]


def test_the_export_takes_the_same_queries_however_many_cases(app: Flask) -> None:
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    with app.app_context():
        world = Mourao.load()
        with tenant_scope(world.tenant):
            tenant = db.session.get(Tenant, world.tenant)  # held: Session.get hits the map
            ids = _subject(world)

            def queries() -> int:
                db.session.flush()
                statements.clear()
                event.listen(db.engine, "before_cursor_execute", count)
                try:
                    assert person_export(db.session, ids["maria"]) is not None
                finally:
                    event.remove(db.engine, "before_cursor_execute", count)
                return len(statements)

            one_case = queries()
            for n in range(3):
                more = case_for(world, ids["child"], f"Abandono escolar ({n}).")
                add_event(
                    db.session,
                    more,
                    kind=EventKind.HOME_VISIT,
                    occurred_at=at(clock.today()),
                    text="Visita.",
                    confidential=n == 0,
                    reader_ids=[],
                    author_id=world.technician,
                )
            assert queries() == one_case
    assert tenant is not None and one_case < 25


def test_another_councils_person_cannot_be_exported(app: Flask) -> None:
    with app.app_context():
        world = Mourao.load()
        with tenant_scope(world.tenant):
            maria = person(world, "Maria", "Lopes", nif="112233449")
            alone = person_export(db.session, maria)
            assert alone is not None and alone["cases"] == alone["households"] == []
        with pytest.raises(NoTenantInScope):
            person_export(db.session, maria)
        reguengos = db.session.scalar(
            select(Tenant.id).where(Tenant.slug == "reguengos-de-monsaraz")
        )
        with tenant_scope(reguengos):
            assert person_export(db.session, maria) is None


def _pdf_text(pdf: bytes) -> bytes:
    """The content streams of the PDF, inflated (core-font text is stored as latin-1).

    A stream runs up to ``endstream`` with the end-of-line before it included: compressed data
    may itself end in a carriage return, so the inflater, not the pattern, finds where it ends.
    """
    text = b""
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.DOTALL):
        try:
            text += zlib.decompressobj().decompress(stream)
        except zlib.error:
            text += stream
    return text


def test_the_pdf_renders_portuguese_text_and_numbers_its_pages(app: Flask) -> None:
    with app.app_context():
        world = Mourao.load()
        with tenant_scope(world.tenant):
            ids = _subject(world)
            data = person_export(db.session, ids["maria"])
    assert data is not None
    pdf = person_export_pdf(data)
    assert pdf.startswith(b"%PDF-") and len(pdf) > 3000
    text = _pdf_text(pdf)
    assert "Conceição".encode("latin-1") in text
    assert "violência doméstica".encode("latin-1") in text
    assert b'350 EUR - "despejo" iminente' in text
    assert b"CONFIDENCIAL" in text
    pages = re.findall(rb"P\xe1gina (\d+) de \D*(\d+)", text)  # the total is set at the end
    assert pages and {total for _, total in pages} == {str(len(pages)).encode()}


def test_text_outside_latin1_is_made_plain() -> None:
    assert latin1("Conceição «ok» “sim” \u2013 5 € … ő ﬁm ✓ 中") == (
        'Conceição «ok» "sim" - 5 EUR ... o fim ? ?'
    )
    assert latin1("linha\r\noutra\tcoluna\x07") == "linha\noutra coluna "
