"""Placement requests through the pages: a council's staff ask for a place from a case, the
minimum profile (and nothing personal) goes to the consortium's desk, every refusal says why
in Portuguese beside its field, a double submit makes one request, a cancellation returns a
held place, and nobody outside the council's staff reaches any of it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from teia.accounts.models import User
from teia.audit.models import AuditEvent
from teia.core.clock import today
from teia.core.db import db
from teia.core.tenancy import tenant_scope
from teia.notifications.models import Notification
from teia.people.models import Person
from teia.shelter.models import (
    Allocation,
    AllocationEvent,
    AllocationStatus,
    PlacementProfile,
    PlacementRequest,
    ProfileStatus,
    RequestStatus,
)
from teia.tenants.models import Consortium
from tests.conftest import csrf_token
from tests.shelter_factories import Cimac, council_case, offer, profile, unit

SITUATION = (
    "Está em casa de uma vizinha desde ontem; o padrasto ameaçou-a. A avó materna vive em "
    "Évora mas não pode acolher. Escola e centro de saúde já foram contactados."
)


@dataclass(frozen=True)
class World:
    cimac: Cimac
    case_id: int
    case_number: str
    person_id: int


def _teen_birth_date() -> date:
    return date(today().year - 15, 1, 1)  # 15 years old all year


def make_world(app: Flask, age: int = 15) -> World:
    """A girl (15 unless ``age`` says otherwise) with an open case in Mourão."""
    with app.app_context():
        cimac = Cimac.load()
        with tenant_scope(cimac.mourao):
            case = council_case(
                cimac.mourao,
                "gestora@mourao.demo",
                "Beatriz",
                "Calado Serrano",
                birth_date=date(today().year - age, 1, 1),
            )
            found = World(cimac, case.id, case.number, case.person_id)
        db.session.commit()
    return found


@pytest.fixture
def world(app: Flask) -> World:
    return make_world(app)


def request_form(c: FlaskClient, world: World, tenant: str = "mourao") -> tuple[str, dict]:  # type: ignore[type-arg]
    """The new-request page and a valid form for the world's girl, as staff would fill it."""
    path = f"/t/{tenant}/cases/{world.case_id}/shelter/request"
    response = c.get(path)
    assert response.status_code == 200, response.status_code
    key = re.search(
        r'id="submission_key" name="submission_key" type="hidden" value="([^"]+)"', response.text
    )
    assert key, response.text
    return path, {
        "csrf_token": csrf_token(response.text),
        "submission_key": key[1],
        "person": str(world.person_id),
        "consortium": str(world.cimac.consortium),
        "public": "adolescents",
        "indicators": ["serious_neglect", "no_carer"],
        "risk": "high",
        "urgency": "days",
        "situation": SITUATION,
        "protective_body": "cpcj",
        "protective_reference": "PPP 123/2026",
        "protective_measure": "Acolhimento residencial deliberado pela CPCJ de Mourão.",
        "anchor": str(world.cimac.mourao),
        "constraints": ["siblings_together"],
    }


def create(c: FlaskClient, world: World, **changes: object) -> int:
    path, data = request_form(c, world)
    response = c.post(path, data={**data, **changes})
    assert response.status_code == 302, response.text
    return int(response.headers["Location"].rsplit("/", 1)[1])


def load(app: Flask, tenant: int, request_id: int) -> PlacementRequest:
    with app.app_context(), tenant_scope(tenant):
        found = db.session.get(PlacementRequest, request_id)
        assert found is not None
        db.session.expunge(found)
        return found


