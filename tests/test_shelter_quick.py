"""The on-call quick decision: the seed's eight questions as one guided form, ending in a
recorded decision not to shelter (with the protection chosen instead) or in a prefilled
placement request that links back to the decision."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from teia.audit.models import AuditEvent
from teia.core.db import db
from teia.core.tenancy import tenant_scope
from teia.shelter.labels import QUICK_QUESTIONS
from teia.shelter.models import PlacementProfile, PlacementRequest, ShelterDecision
from tests.conftest import csrf_token
from tests.test_shelter_requests import SITUATION, World, make_world, request_form


@pytest.fixture
def world(app: Flask) -> World:
    return make_world(app)


def quick_form(c: FlaskClient, world: World) -> tuple[str, dict]:  # type: ignore[type-arg]
    """The quick page and the answers that lead to a placement of the world's girl."""
    path = f"/t/mourao/cases/{world.case_id}/shelter/quick"
    response = c.get(path)
    assert response.status_code == 200
    return path, {
        "csrf_token": csrf_token(response.text),
        "person": str(world.person_id),
        "serious_risk": "yes",
        "protect_at_home": "no",
        "safe_network": "no",
        "protective_body": "cpcj",
        "protective_body_called": "y",
        "modality": "emergency_care_children",
        "reception": "y",
        "plan_started": "y",
        "exit_planned": "y",
        "reason": "",
    }


def decisions(app: Flask, world: World) -> list[ShelterDecision]:
    with app.app_context(), tenant_scope(world.cimac.mourao):
        rows = list(
            db.session.scalars(
                select(ShelterDecision)
                .where(ShelterDecision.case_id == world.case_id)
                .order_by(ShelterDecision.id)
            )
        )
        for row in rows:
            db.session.expunge(row)
        return rows


def requests_of(app: Flask, world: World) -> list[PlacementRequest]:
    with app.app_context(), tenant_scope(world.cimac.mourao):
        rows = list(
            db.session.scalars(
                select(PlacementRequest).where(PlacementRequest.case_id == world.case_id)
            )
        )
        for row in rows:
            db.session.expunge(row)
        return rows


@pytest.mark.parametrize(
    "answers",
    [
        {"serious_risk": "no"},
        {"protect_at_home": "yes"},
        {"safe_network": "yes"},
    ],
)
def test_no_serious_risk_or_an_alternative_records_a_decision_not_to_shelter(
    app: Flask, as_user, world: World, answers: dict
) -> None:  # type: ignore[no-untyped-def,type-arg]
    c = as_user("tecnica@mourao.demo")
    path, data = quick_form(c, world)
    html = c.get(path).text
    for question in QUICK_QUESTIONS.values():
        assert str(question) in html
    # The reason (the protection chosen instead) is required; nothing else of the path is.
    unprotected = {**data, **answers, "modality": "", "reception": "", "protective_body": "none"}
    response = c.post(path, data=unprotected)
    assert response.status_code == 422
    assert "Registe o motivo de não acolher e a proteção escolhida em alternativa" in response.text
    assert 'id="reason-error"' in response.text
    assert decisions(app, world) == []
    reason = "Fica com a tia materna em Granja; visita domiciliária amanhã com a CPCJ."
    response = c.post(path, data={**unprotected, "reason": reason})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/t/mourao/shelter/requests?case_id={world.case_id}"
    [decision] = decisions(app, world)
    assert decision.outcome == "no_shelter" and decision.reason == reason
    assert decision.request_id is None and decision.person_id == world.person_id
    for key, value in answers.items():
        assert decision.answers[key] is (value == "yes")
    assert requests_of(app, world) == []
    with app.app_context(), tenant_scope(world.cimac.mourao):
        assert (
            db.session.scalar(
                select(func.count(AuditEvent.id)).where(
                    AuditEvent.action == "shelter.quick_decision",
                    AuditEvent.object_id == str(decision.id),
                )
            )
            == 1
        )
    listing = c.get(response.headers["Location"]).text
    assert "Não acolher: proteção alternativa" in listing and reason in listing


