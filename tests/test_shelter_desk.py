"""The regulation desk through its pages: the queue in priority order with the reasons, a
request's ranked candidates and excluded units, offers, withdrawals and expiry with their log,
refusals with clear messages, and statements that do not grow with the pool."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from teia.accounts.models import Membership, Role, User
from teia.audit.models import AuditEvent
from teia.core.db import db, utcnow
from teia.core.tenancy import tenant_scope
from teia.notifications.models import Notification
from teia.shelter import allocation
from teia.shelter.models import (
    Allocation,
    AllocationEvent,
    AllocationStatus,
    PlacementProfile,
    PlacementRequest,
    ProfileStatus,
    Risk,
    SexRule,
    Urgency,
)
from teia.shelter.tasks import expire_offers
from tests import case_factories as cf
from tests import shelter_factories as sf
from tests.conftest import csrf_token

DESK = "coordenacao@cimac.demo"
QUEUE = "/c/cimac/shelter/queue"


def _request_path(profile_id: int) -> str:
    return f"/c/cimac/shelter/requests/{profile_id}"


def _page(c: FlaskClient, path: str) -> str:
    response = c.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.text


def _references(html: str) -> list[str]:
    return re.findall(r">(TST [^<]+)</a>", html)


def _user_id(email: str) -> int:
    found = db.session.scalar(select(User.id).where(User.email == email))
    assert found is not None
    return found


def _offer(c: FlaskClient, profile_id: int, unit_id: int | str, hours: int | str = 24):  # type: ignore[no-untyped-def]
    token = csrf_token(_page(c, _request_path(profile_id)))
    return c.post(
        f"{_request_path(profile_id)}/offer",
        data={"csrf_token": token, "offer-unit_id": unit_id, "offer-hold_hours": hours},
    )


# --- the queue ------------------------------------------------------------------------------


def test_queue_orders_by_risk_then_urgency_then_waiting_time(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        w = sf.Cimac.load()
        now = utcnow()
        specs = [
            ("TST 2026/0001", Risk.MODERATE, Urgency.IMMEDIATE, 30),
            ("TST 2026/0002", Risk.CRITICAL, Urgency.PLANNED, 1),
            ("TST 2026/0003", Risk.HIGH, Urgency.DAYS, 200),
            ("TST 2026/0004", Risk.CRITICAL, Urgency.IMMEDIATE, 5),
            ("TST 2026/0005", Risk.HIGH, Urgency.DAYS, 90),
            ("TST 2026/0006", Risk.CRITICAL, Urgency.IMMEDIATE, 50),
        ]
        for reference, risk, urgency, hours in specs:
            made = sf.profile(
                w.consortium, w.reguengos, risk=risk, urgency=urgency, reference=reference
            )
            made.requested_at = now - timedelta(hours=hours)
        sf.profile(
            w.consortium,
            w.portel,
            reference="TST 2026/0007",
            risk=Risk.MODERATE,
            urgency=Urgency.PLANNED,
            outside_territory=True,
            needs_accessibility=True,
        )
        closed = sf.profile(w.consortium, w.mourao, reference="TST 2026/0099")
        closed.status = ProfileStatus.PLACED
        db.session.commit()
    html = _page(as_user(DESK), QUEUE)
    assert _references(html) == [
        "TST 2026/0006",  # critical, immediate, 2 days
        "TST 2026/0004",  # critical, immediate, 5 hours
        "TST 2026/0002",  # critical, planned
        "TST 2026/0003",  # high, days, 8 days
        "TST 2026/0005",  # high, days, 3 days
        "TST 2026/0001",  # moderate, immediate
        "TST 2026/0007",  # moderate, planned
    ]
    assert "fora do território, por segurança; acessibilidade" in html
    assert "<td>Crítico · Imediata (hoje) · 2 dias</td>" in html
    assert "<td>Crítico · Imediata (hoje) · 5 horas</td>" in html
    assert "Reguengos de Monsaraz" in html and "15 anos" in html


def test_queue_filters_by_public_and_status_and_pages_by_50(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        w = sf.Cimac.load()
        for n in range(allocation.PAGE_SIZE + 3):
            sf.profile(w.consortium, w.portel, reference=f"TST 2026/{n + 1:04d}")
        child = sf.profile(
            w.consortium, w.portel, age=8, public="children_6_11", reference="TST 2026/0900"
        )
        offered = sf.profile(w.consortium, w.portel, reference="TST 2026/0901")
        offered.status = ProfileStatus.OFFERED
        db.session.commit()
        child_id = child.id
    c = as_user(DESK)
    assert _references(_page(c, f"{QUEUE}?public=children_6_11")) == ["TST 2026/0900"]
    assert _references(_page(c, f"{QUEUE}?status=offered")) == ["TST 2026/0901"]
    first = _page(c, f"{QUEUE}?public=adolescents")
    assert len(_references(first)) == allocation.PAGE_SIZE
    assert 'href="/c/cimac/shelter/queue?page=2&amp;public=adolescents"' in first
    second = _page(c, f"{QUEUE}?public=adolescents&page=2")
    refs = _references(second)
    assert len(refs) >= 4 and ">51.º<" in second
    assert f"/requests/{child_id}" not in second
    assert _references(_page(c, f"{QUEUE}?page=99999999999999999999")) == []
    assert "TST" not in _page(c, "/c/cimac/shelter/log?page=99999999999999999999")
    unknown = _page(c, f"{QUEUE}?public=nonsense&status=placed&page=-3")
    assert len(_references(unknown)) == allocation.PAGE_SIZE  # unknown filters are ignored


# --- the request page ----------------------------------------------------------------------


def test_request_page_explains_candidates_and_summarises_exclusions(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        w = sf.Cimac.load()
        pool = (w.consortium,)
        home = sf.unit(
            w.mourao, w.operator, name="Casa do Castelo", pools=pool, reserved_for=w.mourao
        )
        near = sf.unit(w.reguengos, w.operator, name="Casa do Lago", pools=pool)
        sf.unit(w.portel, w.operator, name="Casa Só Rapazes", pools=pool, sex_rule=SexRule.MALE)
        sf.unit(w.portel, w.operator, name="Casa Sem Rampa", pools=pool, sex_rule=SexRule.MALE)
        girl = sf.profile(w.consortium, w.mourao, reference="TST 2026/0042")
        db.session.commit()
        girl_id, home_id, near_id = girl.id, home.id, near.id
    c = as_user(DESK)
    html = _page(c, _request_path(girl_id))
    assert "1.º — mesmo concelho (+100), quota do município (+10) = 110" in html
    assert re.search(r"\d+\.º — concelho vizinho \(\+50\) = 50", html)
    assert html.index("Casa do Castelo") < html.index("Casa do Lago")
    assert "a regra de sexo da unidade não admite a pessoa: 2" in html
    assert "Casa Só Rapazes" in html and "Casa Sem Rampa" in html
    assert f'value="{home_id}"' in html and f'value="{near_id}"' in html
    assert re.search(r'name="offer-hold_hours"[^>]*value="24"', html)
    with app.app_context():
        purposes = db.session.scalars(
            select(AuditEvent.purpose).where(
                AuditEvent.action == "shelter.profile_viewed",
                AuditEvent.object_id == str(girl_id),
            )
        ).all()
        assert purposes == [str(allocation.DESK_PURPOSE)]


def test_immediate_urgency_holds_for_4_hours_by_default(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        w = sf.Cimac.load()
        sf.unit(w.mourao, w.operator, pools=(w.consortium,))
        urgent = sf.profile(w.consortium, w.mourao, urgency=Urgency.IMMEDIATE)
        db.session.commit()
        urgent_id = urgent.id
    html = _page(as_user(DESK), _request_path(urgent_id))
    assert re.search(r'name="offer-hold_hours"[^>]*value="4"', html)


# --- offer, withdraw, expire ----------------------------------------------------------------


def _placement_request(w: sf.Cimac, profile: PlacementProfile) -> int:
    """The requesting council's request behind a profile (Mourão), to be told of the offer."""
    with tenant_scope(w.mourao):
        world = cf.Mourao.load()
        case = cf.case_for(world, cf.person(world, "Joana", "Teste Abrigo"), "Risco")
        request = PlacementRequest(
            number="2099/0001",
            case_id=case.id,
            person_id=case.person_id,
            consortium_id=w.consortium,
            profile_id=profile.id,
            situation="Ameaçada.",
            risk=profile.risk,
            urgency=profile.urgency,
            protective_body="cpcj",
            requested_by_id=world.manager,
        )
        db.session.add(request)
        db.session.flush()
        return request.id