def test_a_request_from_the_case_queues_a_profile_for_the_desk(
    app: Flask, as_user, world: World
) -> None:  # type: ignore[no-untyped-def]
    c = as_user("tecnica@mourao.demo")
    case_page = c.get(f"/t/mourao/cases/{world.case_id}").text
    assert "Pedir vaga de acolhimento" in case_page and "Decisão rápida (plantão)" in case_page
    path, data = request_form(c, world)
    html = c.get(path).text
    # The only consortium and the council as anchor come chosen; the girl is the default.
    assert f'<option selected value="{world.cimac.consortium}">CIMAC</option>' in html
    assert f'<option selected value="{world.cimac.mourao}">Mourão</option>' in html
    assert f'<option selected value="{world.person_id}">Beatriz Calado Serrano' in html
    assert "Conselho Tutelar</option>" not in html  # Brazil's body, not Portugal's

    response = c.post(path, data=data)
    assert response.status_code == 302
    again = c.post(path, data=data)  # a double submit lands on the same request
    assert again.headers["Location"] == response.headers["Location"]
    request_id = int(response.headers["Location"].rsplit("/", 1)[1])

    with app.app_context():
        with tenant_scope(world.cimac.mourao):
            made = db.session.scalars(
                select(PlacementRequest).where(PlacementRequest.case_id == world.case_id)
            ).all()
            assert [r.id for r in made] == [request_id]
            request = made[0]
            assert re.fullmatch(rf"{today().year}/\d{{4}}", request.number)
            assert request.status == RequestStatus.OPEN
            assert request.indicators == ["serious_neglect", "no_carer"]
            assert request.protective_body == "cpcj" and request.situation == SITUATION
            assert (
                db.session.scalar(
                    select(func.count(AuditEvent.id)).where(
                        AuditEvent.action == "shelter.request.created",
                        AuditEvent.object_id == str(request_id),
                    )
                )
                == 1
            )
        profile_row = db.session.get(PlacementProfile, request.profile_id)
        assert profile_row is not None
        assert profile_row.reference == f"MOU {request.number}"
        assert (profile_row.age, profile_row.sex, profile_row.public) == (15, "F", "adolescents")
        assert (profile_row.risk, profile_row.risk_rank) == ("high", 2)
        assert (profile_row.urgency, profile_row.urgency_rank) == ("days", 2)
        assert profile_row.constraints == ["siblings_together"]
        assert profile_row.anchor_tenant_id == world.cimac.mourao
        assert profile_row.status == ProfileStatus.WAITING
        log = db.session.scalars(
            select(AllocationEvent.action).where(AllocationEvent.profile_id == profile_row.id)
        ).all()
        assert log == ["queued"]
        desk = db.session.scalar(select(User.id).where(User.email == "coordenacao@cimac.demo"))
        told = db.session.scalars(select(Notification).where(Notification.user_id == desk)).all()
        links = [n.link for n in told]
        assert f"/c/cimac/shelter/requests/{profile_row.id}" in links
        note = next(n for n in told if n.link == f"/c/cimac/shelter/requests/{profile_row.id}")
        assert "Beatriz" not in note.subject + note.body


PROFILE_COLUMNS = {
    "id",
    "consortium_id",
    "requesting_tenant_id",
    "anchor_tenant_id",
    "reference",
    "age",
    "sex",
    "public",
    "modalities",
    "needs_accessibility",
    "needs_intensive_care",
    "outside_territory",
    "constraints",
    "risk",
    "risk_rank",
    "urgency",
    "urgency_rank",
    "status",
    "requested_at",
    "closed_at",
}


def test_the_profile_that_crosses_the_border_holds_no_personal_data(
    app: Flask, as_user, world: World
) -> None:  # type: ignore[no-untyped-def]
    assert set(PlacementProfile.__table__.columns.keys()) == PROFILE_COLUMNS
    c = as_user("gestora@mourao.demo")
    request_id = create(c, world, outside_territory="y", safety_reason="Perseguição por um grupo")
    request = load(app, world.cimac.mourao, request_id)
    with app.app_context():
        row = (
            db.session.execute(
                select(PlacementProfile.__table__).where(PlacementProfile.id == request.profile_id)
            )
            .mappings()
            .one()
        )
        with tenant_scope(world.cimac.mourao):
            person = db.session.get(Person, world.person_id)
            assert person is not None
            secrets = [
                person.given_names,
                person.family_names,
                "Calado",
                _teen_birth_date().isoformat(),
                SITUATION[:30],
                "PPP 123/2026",
                "Perseguição",
                "CPCJ",
            ]
    assert row["outside_territory"] is True
    stored = json.dumps({k: str(v) for k, v in row.items()}, ensure_ascii=False)
    for secret in secrets:
        assert secret not in stored, secret
    # The only number that crosses is the request's own, in the reference: not the case's.
    assert world.case_number not in stored.replace(row["reference"], "")