def test_every_question_must_be_answered(as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    c = as_user("gestora@mourao.demo")
    path, data = quick_form(c, world)
    for question in ("serious_risk", "protect_at_home", "safe_network"):
        response = c.post(path, data={k: v for k, v in data.items() if k != question})
        assert response.status_code == 422
        assert "Responda a esta pergunta." in response.text
        assert f'id="{question}-error"' in response.text


REFUSALS = [
    (
        {"protective_body": "none"},
        "protective_body_called",
        "Criança ou jovem: acione a CPCJ / o Conselho Tutelar, indique o órgão e confirme que a "
        "medida de proteção está formalizada.",
    ),
    ({"protective_body_called": ""}, "protective_body_called", "Criança ou jovem: acione"),
    ({"protective_body": "aunt"}, "protective_body", "Escolha o órgão de proteção envolvido."),
    ({"modality": ""}, "modality", "Escolha a modalidade de acolhimento adequada ao perfil."),
    ({"modality": "casa_lar"}, "modality", "Escolha a modalidade"),  # Brazil's, not Portugal's
    ({"reception": ""}, "reception", "Confirme este passo"),
    ({"plan_started": ""}, "plan_started", "Confirme este passo"),
    ({"exit_planned": ""}, "exit_planned", "Confirme este passo"),
    ({"person": "999999"}, "person", "Escolha uma pessoa do agregado deste processo."),
]


@pytest.mark.parametrize(("changes", "field", "message"), REFUSALS)
def test_the_path_to_shelter_requires_each_step(
    app: Flask, as_user, world: World, changes: dict, field: str, message: str
) -> None:  # type: ignore[no-untyped-def,type-arg]
    c = as_user("gestora@mourao.demo")
    path, data = quick_form(c, world)
    response = c.post(path, data={**data, **changes})
    assert response.status_code == 422
    assert message in response.text
    assert f'id="{field}-error"' in response.text
    assert decisions(app, world) == []


def test_serious_risk_without_alternative_continues_to_a_prefilled_request(
    app: Flask, as_user, world: World
) -> None:  # type: ignore[no-untyped-def]
    c = as_user("gestora@mourao.demo")
    path, data = quick_form(c, world)
    response = c.post(path, data=data)
    assert response.status_code == 302
    [decision] = decisions(app, world)
    assert decision.outcome == "request" and decision.request_id is None
    assert decision.answers["minor"] is True and decision.answers["modality"] == (
        "emergency_care_children"
    )
    location = response.headers["Location"]
    assert location == (
        f"/t/mourao/cases/{world.case_id}/shelter/request?decision_id={decision.id}"
    )
    html = c.get(location).text
    assert '<option selected value="critical">' in html
    assert '<option selected value="immediate">' in html
    assert '<option selected value="cpcj">' in html
    assert re.search(
        r'<input checked id="modalities-\d+"[^>]*value="emergency_care_children"', html
    )
    assert f'id="decision_id" name="decision_id" type="hidden" value="{decision.id}"' in html

    _path, blank = request_form(c, world)
    key = re.search(
        r'id="submission_key" name="submission_key" type="hidden" value="([^"]+)"', html
    )
    assert key
    filled = {
        **blank,
        "submission_key": key[1],
        "decision_id": str(decision.id),
        "risk": "critical",
        "urgency": "immediate",
        "modalities": ["emergency_care_children"],
        "indicators": ["imminent_risk"],
        "situation": SITUATION,
    }
    response = c.post(location, data=filled)
    assert response.status_code == 302, response.text
    [request] = requests_of(app, world)
    [decision] = decisions(app, world)
    assert decision.request_id == request.id
    with app.app_context():
        crossed = db.session.get(PlacementProfile, request.profile_id)
        assert crossed is not None
        assert (crossed.risk, crossed.urgency) == ("critical", "immediate")
        assert crossed.modalities == ["emergency_care_children"]
    # The decision is spent: it cannot be attached to a second request.
    _path, again = request_form(c, world)
    response = c.post(_path, data={**filled, "submission_key": again["submission_key"]})
    assert response.status_code == 422
    assert "A decisão rápida indicada não pertence a este pedido." in response.text
    listing = c.get(f"/t/mourao/shelter/requests?case_id={world.case_id}").text
    assert f'href="/t/mourao/shelter/requests/{request.id}">ver pedido' in listing


def test_a_decision_of_another_case_cannot_be_attached(app: Flask, as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    c = as_user("gestora@mourao.demo")
    path, data = quick_form(c, world)
    assert c.post(path, data=data).status_code == 302
    [decision] = decisions(app, world)
    other = make_world(app)
    path, form = request_form(c, other)
    response = c.post(path, data={**form, "decision_id": str(decision.id)})
    assert response.status_code == 422
    assert "A decisão rápida indicada não pertence a este pedido." in response.text
    assert requests_of(app, other) == []
    # Nor does the other case's request page prefill from it.
    html = c.get(f"{path}?decision_id={decision.id}").text
    assert 'id="decision_id" name="decision_id" type="hidden" value=""' in html


def test_an_adult_needs_no_protective_body_on_the_quick_path(
    app: Flask, as_user, world: World
) -> None:  # type: ignore[no-untyped-def]
    adult = make_world(app, age=40)
    c = as_user("gestora@mourao.demo")
    path, data = quick_form(c, adult)
    response = c.post(
        path,
        data={
            **data,
            "protective_body": "none",
            "protective_body_called": "",
            "modality": "emergency_lodging",
        },
    )
    assert response.status_code == 302
    [decision] = decisions(app, adult)
    assert decision.answers["minor"] is False


def test_partners_cannot_decide(app: Flask, as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    for email in ("ipss@mourao.demo", "acolhimento@mourao.demo"):
        c = as_user(email)
        path = f"/t/mourao/cases/{world.case_id}/shelter/quick"
        assert c.get(path).status_code == 404
        token = csrf_token(c.get("/t/mourao/").text)
        assert c.post(path, data={"csrf_token": token, "serious_risk": "no"}).status_code == 404
    portel = as_user("gestora@portel.demo")
    assert portel.get(f"/t/portel/cases/{world.case_id}/shelter/quick").status_code == 404
    assert decisions(app, world) == []
