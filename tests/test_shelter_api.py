"""The shelter places API (``places:read``): the units a council hosts with their places by
state per public, for a session or a personal token; a unit's staff see only their units,
other councils nothing, and every answer is the one the OpenAPI document describes."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from teia.accounts.models import User
from teia.core.db import db
from teia.oauth.scopes import ROLE_SCOPES, Role
from teia.oauth.services import create_personal_token
from teia.shelter.models import AllocationStatus, ShelterUnit
from teia.tenants.models import Organization
from tests.shelter_factories import Cimac, offer, profile, unit
from tests.test_openapi import assert_documented

API = "/api/v1/t/mourao/shelter/units"


@dataclass(frozen=True)
class Units:
    ids: Cimac
    operated: int  # run by acolher-alentejo, whose staff acolhimento@ is
    council: int  # run by the council itself


@pytest.fixture
def data(app: Flask) -> Units:
    with app.app_context():
        ids = Cimac.load()
        operated = unit(
            ids.mourao,
            ids.operator,
            name="Casa do Alqueva",
            places={"adolescents": 3, "children_6_11": 1},
            pools=(ids.consortium,),
        )
        offer(profile(ids.consortium, ids.reguengos, reference="A"), operated)
        offer(
            profile(ids.consortium, ids.mourao, reference="B"),
            operated,
            status=AllocationStatus.ADMITTED,
        )
        operated.places[-1].blocked_reason = "Obras"  # the children's place
        own = unit(ids.mourao, _council_org(), name="Alojamento de Emergência de Mourão")
        unit(ids.portel, ids.operator, name="Casa de Portel")
        db.session.commit()
        return Units(ids, operated.id, own.id)


def _council_org() -> int:
    found = db.session.scalar(
        select(Organization.id).where(Organization.slug == "municipio-mourao")
    )
    assert found
    return found


def _hosted(app: Flask, tenant: int, operator: int | None = None) -> set[int]:
    """The ids of the units a council hosts (of one operator), the demo's included."""
    with app.app_context():
        query = select(ShelterUnit.id).where(ShelterUnit.host_tenant_id == tenant)
        if operator is not None:
            query = query.where(ShelterUnit.operator_id == operator)
        return set(db.session.scalars(query))


def _get(app: Flask, c: FlaskClient, path: str = API, **headers: str):  # type: ignore[no-untyped-def]
    response = c.get(path, headers=headers)
    assert_documented(app, response)
    return response


def _token(app: Flask, email: str, scopes: list[str]) -> str:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user
        roles = {Role(m.role) for m in user.memberships}
        allowed = {s.value for r in roles for s in ROLE_SCOPES[r]}
        _token_row, secret = create_personal_token(
            db.session, user, name="Vagas", scopes=scopes, days=30, allowed=allowed
        )
        db.session.commit()
        return secret


def test_council_staff_list_every_hosted_unit_with_places_by_state(  # type: ignore[no-untyped-def]
    app: Flask, as_user, data: Units
) -> None:
    answer = _get(app, as_user("gestora@mourao.demo"))
    assert answer.status_code == 200
    body = answer.get_json()
    hosted = _hosted(app, data.ids.mourao)
    assert {data.operated, data.council} < hosted
    assert (body["total"], body["page"], body["page_size"]) == (len(hosted), 1, 50)
    assert {u["id"] for u in body["units"]} == hosted
    by_name = {u["name"]: u for u in body["units"]}
    alqueva = by_name["Casa do Alqueva"]
    assert alqueva["operator"]["slug"] == "acolher-alentejo"
    assert alqueva["modality"] == "residential_care_children"
    assert alqueva["modality_label"].startswith("Casa de acolhimento residencial")
    assert alqueva["sex_rule"] == "any" and alqueva["active"] is True
    assert alqueva["places"] == [
        {
            "public": "adolescents",
            "label": "Jovens dos 12 aos 17 anos",
            "capacity": 3,
            "occupied": 1,
            "held": 1,
            "blocked": 0,
            "free": 1,
        },
        {
            "public": "children_6_11",
            "label": "Crianças dos 6 aos 11 anos",
            "capacity": 1,
            "occupied": 0,
            "held": 0,
            "blocked": 1,
            "free": 0,
        },
    ]
    assert _get(app, as_user("coordenacao@mourao.demo")).get_json()["total"] == len(hosted)


def test_a_units_staff_get_only_their_units(app: Flask, as_user, data: Units) -> None:  # type: ignore[no-untyped-def]
    body = _get(app, as_user("acolhimento@mourao.demo")).get_json()
    theirs = _hosted(app, data.ids.mourao, data.ids.operator)
    assert data.operated in theirs and data.council not in theirs
    assert {u["id"] for u in body["units"]} == theirs
    assert body["total"] == len(theirs)


def test_roles_without_places_and_other_councils_get_nothing(  # type: ignore[no-untyped-def]
    app: Flask, as_user, data: Units
) -> None:
    assert _get(app, as_user("decisao@mourao.demo")).status_code == 403
    assert _get(app, as_user("ipss@mourao.demo")).status_code == 403  # a partner, not staff
    assert _get(app, as_user("coordenacao@portel.demo")).status_code == 404
    portel = _get(app, as_user("coordenacao@portel.demo"), "/api/v1/t/portel/shelter/units")
    names = {u["name"] for u in portel.get_json()["units"]}
    assert "Casa de Portel" in names and "Casa do Alqueva" not in names
    assert _get(app, as_user("coordenacao@cimac.demo")).status_code == 404


def test_pages_and_bad_query_strings(app: Flask, as_user, data: Units) -> None:  # type: ignore[no-untyped-def]
    c = as_user("gestora@mourao.demo")
    second = _get(app, c, f"{API}?page=2").get_json()
    assert second["units"] == [] and second["total"] == len(_hosted(app, data.ids.mourao))
    refused = _get(app, c, f"{API}?page=0")
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["field"] == "page"
    assert _get(app, c, f"{API}?status=open").status_code == 422  # unknown keys refused


def test_a_personal_token_with_places_read(app: Flask, client: FlaskClient, data: Units) -> None:
    token = _token(app, "gestora@mourao.demo", ["places:read"])
    answer = _get(app, client, Authorization=f"Bearer {token}")
    assert answer.status_code == 200
    assert answer.get_json()["total"] == len(_hosted(app, data.ids.mourao))
    staff = _token(app, "acolhimento@mourao.demo", ["places:read"])
    mine = _get(app, client, Authorization=f"Bearer {staff}").get_json()
    assert {u["id"] for u in mine["units"]} == _hosted(app, data.ids.mourao, data.ids.operator)
    other = _token(app, "gestora@mourao.demo", ["cases:read"])
    refused = _get(app, client, Authorization=f"Bearer {other}")
    assert refused.status_code == 403
    assert refused.get_json()["error"] == "insufficient_scope"