def test_offer_holds_a_place_logs_why_and_tells_the_unit_and_the_requester(
    app: Flask, as_user
) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        w = sf.Cimac.load()
        unit = sf.unit(w.mourao, w.operator, name="Casa do Castelo", pools=(w.consortium,))
        girl = sf.profile(w.consortium, w.mourao, reference="TST 2026/0042")
        request_id = _placement_request(w, girl)
        girl_id, unit_id = girl.id, unit.id
        staff, manager = _user_id("acolhimento@mourao.demo"), _user_id("gestora@mourao.demo")
        db.session.commit()
    c = as_user(DESK)
    response = _offer(c, girl_id, unit_id, 6)
    assert response.status_code == 302, response.text
    html = _page(c, _request_path(girl_id))
    assert "Vaga oferecida a Casa do Castelo" in html
    assert "Oferta em curso" in html and "Retirar a oferta" in html
    assert "Vaga oferecida</strong> · Coordenação" in html or "Vaga oferecida</strong>" in html
    with app.app_context():
        made = db.session.scalar(select(Allocation).where(Allocation.profile_id == girl_id))
        assert made is not None and made.status == AllocationStatus.OFFERED
        assert made.unit_id == unit_id
        assert (
            timedelta(hours=5, minutes=59) < made.expires_at - made.offered_at <= timedelta(hours=6)
        )
        assert made.explanation["position"] >= 1
        assert made.explanation["rules"][0] == {"code": "same_council", "points": 100}
        assert db.session.get(PlacementProfile, girl_id).status == ProfileStatus.OFFERED  # type: ignore[union-attr]
        event = db.session.scalar(
            select(AllocationEvent).where(
                AllocationEvent.profile_id == girl_id, AllocationEvent.action == "offered"
            )
        )
        assert event is not None and event.details == made.explanation
        assert event.actor_id == _user_id(DESK)
        told = {
            n.user_id: n.link
            for n in db.session.scalars(
                select(Notification).where(Notification.user_id.in_((staff, manager)))
            )
        }
        assert told[staff] == f"/t/mourao/shelter/units/{unit_id}/offers"
        assert told[manager] == f"/t/mourao/shelter/requests/{request_id}"
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(
                    AuditEvent.action == "shelter.offer_made",
                    AuditEvent.object_id == str(made.id),
                )
            )
            == 1
        )
    queue = _page(c, QUEUE)
    assert "Casa do Castelo" in queue and "Vaga oferecida" in queue