REFUSALS = [
    ({"situation": ""}, "situation", "Preencha este campo."),
    ({"public": ""}, "public", "Preencha este campo."),
    (
        {"indicators": []},
        "indicators",
        "Assinale pelo menos um indicador de necessidade de acolhimento.",
    ),
    (
        {"public": "children_0_5"},
        "public",
        "O público «Crianças dos 0 aos 5 anos» não admite a idade da pessoa (15 anos).",
    ),
    ({"risk": ""}, "risk", "Escolha o nível de risco."),
    ({"urgency": "tomorrow"}, "urgency", "Escolha a urgência."),
    ({"public": "cats"}, "public", "Escolha o público da vaga."),
    ({"modalities": ["hotel"]}, "modalities", "Modalidade desconhecida."),
    (
        {"constraints": ["Vive com o agressor na Rua Direita"]},
        "constraints",
        "Condição desconhecida.",
    ),
    ({"indicators": ["made_up"]}, "indicators", "Indicador desconhecido."),
    ({"isolated_factors": ["boredom"]}, "isolated_factors", "Fator desconhecido."),
    (
        {"protective_body": "none"},
        "protective_body",
        "Para uma criança ou jovem, acione a CPCJ / o Conselho Tutelar (ou o tribunal) e indique "
        "o órgão de proteção envolvido.",
    ),
    ({"protective_body": "friends"}, "protective_body", "Escolha o órgão de proteção envolvido."),
    (
        {"outside_territory": "y"},
        "safety_reason",
        "Indique o motivo de segurança que exige uma vaga fora do território.",
    ),
    (
        {"anchor": "999999"},
        "anchor",
        "O concelho de referência tem de ser um município do consórcio.",
    ),
    (
        {"consortium": "999999"},
        "consortium",
        "Escolha um consórcio de que o município faz parte.",
    ),
    ({"person": "999999"}, "person", "Escolha uma pessoa do agregado deste processo."),
    ({"person": "abc"}, "person", "Escolha inválida"),
    ({"person": ""}, "person", "Escolha uma pessoa do agregado deste processo."),
    ({"consortium": ""}, "consortium", "Escolha um consórcio de que o município faz parte."),
    ({"protective_reference": "x" * 121}, "protective_reference", "No máximo 120 caracteres."),
    ({"situation": "x" * 8001}, "situation", "Texto demasiado longo (máximo 8000 caracteres)."),
]


@pytest.mark.parametrize(("changes", "field", "message"), REFUSALS)
def test_every_refusal_is_said_beside_its_field(
    as_user, world: World, changes: dict, field: str, message: str
) -> None:  # type: ignore[no-untyped-def,type-arg]
    c = as_user("gestora@mourao.demo")
    path, data = request_form(c, world)
    response = c.post(path, data={**data, **changes})
    assert response.status_code == 422
    assert message in response.text
    assert f'id="{field}-error"' in response.text
    listing = c.get(f"/t/mourao/shelter/requests?case_id={world.case_id}").text
    assert "Nenhum pedido." in listing


def test_a_person_without_birth_date_or_outside_the_household(
    app: Flask, as_user, world: World
) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        with tenant_scope(world.cimac.mourao):
            other = council_case(
                world.cimac.mourao, "gestora@mourao.demo", "Rui", "Sem Data", birth_date=None
            )
            other_case, other_person = other.id, other.person_id
        db.session.commit()
    c = as_user("gestora@mourao.demo")
    # Someone of another household cannot be asked for from this case.
    path, data = request_form(c, world)
    response = c.post(path, data={**data, "person": str(other_person)})
    assert response.status_code == 422
    assert "Escolha uma pessoa do agregado deste processo." in response.text
    # No birth date: the age crosses with the request, so the person record must have it.
    other_world = World(world.cimac, other_case, "", other_person)
    path, data = request_form(c, other_world)
    assert "Rui Sem Data (sem data de nascimento)" in c.get(path).text
    response = c.post(path, data={**data, "public": "adults"})
    assert response.status_code == 422
    assert "Registe a data de nascimento na ficha da pessoa" in response.text
    assert f'href="/t/mourao/persons/{other_person}/edit"' in response.text


