"""Admission: once the unit accepted the place, the requesting council records the arrival;
the stay and its PIA/PIF start in the requesting council, and the host council receives the
admission sheet, with only what the unit needs for immediate care, whichever council that
is. A re-admission is linked to the earlier stay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from teia.accounts.models import Role, User
from teia.audit.models import AuditEvent
from teia.core.clock import today
from teia.core.db import db
from teia.core.tenancy import tenant_scope
from teia.notifications.models import Notification
from teia.shelter.lifecycle import mark_discharged
from teia.shelter.models import (
    AdmissionSheet,
    Allocation,
    AllocationEvent,
    AllocationStatus,
    CarePlan,
    PlacementProfile,
    PlacementRequest,
    ProfileStatus,
    RequestStatus,
    Stay,
    StayStatus,
)
from tests.conftest import csrf_token, requires_postgres
from tests.shelter_factories import offer, staff_user, unit
from tests.test_shelter_requests import SITUATION, World, create, load, make_world


@pytest.fixture
def world(app: Flask) -> World:
    return make_world(app)


@dataclass(frozen=True)
class Placed:
    request_id: int
    allocation_id: int
    unit_id: int


def accepted_place(app: Flask, c: FlaskClient, world: World, host: int) -> Placed:
    """A request from the world's case, and a place the unit of ``host`` accepted for it."""
    request_id = create(c, world)
    request = load(app, world.cimac.mourao, request_id)
    with app.app_context():
        target = db.session.get(PlacementProfile, request.profile_id)
        assert target is not None
        built = unit(
            host,
            world.cimac.operator,
            name="Casa de Acolhimento do Alentejo",
            modality="residential_care_children",
            places={"adolescents": 2},
            pools=(world.cimac.consortium,),
        )
        allocation = offer(target, built, status=AllocationStatus.ACCEPTED)
        placed = Placed(request_id, allocation.id, built.id)
        db.session.commit()
    return placed


def admission_form(c: FlaskClient, request_id: int) -> tuple[str, dict]:  # type: ignore[type-arg]
    path = f"/t/mourao/shelter/requests/{request_id}/admit"
    response = c.get(path)
    assert response.status_code == 200, response.status_code
    return path, {
        "csrf_token": csrf_token(response.text),
        "admitted_on": today().isoformat(),
        "referral_guide": "GE-2026/117",
        "referent": "",
        "referent_contact": "266 000 111",
        "follow_up_every_days": "10",
        "plan_kind": "pia",
        "health": "Asma; bomba inaladora SOS.",
        "medication": "Salbutamol SOS.",
        "diet": "Sem glúten.",
        "school": "EB 2,3 de Mourão, 9.º ano; transporte escolar às 8h.",
        "contacts": "Pode: avó materna (266 000 222). Não pode: padrasto.",
    }


def user_id(email: str) -> int:
    found = db.session.scalar(select(User.id).where(User.email == email))
    assert found is not None
    return found


SHEET_COLUMNS = {
    "id",
    "tenant_id",
    "unit_id",
    "allocation_id",
    "given_names",
    "family_names",
    "birth_date",
    "sex",
    "health",
    "medication",
    "diet",
    "school",
    "contacts",
    "referent_name",
    "referent_contact",
    "requesting_council",
    "referral_guide",
    "admitted_on",
    "ended_on",
    "created_at",
}