def test_refused_offers_say_why(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        w = sf.Cimac.load()
        pool = (w.consortium,)
        one = sf.unit(
            w.portel, w.operator, name="Casa Única", places={"adolescents": 1}, pools=pool
        )
        boys = sf.unit(w.portel, w.operator, name="Casa Rapazes", pools=pool, sex_rule=SexRule.MALE)
        elsewhere = sf.unit(w.portel, w.operator, name="Casa Noutro Conjunto")
        girl = sf.profile(w.consortium, w.mourao, reference="TST 2026/0042")
        other = sf.profile(w.consortium, w.reguengos, reference="TST 2026/0043")
        db.session.commit()
        ids = girl.id, other.id, one.id, boys.id, elsewhere.id
    girl_id, other_id, one_id, boys_id, elsewhere_id = ids
    c = as_user(DESK)

    response = _offer(c, girl_id, boys_id)
    assert response.status_code == 409
    assert (
        "Esta unidade não é candidata para este pedido: a regra de sexo da unidade" in response.text
    )
    response = _offer(c, girl_id, elsewhere_id)
    assert response.status_code == 409
    assert "não tem lugares no conjunto de vagas do consórcio" in response.text
    response = _offer(c, girl_id, "", 24)
    assert response.status_code == 422
    assert "Escolha a unidade a que oferece a vaga." in response.text
    response = _offer(c, girl_id, one_id, 73)
    assert response.status_code == 422
    assert "A reserva dura entre 1 e 72 horas." in response.text
    with app.app_context():
        assert db.session.get(PlacementProfile, girl_id).status == ProfileStatus.WAITING  # type: ignore[union-attr]
        assert (
            db.session.scalar(
                select(func.count()).select_from(Allocation).where(Allocation.unit_id == one_id)
            )
            == 0
        )

    assert _offer(c, girl_id, one_id).status_code == 302
    again = _offer(c, girl_id, one_id)  # the form is gone from the page; a stale post is refused
    assert again.status_code == 409
    assert "já não está em espera" in again.text
    taken = _offer(c, other_id, one_id)
    assert taken.status_code == 409
    assert "sem vaga livre" in taken.text
    with app.app_context():
        profile = db.session.get(PlacementProfile, other_id)
        assert profile is not None and profile.status == ProfileStatus.WAITING


def test_offer_service_refuses_when_the_last_place_went_meanwhile(app: Flask) -> None:
    with app.app_context():
        w = sf.Cimac.load()
        one = sf.unit(w.portel, w.operator, places={"adolescents": 1}, pools=(w.consortium,))
        first = sf.profile(w.consortium, w.mourao, reference="TST 2026/0001")
        second = sf.profile(w.consortium, w.mourao, reference="TST 2026/0002")
        actor = _user_id(DESK)
        taken = allocation.offer(db.session, first, one.id, actor_id=actor, hold_hours=4)
        # The ranking still shows the unit (read before the holder), but the place is held now.
        ranked, _ = allocation.load_ranking(db.session, second)
        assert ranked.candidate(one.id) is None
        assert allocation.free_places(db.session, second, one.id) == []
        try:
            allocation.offer(db.session, second, one.id, actor_id=actor, hold_hours=4)
        except allocation.ShelterError as exc:
            assert "sem vaga livre" in str(exc)
        else:
            raise AssertionError("a second offer of the last place was accepted")
        assert second.status == ProfileStatus.WAITING
        assert taken.status == AllocationStatus.OFFERED


def test_withdraw_returns_the_place_and_the_request_to_the_queue(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        w = sf.Cimac.load()
        unit = sf.unit(w.portel, w.operator, name="Casa Portel", pools=(w.consortium,))
        girl = sf.profile(w.consortium, w.mourao, reference="TST 2026/0042")
        db.session.commit()
        girl_id, unit_id = girl.id, unit.id
    c = as_user(DESK)
    assert _offer(c, girl_id, unit_id).status_code == 302
    with app.app_context():
        held = db.session.scalar(select(Allocation).where(Allocation.profile_id == girl_id))
        assert held is not None
        held_id = held.id
    path = f"/c/cimac/shelter/offers/{held_id}/withdraw"
    token = csrf_token(_page(c, _request_path(girl_id)))
    empty = c.post(path, data={"csrf_token": token, "withdraw-reason": "  "})
    assert empty.status_code == 422 and "Indique o motivo." in empty.text
    done = c.post(path, data={"csrf_token": token, "withdraw-reason": "A família alargada acolhe."})
    assert done.status_code == 302
    html = _page(c, _request_path(girl_id))
    assert "Oferta retirada" in html and "A família alargada acolhe." in html
    assert 'name="offer-unit_id"' in html  # waiting again: the offer form is back
    again = c.post(path, data={"csrf_token": token, "withdraw-reason": "Outra vez"})
    assert again.status_code == 409 and "Esta oferta já não está" in again.text
    with app.app_context():
        assert db.session.get(Allocation, held_id).status == AllocationStatus.WITHDRAWN  # type: ignore[union-attr]
        assert db.session.get(PlacementProfile, girl_id).status == ProfileStatus.WAITING  # type: ignore[union-attr]
        assert allocation.free_places(
            db.session, db.session.get(PlacementProfile, girl_id), unit_id
        )  # type: ignore[arg-type]
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "shelter.offer_withdrawn")
            )
            == 1
        )
    log = _page(c, "/c/cimac/shelter/log")
    assert (
        "Oferta retirada" in log and "A família alargada acolhe." in log and "TST 2026/0042" in log
    )