def test_isolated_factors_alone_are_refused_without_an_explicit_confirmation(
    app: Flask, as_user, world: World
) -> None:  # type: ignore[no-untyped-def]
    c = as_user("gestora@mourao.demo")
    path, data = request_form(c, world)
    assert "Nenhum destes fatores justifica, sozinho, um acolhimento" in c.get(path).text
    only_isolated = {**data, "indicators": [], "isolated_factors": ["poverty", "substance_use"]}
    response = c.post(path, data=only_isolated)
    assert response.status_code == 422
    assert "Só assinalou fatores que, sozinhos, não justificam um acolhimento." in response.text
    assert 'id="isolated_confirmed-error" role="alert"' in response.text
    assert 'class="notice warning" role="alert"' in response.text
    # With an indicator as well, the factors are context: no confirmation needed.
    response = c.post(path, data={**only_isolated, "indicators": ["expulsion"]})
    assert response.status_code == 302
    # Alone but confirmed (and explained in the situation), the request goes.
    path, data = request_form(c, world)
    response = c.post(path, data={**only_isolated, **_fresh(data), "isolated_confirmed": "y"})
    assert response.status_code == 302
    request_id = int(response.headers["Location"].rsplit("/", 1)[1])
    stored = load(app, world.cimac.mourao, request_id)
    assert stored.isolated_factors == ["poverty", "substance_use"] and stored.indicators == []


def _fresh(data: dict) -> dict:  # type: ignore[type-arg]
    return {"csrf_token": data["csrf_token"], "submission_key": data["submission_key"]}


def test_an_adult_needs_no_protective_body(app: Flask, as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        with tenant_scope(world.cimac.mourao):
            adult = council_case(
                world.cimac.mourao,
                "gestora@mourao.demo",
                "Luísa",
                "Adulta",
                birth_date=date(today().year - 34, 1, 1),
            )
            adult_world = World(world.cimac, adult.id, adult.number, adult.person_id)
        db.session.commit()
    c = as_user("gestora@mourao.demo")
    path, data = request_form(c, adult_world)
    refused = c.post(path, data={**data, "protective_body": "none"})
    assert "não admite a idade da pessoa (34 anos)" in refused.text  # adolescents, still
    response = c.post(
        path,
        data={
            **data,
            "public": "adults",
            "protective_body": "none",
            "constraints": ["no_contact_with_aggressor", "with_children"],
        },
    )
    assert response.status_code == 302


def test_the_request_page_shows_what_crossed_the_offers_and_the_log(
    app: Flask, as_user, world: World
) -> None:  # type: ignore[no-untyped-def]
    c = as_user("gestora@mourao.demo")
    request_id = create(c, world)
    request = load(app, world.cimac.mourao, request_id)
    with app.app_context():
        target = db.session.get(PlacementProfile, request.profile_id)
        assert target is not None
        near = unit(
            world.cimac.reguengos,
            world.cimac.operator,
            name="Casa do Monsaraz",
            places={"adolescents": 1},
            pools=(world.cimac.consortium,),
        )
        refused = offer(target, near)
        refused.status = AllocationStatus.REFUSED
        refused.refusal_reason = "Sem equipa para irmãos"
        db.session.flush()
        home = unit(
            world.cimac.mourao,
            world.cimac.operator,
            name="Lar de Mourão",
            places={"adolescents": 1},
            pools=(world.cimac.consortium,),
        )
        offer(
            target,
            home,
            explanation={
                "position": 1,
                "candidates": 3,
                "score": 130,
                "tier": "same_council",
                "rules": [
                    {"code": "same_council", "points": 100},
                    {"code": "own_quota", "points": 30},
                ],
            },
        )
        db.session.commit()
    html = c.get(f"/t/mourao/shelter/requests/{request_id}").text
    assert "Beatriz Calado Serrano" in html and world.case_number in html
    assert "O que a mesa de regulação vê" in html
    assert f"MOU {request.number}" in html and "15 anos" in html
    assert "Jovens dos 12 aos 17 anos" in html and "Irmãos a acolher juntos" in html
    assert "Casa do Monsaraz" in html and "Reguengos de Monsaraz" in html
    assert "recusada pela unidade: Sem equipa para irmãos" in html
    assert "Lar de Mourão" in html and "1.ª de 3" in html
    assert "mesmo concelho (+100)" in html and "quota do município (+30)" in html
    assert "Pedido entrou na fila" in html
    assert "Registar a admissão" not in html  # nothing accepted yet
    with app.app_context(), tenant_scope(world.cimac.mourao):
        read = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "shelter.request.read",
                AuditEvent.object_id == str(request_id),
            )
        ).all()
        assert [e.purpose for e in read] == ["Acompanhamento do pedido de vaga de acolhimento"]
    listing = c.get("/t/mourao/shelter/requests").text
    assert request.number in listing and "Beatriz Calado Serrano" in listing
    assert request.number not in c.get("/t/mourao/shelter/requests?status=cancelled").text
    of_case = c.get(f"/t/mourao/shelter/requests?case_id={world.case_id}").text
    assert request.number in of_case and "Decisões rápidas (plantão)" in of_case