def test_admission_in_the_same_council(app: Flask, as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    c = as_user("gestora@mourao.demo")
    request_id = create(c, world)
    # Nothing accepted yet: no admission.
    response = c.get(f"/t/mourao/shelter/requests/{request_id}/admit")
    assert response.status_code == 302
    assert "Ainda nenhuma unidade aceitou uma vaga" in c.get(response.headers["Location"]).text

    placed = accepted_place(app, c, world, world.cimac.mourao)
    show = c.get(f"/t/mourao/shelter/requests/{placed.request_id}").text
    assert "A unidade Casa de Acolhimento do Alentejo aceitou a vaga." in show
    assert f'href="/t/mourao/shelter/requests/{placed.request_id}/admit"' in show
    path, data = admission_form(c, placed.request_id)
    page = c.get(path).text
    assert "Beatriz Calado Serrano" in page and "Ficha de admissão para a unidade" in page
    assert SITUATION not in page  # the reasons stay on the request, not on the sheet form
    with app.app_context():
        manager = user_id("gestora@mourao.demo")
    assert f'<option selected value="{manager}">' in page  # the user, a case manager

    response = c.post(path, data={**data, "referent": str(manager)})
    assert response.status_code == 302
    with app.app_context(), tenant_scope(world.cimac.mourao):
        stay = db.session.scalar(select(Stay).where(Stay.request_id == placed.request_id))
        assert stay is not None
        assert response.headers["Location"] == f"/t/mourao/shelter/stays/{stay.id}"
        assert (stay.unit_id, stay.allocation_id) == (placed.unit_id, placed.allocation_id)
        assert (stay.case_id, stay.person_id) == (world.case_id, world.person_id)
        assert stay.admitted_on == today() and stay.status == StayStatus.ACTIVE
        assert stay.modality == "residential_care_children"
        assert stay.expected_end_on == today() + timedelta(days=365)
        assert stay.referral_guide == "GE-2026/117" and stay.technical_referent_id == manager
        assert stay.follow_up_every_days == 10 and stay.previous_stay_id is None
        plan = db.session.scalar(select(CarePlan).where(CarePlan.stay_id == stay.id))
        assert plan is not None and plan.kind == "pia"
        assert plan.next_review_on == today() + timedelta(days=30)
        assert (plan.diagnosis, plan.main_goal, plan.goals) == ("", None, [])
        request = db.session.get(PlacementRequest, placed.request_id)
        assert request is not None and request.status == RequestStatus.PLACED
        sheet = db.session.scalar(
            select(AdmissionSheet).where(AdmissionSheet.allocation_id == placed.allocation_id)
        )
        assert sheet is not None and sheet.tenant_id == world.cimac.mourao
        audited = db.session.execute(
            select(AuditEvent.action, AuditEvent.object_id).where(
                AuditEvent.action.in_(("shelter.admitted", "shelter.admission_sheet.received")),
                AuditEvent.object_id.in_((str(stay.id), str(sheet.id))),
            )
        ).all()
        assert sorted(audited) == [
            ("shelter.admission_sheet.received", str(sheet.id)),
            ("shelter.admitted", str(stay.id)),
        ]
        allocation = db.session.get(Allocation, placed.allocation_id)
        assert allocation is not None and allocation.status == AllocationStatus.ADMITTED
        assert allocation.profile.status == ProfileStatus.PLACED
        log = db.session.scalars(
            select(AllocationEvent.action).where(
                AllocationEvent.profile_id == allocation.profile_id
            )
        ).all()
        assert log == ["queued", "admitted"]
        staff = user_id("acolhimento@mourao.demo")
        note = db.session.scalar(
            select(Notification).where(
                Notification.user_id == staff,
                Notification.link == f"/t/mourao/shelter/units/{placed.unit_id}/residents",
            )
        )
        assert note is not None and "Beatriz" not in note.subject + note.body
    # Placed: no second admission, and the request points at the stay.
    again = c.get(path)
    assert again.status_code == 302
    assert (
        f"/t/mourao/shelter/stays/{stay.id}"
        in c.get(f"/t/mourao/shelter/requests/{placed.request_id}").text
    )


ADMISSION_REFUSALS = [
    (
        {"admitted_on": (today() + timedelta(days=1)).isoformat()},
        "admitted_on",
        "A data de admissão não pode ser no futuro.",
    ),
    (
        {"admitted_on": (today() - timedelta(days=1)).isoformat()},
        "admitted_on",
        "A data de admissão não pode ser anterior ao pedido.",
    ),
    ({"admitted_on": ""}, "admitted_on", "Escreva uma data válida."),
    ({"referral_guide": " "}, "referral_guide", "Preencha este campo."),
    ({"referent_contact": ""}, "referent_contact", "Preencha este campo."),
    ({"follow_up_every_days": "0"}, "follow_up_every_days", "De 1 a 90 dias."),
    ({"follow_up_every_days": "x"}, "follow_up_every_days", "O valor inteiro não é válido."),
    (
        {"referent": ""},
        "referent",
        "A referência técnica tem de ser um/a técnico/a ou gestor/a do município.",
    ),
    ({"plan_kind": ""}, "plan_kind", "Responda a esta pergunta."),
    ({"health": "x" * 4001}, "health", "Texto demasiado longo (máximo 4000 caracteres)."),
    (
        {"referent": "decision_maker"},
        "referent",
        "A referência técnica tem de ser um/a técnico/a ou gestor/a do município.",
    ),
]


@pytest.mark.parametrize(("changes", "field", "message"), ADMISSION_REFUSALS)
def test_every_admission_refusal_is_said_beside_its_field(
    app: Flask, as_user, world: World, changes: dict, field: str, message: str
) -> None:  # type: ignore[no-untyped-def,type-arg]
    c = as_user("gestora@mourao.demo")
    placed = accepted_place(app, c, world, world.cimac.mourao)
    path, data = admission_form(c, placed.request_id)
    with app.app_context():
        data["referent"] = str(user_id("tecnica@mourao.demo"))
        if changes.get("referent") == "decision_maker":
            changes = {"referent": str(user_id("decisao@mourao.demo"))}
    response = c.post(path, data={**data, **changes})
    assert response.status_code == 422
    assert message in response.text
    assert f'id="{field}-error"' in response.text
    with app.app_context(), tenant_scope(world.cimac.mourao):
        assert db.session.scalar(select(Stay).where(Stay.request_id == placed.request_id)) is None
        allocation = db.session.get(Allocation, placed.allocation_id)
        assert allocation is not None and allocation.status == AllocationStatus.ACCEPTED


def test_admission_in_another_council_writes_the_sheet_in_the_host_scope(
    app: Flask, as_user, world: World
) -> None:  # type: ignore[no-untyped-def]
    c = as_user("gestora@mourao.demo")
    placed = accepted_place(app, c, world, world.cimac.portel)
    with app.app_context():
        portel_staff = staff_user(
            "equipa-portel@acolher.demo",
            world.cimac.portel,
            world.cimac.operator,
            Role.SHELTER_STAFF,
        ).email
        db.session.commit()
    path, data = admission_form(c, placed.request_id)
    with app.app_context():
        data["referent"] = str(user_id("tecnica@mourao.demo"))
    assert c.post(path, data=data).status_code == 302

    assert set(AdmissionSheet.__table__.columns.keys()) == SHEET_COLUMNS
    with app.app_context():
        with tenant_scope(world.cimac.portel):
            sheet = db.session.scalar(
                select(AdmissionSheet).where(AdmissionSheet.allocation_id == placed.allocation_id)
            )
            assert sheet is not None and sheet.tenant_id == world.cimac.portel
            values = {c: getattr(sheet, c) for c in SHEET_COLUMNS}
            sheet_id = sheet.id
            # The host council's log says who wrote the sheet into it.
            assert (
                db.session.scalar(
                    select(func.count(AuditEvent.id)).where(
                        AuditEvent.action == "shelter.admission_sheet.received",
                        AuditEvent.object_id == str(sheet_id),
                    )
                )
                == 1
            )
        with tenant_scope(world.cimac.mourao):
            # The requesting council does not see the host's sheet.
            assert (
                db.session.scalar(
                    select(AdmissionSheet).where(
                        AdmissionSheet.allocation_id == placed.allocation_id
                    )
                )
                is None
            )
            stay = db.session.scalar(select(Stay).where(Stay.request_id == placed.request_id))
            assert stay is not None and stay.unit_id == placed.unit_id
        told = db.session.scalars(
            select(Notification.link).where(Notification.user_id == user_id(portel_staff))
        ).all()
        assert told == [f"/t/portel/shelter/units/{placed.unit_id}/residents"]
    assert values["given_names"] == "Beatriz" and values["family_names"] == "Calado Serrano"
    assert values["birth_date"] == date(today().year - 15, 1, 1) and values["sex"] == "F"
    assert values["medication"] == "Salbutamol SOS." and values["diet"] == "Sem glúten."
    assert values["contacts"].startswith("Pode: avó materna")
    assert (
        values["referent_name"] == "Joana Técnica" and values["referent_contact"] == "266 000 111"
    )
    assert values["requesting_council"] == "Mourão" and values["referral_guide"] == "GE-2026/117"
    stored = " ".join(str(v) for v in values.values())
    for secret in (SITUATION[:30], world.case_number, "PPP 123/2026", "CPCJ"):
        assert secret not in stored, secret

    # Portel's unit staff read the sheet; the Mourão case stays out of their reach.
    staff = as_user(portel_staff)
    assert staff.get(f"/t/portel/shelter/units/{placed.unit_id}/residents").status_code == 200
    sheet_page = staff.get(f"/t/portel/shelter/residents/{sheet_id}")
    assert sheet_page.status_code == 200 and "Salbutamol SOS." in sheet_page.text
    assert SITUATION[:30] not in sheet_page.text
    for path in (
        f"/t/mourao/cases/{world.case_id}",
        f"/t/mourao/shelter/requests/{placed.request_id}",
        f"/t/portel/cases/{world.case_id}",
        f"/t/portel/shelter/requests/{placed.request_id}",
        f"/t/portel/shelter/stays/{stay.id}",
    ):
        assert staff.get(path).status_code == 404, path
    # Mourão's own unit staff (another council) do not reach Portel's sheet.
    mourao_staff = as_user("acolhimento@mourao.demo")
    assert mourao_staff.get(f"/t/portel/shelter/residents/{sheet_id}").status_code == 404
    assert mourao_staff.get(f"/t/mourao/shelter/residents/{sheet_id}").status_code == 404


@requires_postgres
def test_row_level_security_keeps_the_host_sheet_from_the_requesting_council(
    app: Flask, as_user, world: World
) -> None:  # type: ignore[no-untyped-def]
    c = as_user("gestora@mourao.demo")
    placed = accepted_place(app, c, world, world.cimac.portel)
    path, data = admission_form(c, placed.request_id)
    with app.app_context():
        data["referent"] = str(user_id("gestora@mourao.demo"))
    assert c.post(path, data=data).status_code == 302
    count = text("SELECT count(*) FROM shelter_admission_sheets WHERE allocation_id = :a")
    with app.app_context():
        with tenant_scope(world.cimac.mourao):
            assert db.session.execute(count, {"a": placed.allocation_id}).scalar() == 0
        with tenant_scope(world.cimac.portel):
            assert db.session.execute(count, {"a": placed.allocation_id}).scalar() == 1


def test_a_readmission_is_linked_to_the_earlier_stay(app: Flask, as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    c = as_user("gestora@mourao.demo")
    first = accepted_place(app, c, world, world.cimac.mourao)
    path, data = admission_form(c, first.request_id)
    with app.app_context():
        data["referent"] = str(user_id("gestora@mourao.demo"))
    assert c.post(path, data=data).status_code == 302
    with app.app_context():
        with tenant_scope(world.cimac.mourao):
            earlier = db.session.scalar(select(Stay).where(Stay.request_id == first.request_id))
            assert earlier is not None
            earlier.status = StayStatus.DISCHARGED
            earlier.ended_on = today()
            earlier.end_reason = "return_family"
            db.session.flush()
            earlier_id = earlier.id
        allocation = db.session.get(Allocation, first.allocation_id)
        assert allocation is not None
        mark_discharged(db.session, allocation, actor_id=user_id("gestora@mourao.demo"))
        db.session.commit()
    second = accepted_place(app, c, world, world.cimac.reguengos)
    path, data = admission_form(c, second.request_id)
    with app.app_context():
        data["referent"] = str(user_id("tecnica@mourao.demo"))
    data["plan_kind"] = "pif"
    assert c.post(path, data=data).status_code == 302
    with app.app_context(), tenant_scope(world.cimac.mourao):
        again = db.session.scalar(select(Stay).where(Stay.request_id == second.request_id))
        assert again is not None and again.previous_stay_id == earlier_id
        assert again.plan is not None and again.plan.kind == "pif"


def test_unit_modalities_without_expected_duration_have_no_expected_end(
    app: Flask, as_user
) -> None:  # type: ignore[no-untyped-def]
    older = make_world(app, age=80)
    c = as_user("gestora@mourao.demo")
    request_id = create(c, older, public="older_people", protective_body="none")
    request = load(app, older.cimac.mourao, request_id)
    with app.app_context():
        target = db.session.get(PlacementProfile, request.profile_id)
        assert target is not None
        built = unit(
            older.cimac.mourao,
            older.cimac.operator,
            name="ERPI de Mourão",
            modality="elderly_residence",
            places={"older_people": 1},
            pools=(older.cimac.consortium,),
        )
        offer(target, built, status=AllocationStatus.ACCEPTED)
        db.session.commit()
    path, data = admission_form(c, request_id)
    with app.app_context():
        data["referent"] = str(user_id("gestora@mourao.demo"))
    assert c.post(path, data=data).status_code == 302
    with app.app_context(), tenant_scope(older.cimac.mourao):
        stay = db.session.scalar(select(Stay).where(Stay.request_id == request_id))
        assert stay is not None and stay.modality == "elderly_residence"
        assert stay.expected_end_on is None


def test_partners_and_other_councils_cannot_admit(app: Flask, as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    c = as_user("gestora@mourao.demo")
    placed = accepted_place(app, c, world, world.cimac.mourao)
    _path, data = admission_form(c, placed.request_id)
    for email, tenant in (
        ("acolhimento@mourao.demo", "mourao"),
        ("ipss@mourao.demo", "mourao"),
        ("gestora@portel.demo", "portel"),
        ("tecnica@mourao.demo", "portel"),
    ):
        other = as_user(email)
        token = csrf_token(other.get(f"/t/{tenant}/").text)
        url = f"/t/{tenant}/shelter/requests/{placed.request_id}/admit"
        assert other.get(url).status_code == 404, email
        assert other.post(url, data={**data, "csrf_token": token}).status_code == 404, email
    with app.app_context():
        allocation = db.session.get(Allocation, placed.allocation_id)
        assert allocation is not None and allocation.status == AllocationStatus.ACCEPTED
