"""Nothing of a consortium's pool reaches anyone outside it: every URL with a consortium in it
is 404 for a council member without a membership in that consortium and for the coordinator of
another consortium; profiles, offers and units of one consortium are 404 or absent in another's
desk."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyotp
import pytest
from flask import Flask
from sqlalchemy import select

from teia.accounts.mfa import enrol_with_secret
from teia.accounts.models import Membership, Role, User
from teia.core.db import db
from teia.core.security import hash_password
from teia.shelter import allocation
from teia.shelter.models import Allocation, AllocationStatus
from teia.tenants.models import Consortium, Organization
from tests import case_factories as cf
from tests import shelter_factories as sf
from tests.conftest import DEMO_PASSWORD, csrf_token

OTHER_COORDINATOR = "coordenacao@cim-teste.demo"


def consortium_routes(app: Flask, slug: str) -> list[tuple[str, str]]:
    """Every URL rule with a consortium in it, its parameters filled in, with each method."""
    routes = []
    for rule in app.url_map.iter_rules():
        if "consortium" not in rule.arguments:
            continue
        path = re.sub(
            r"<(?:\w+:)?(\w+)>",
            lambda m: slug if m.group(1) == "consortium" else "1",
            rule.rule,
        )
        routes.extend((method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"}))
    assert any("/shelter/queue" in path for _m, path in routes)
    return routes


@dataclass(frozen=True)
class Other:
    """A second consortium with a fourth council, and its coordinator."""

    consortium: int
    council: int


def _other_consortium() -> Other:
    council = cf.alandroal()
    consortium = Consortium(
        slug="cim-teste",
        name="CIM Teste",
        official_name="Comunidade Intermunicipal de Teste",
        country="PT",
        source_hash="test",
        members=[council],
    )
    organization = db.session.scalar(select(Organization).where(Organization.slug == "cimac"))
    assert organization is not None
    user = User(email=OTHER_COORDINATOR, name="Coordenação CIM Teste")
    user.password_hash = hash_password(DEMO_PASSWORD)
    db.session.add_all([council, consortium, user])
    db.session.flush()
    db.session.add(
        Membership(
            user_id=user.id,
            organization_id=organization.id,
            consortium_id=consortium.id,
            role=Role.CONSORTIUM_COORDINATOR,
        )
    )
    enrol_with_secret(db.session, user, pyotp.random_base32())  # coordinators sign in with TOTP
    db.session.flush()
    return Other(consortium.id, council.id)


@pytest.mark.parametrize("email", ["coordenacao@mourao.demo", OTHER_COORDINATOR])
def test_every_consortium_url_is_404_outside_the_consortium(
    app: Flask, as_user, email: str
) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        _other_consortium()
        db.session.commit()
    c = as_user(email)
    token = csrf_token(c.get("/account").text)
    for method, path in consortium_routes(app, "cimac"):
        kwargs = {"data": {"csrf_token": token}} if method == "POST" else {}
        if path.startswith("/api/") and method == "POST":
            kwargs = {"json": {}, "headers": {"X-CSRFToken": token}}
        response = c.open(path, method=method, **kwargs)
        assert response.status_code == 404, (email, method, path, response.status_code)


def test_the_same_urls_answer_the_consortiums_own_coordinator(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("coordenacao@cimac.demo")
    for path in ("/c/cimac/shelter/queue", "/c/cimac/shelter/log"):
        assert c.get(path).status_code == 200, path


def test_another_consortiums_profiles_offers_and_units_are_out_of_reach(
    app: Flask, as_user
) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        other = _other_consortium()
        w = sf.Cimac.load()
        cimac_unit = sf.unit(w.mourao, w.operator, name="Casa CIMAC", pools=(w.consortium,))
        cimac_girl = sf.profile(w.consortium, w.mourao, reference="CIMAC 2026/0001")
        coordinator = db.session.scalar(
            select(User.id).where(User.email == "coordenacao@cimac.demo")
        )
        assert coordinator is not None
        held = allocation.offer(
            db.session, cimac_girl, cimac_unit.id, actor_id=coordinator, hold_hours=4
        )
        other_girl = sf.profile(other.consortium, other.council, reference="TESTE 2026/0001")
        waiting = sf.profile(w.consortium, w.portel, reference="CIMAC 2026/0002")
        db.session.commit()
        ids = cimac_girl.id, held.id, other_girl.id, cimac_unit.id, waiting.id
        # the other consortium's ranking never sees CIMAC's pool
        ranked, _ = allocation.load_ranking(db.session, other_girl)
        assert all(c.supply.unit_id != cimac_unit.id for c in ranked.candidates)
        assert all(e.supply.unit_id != cimac_unit.id for e in ranked.excluded)
    cimac_profile, cimac_offer, other_profile, cimac_unit_id, waiting_id = ids

    c = as_user(OTHER_COORDINATOR)
    queue = c.get("/c/cim-teste/shelter/queue")
    assert queue.status_code == 200
    assert "TESTE 2026/0001" in queue.text and "CIMAC 2026" not in queue.text
    assert "CIMAC 2026" not in c.get("/c/cim-teste/shelter/log").text
    token = csrf_token(c.get(f"/c/cim-teste/shelter/requests/{other_profile}").text)
    assert c.get(f"/c/cim-teste/shelter/requests/{cimac_profile}").status_code == 404
    offered = c.post(
        f"/c/cim-teste/shelter/requests/{waiting_id}/offer",
        data={"csrf_token": token, "offer-unit_id": cimac_unit_id, "offer-hold_hours": 4},
    )
    assert offered.status_code == 404
    withdrawn = c.post(
        f"/c/cim-teste/shelter/offers/{cimac_offer}/withdraw",
        data={"csrf_token": token, "withdraw-reason": "Não é nosso"},
    )
    assert withdrawn.status_code == 404
    # offering a CIMAC unit to its own request: not in its pool, refused with the reason
    refused = c.post(
        f"/c/cim-teste/shelter/requests/{other_profile}/offer",
        data={"csrf_token": token, "offer-unit_id": cimac_unit_id, "offer-hold_hours": 4},
    )
    assert refused.status_code == 409
    assert "não tem lugares no conjunto de vagas do consórcio" in refused.text

    cimac = as_user("coordenacao@cimac.demo")
    assert cimac.get(f"/c/cimac/shelter/requests/{other_profile}").status_code == 404
    with app.app_context():
        kept = db.session.get(Allocation, cimac_offer)
        assert kept is not None and kept.status == AllocationStatus.OFFERED