def _statements(c: FlaskClient, path: str) -> int:
    response = c.get(path)
    assert response.status_code == 200
    return int(response.headers["X-SQL-Statements"])


def test_request_pages_do_not_grow_in_statements_with_offers_and_requests(
    app: Flask, as_user, world: World
) -> None:  # type: ignore[no-untyped-def]
    c = as_user("gestora@mourao.demo")
    request_id = create(c, world)
    page = f"/t/mourao/shelter/requests/{request_id}"
    one = (_statements(c, page), _statements(c, "/t/mourao/shelter/requests"))
    request = load(app, world.cimac.mourao, request_id)
    with app.app_context():
        target = db.session.get(PlacementProfile, request.profile_id)
        assert target is not None
        for n, host in enumerate((world.cimac.mourao, world.cimac.portel, world.cimac.reguengos)):
            built = unit(host, world.cimac.operator, name=f"U{n}", pools=(world.cimac.consortium,))
            refused = offer(target, built)
            refused.status = AllocationStatus.REFUSED
            db.session.flush()
        db.session.commit()
    for _n in range(3):
        create(c, world)
    many = (_statements(c, page), _statements(c, "/t/mourao/shelter/requests"))
    assert many == one


def test_cancelling_returns_the_held_place(app: Flask, as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    c = as_user("gestora@mourao.demo")
    request_id = create(c, world)
    request = load(app, world.cimac.mourao, request_id)
    with app.app_context():
        target = db.session.get(PlacementProfile, request.profile_id)
        assert target is not None
        built = unit(
            world.cimac.mourao,
            world.cimac.operator,
            name="Lar de Mourão",
            places={"adolescents": 1},
            pools=(world.cimac.consortium,),
        )
        held = offer(target, built)
        allocation_id, unit_id = held.id, built.id
        db.session.commit()
    show = f"/t/mourao/shelter/requests/{request_id}"
    token = csrf_token(c.get(show).text)
    response = c.post(f"{show}/cancel", data={"csrf_token": token, "reason": " "})
    assert response.status_code == 302
    assert "Indique o motivo do cancelamento." in c.get(show).text
    response = c.post(
        f"{show}/cancel", data={"csrf_token": token, "reason": "Família alargada acolheu hoje."}
    )
    assert response.status_code == 302
    html = c.get(show).text
    assert "Pedido cancelado; a vaga reservada, se havia, voltou ao conjunto." in html
    assert "Cancelar o pedido" not in html
    with app.app_context():
        allocation = db.session.get(Allocation, allocation_id)
        assert allocation is not None and allocation.status == AllocationStatus.WITHDRAWN
        assert allocation.profile.status == ProfileStatus.CANCELLED
        log = db.session.scalars(
            select(AllocationEvent.action).where(AllocationEvent.profile_id == request.profile_id)
        ).all()
        assert log == ["queued", "cancelled"]
        # The place is free again: another request can be offered it.
        built_unit = allocation.unit
        another = offer(profile(world.cimac.consortium, world.cimac.reguengos), built_unit)
        assert another.place_id == allocation.place_id
        staff = db.session.scalar(select(User.id).where(User.email == "acolhimento@mourao.demo"))
        told = db.session.scalars(
            select(Notification.link).where(Notification.user_id == staff)
        ).all()
        assert f"/t/mourao/shelter/units/{unit_id}/offers" in told
        with tenant_scope(world.cimac.mourao):
            cancelled = db.session.get(PlacementRequest, request_id)
            assert cancelled is not None and cancelled.status == RequestStatus.CANCELLED
            assert cancelled.status_reason == "Família alargada acolheu hoje."
    c.post(f"{show}/cancel", data={"csrf_token": token, "reason": "De novo"})
    assert "Este pedido já não está em fila." in c.get(show).text


def test_partners_other_roles_and_other_councils_reach_nothing(
    app: Flask, as_user, world: World
) -> None:  # type: ignore[no-untyped-def]
    request_id = create(as_user("gestora@mourao.demo"), world)
    gets = [
        "/t/{t}/shelter/requests",
        f"/t/{{t}}/shelter/requests/{request_id}",
        f"/t/{{t}}/shelter/requests/{request_id}/admit",
        f"/t/{{t}}/cases/{world.case_id}/shelter/request",
        f"/t/{{t}}/cases/{world.case_id}/shelter/quick",
    ]
    posts = [
        f"/t/{{t}}/shelter/requests/{request_id}/cancel",
        f"/t/{{t}}/shelter/requests/{request_id}/admit",
        f"/t/{{t}}/cases/{world.case_id}/shelter/request",
        f"/t/{{t}}/cases/{world.case_id}/shelter/quick",
    ]

    def expect(c: FlaskClient, tenant: str, status: int, paths: list[str], method: str) -> None:
        token = csrf_token(c.get(f"/t/{tenant}/").text)
        for path in paths:
            url = path.format(t=tenant)
            if method == "POST":
                response = c.post(url, data={"csrf_token": token, "reason": "x"})
            else:
                response = c.get(url)
            assert response.status_code == status, (url, method, response.status_code)

    for partner in ("ipss@mourao.demo", "acolhimento@mourao.demo"):
        c = as_user(partner)
        expect(c, "mourao", 404, gets, "GET")
        expect(c, "mourao", 404, posts, "POST")
    decision_maker = as_user("decisao@mourao.demo")
    expect(decision_maker, "mourao", 403, gets, "GET")
    expect(decision_maker, "mourao", 403, posts, "POST")
    # Another council's staff: their own council has no such request or case.
    portel = as_user("gestora@portel.demo")
    expect(portel, "portel", 404, gets[1:], "GET")
    expect(portel, "portel", 404, posts, "POST")
    assert f'/shelter/requests/{request_id}"' not in portel.get("/t/portel/shelter/requests").text
    assert portel.get(f"/t/mourao/shelter/requests/{request_id}").status_code == 404
    # Staff of both councils reach the request only in the council that made it.
    tecnica = as_user("tecnica@mourao.demo")
    expect(tecnica, "portel", 404, gets[1:], "GET")
    assert tecnica.get(f"/t/mourao/shelter/requests/{request_id}").status_code == 200
    assert load(app, world.cimac.mourao, request_id).status == RequestStatus.OPEN


def portel_profiles(app: Flask, portel: int) -> int:
    with app.app_context():
        return (
            db.session.scalar(
                select(func.count(PlacementProfile.id)).where(
                    PlacementProfile.requesting_tenant_id == portel
                )
            )
            or 0
        )


def test_a_council_outside_the_consortium_cannot_send_to_its_pool(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        cimac = Cimac.load()
        consortium = db.session.get(Consortium, cimac.consortium)
        assert consortium is not None
        consortium.members = [m for m in consortium.members if m.id != cimac.portel]
        with tenant_scope(cimac.portel):
            case = council_case(
                cimac.portel,
                "gestora@portel.demo",
                "Inês",
                "Fora do Consórcio",
                birth_date=_teen_birth_date(),
            )
            case_id, person_id = case.id, case.person_id
        db.session.commit()
    before = portel_profiles(app, cimac.portel)
    c = as_user("gestora@portel.demo")
    path = f"/t/portel/cases/{case_id}/shelter/request"
    html = c.get(path).text
    assert "não faz parte de nenhum consórcio com vagas partilhadas" in html
    response = c.post(
        path,
        data={
            "csrf_token": csrf_token(c.get("/t/portel/").text),
            "person": str(person_id),
            "consortium": str(cimac.consortium),
            "public": "adolescents",
            "indicators": ["imminent_risk"],
            "risk": "critical",
            "urgency": "immediate",
            "situation": SITUATION,
            "protective_body": "cpcj",
            "anchor": str(cimac.portel),
        },
    )
    assert response.status_code == 422
    assert "Escolha um consórcio de que o município faz parte." in response.text
    assert portel_profiles(app, cimac.portel) == before