def test_unanswered_offers_expire_through_the_task(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        w = sf.Cimac.load()
        unit = sf.unit(w.portel, w.operator, name="Casa Portel", pools=(w.consortium,))
        late = sf.profile(w.consortium, w.mourao, reference="TST 2026/0042")
        fresh = sf.profile(w.consortium, w.mourao, reference="TST 2026/0043")
        actor = _user_id(DESK)
        old = allocation.offer(db.session, late, unit.id, actor_id=actor, hold_hours=4)
        kept = allocation.offer(db.session, fresh, unit.id, actor_id=actor, hold_hours=4)
        old.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        ids = old.id, kept.id, late.id
    old_id, kept_id, late_id = ids
    assert expire_offers.delay().get() == 1
    with app.app_context():
        assert db.session.get(Allocation, old_id).status == AllocationStatus.EXPIRED  # type: ignore[union-attr]
        assert db.session.get(Allocation, kept_id).status == AllocationStatus.OFFERED  # type: ignore[union-attr]
        assert db.session.get(PlacementProfile, late_id).status == ProfileStatus.WAITING  # type: ignore[union-attr]
    log = _page(as_user(DESK), "/c/cimac/shelter/log")
    assert "Oferta expirada sem resposta" in log and "Sistema" in log
    assert "1.º — resto do consórcio (+10) = 10" in log or "resto do consórcio (+10)" in log


# --- who may use the desk --------------------------------------------------------------------


def test_a_consortium_member_without_the_coordinator_role_gets_403(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        w = sf.Cimac.load()
        coordinator = db.session.scalar(
            select(Membership).where(
                Membership.consortium_id == w.consortium,
                Membership.role == Role.CONSORTIUM_COORDINATOR,
            )
        )
        assert coordinator is not None
        db.session.add(
            Membership(
                user_id=_user_id("gestora@portel.demo"),
                organization_id=coordinator.organization_id,
                consortium_id=w.consortium,
                role=Role.TECHNICIAN,
            )
        )
        girl = sf.profile(w.consortium, w.mourao)
        db.session.commit()
        girl_id = girl.id
    c = as_user("gestora@portel.demo")
    for path in (QUEUE, _request_path(girl_id), "/c/cimac/shelter/log"):
        assert c.get(path).status_code == 403, path


# --- statements do not grow with the pool ---------------------------------------------------


def _statements(c: FlaskClient, path: str) -> int:
    response = c.get(path)
    assert response.status_code == 200, path
    return int(response.headers["X-SQL-Statements"])


def _grow(w: sf.Cimac, n: int, watched: PlacementProfile | None) -> None:
    pool = (w.consortium,)
    councils = (w.mourao, w.reguengos, w.portel)
    actor = _user_id(DESK)
    for i in range(n):
        unit = sf.unit(
            councils[i % 3],
            w.operator,
            name=f"Unidade {n}-{i}",
            places={"adolescents": 2, "adults": 1},
            pools=pool,
            reserved_for=councils[(i + 1) % 3] if i % 4 == 0 else None,
            sex_rule=SexRule.MALE if i % 4 == 2 else SexRule.ANY,
        )
        other = sf.profile(w.consortium, councils[i % 3], reference=f"TST 2026/{n}{i:03d}")
        if i % 2:
            allocation.offer(db.session, other, unit.id, actor_id=actor, hold_hours=4)
    if watched is not None:  # more history on the watched request: an offer withdrawn
        unit = sf.unit(w.portel, w.operator, name=f"Casa {n}", pools=pool)
        made = allocation.offer(db.session, watched, unit.id, actor_id=actor, hold_hours=4)
        allocation.withdraw(db.session, made, actor_id=actor, reason="Teste")


def test_statements_do_not_grow_with_units_profiles_and_offers(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        w = sf.Cimac.load()
        watched = sf.profile(w.consortium, w.mourao, reference="TST 2026/0001")
        _grow(w, 2, watched)
        db.session.commit()
        watched_id = watched.id
    c = as_user(DESK)
    pages = [
        QUEUE,
        f"{QUEUE}?public=adolescents&status=waiting",
        _request_path(watched_id),
        f"{_request_path(watched_id)}?all=1",
        "/c/cimac/shelter/log",
    ]
    before = [_statements(c, p) for p in pages]
    with app.app_context():
        w = sf.Cimac.load()
        _grow(w, 12, db.session.get(PlacementProfile, watched_id))
        db.session.commit()
    after = [_statements(c, p) for p in pages]
    assert after == before
