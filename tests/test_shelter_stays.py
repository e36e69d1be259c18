"""The stay page of the requesting council: the PIA/PIF and its goals, reviews, contacts and
blockers edited through the page (bad input refused beside the field), the stays list with
time in care per unit and re-admissions, the board of prolonged stays, who reaches them
(nobody outside the council's staff), and statements that do not grow with the data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from teia.accounts.models import User
from teia.audit.models import AuditEvent
from teia.core.clock import today
from teia.core.db import db
from teia.core.tenancy import tenant_scope
from teia.shelter import stays
from teia.shelter.models import (
    CarePlan,
    CarePlanGoal,
    ShelterUnit,
    Stay,
    StayBlocker,
    StayContact,
    StayStatus,
)
from tests import shelter_factories as sf
from tests.conftest import csrf_token

LISBON = "Europe/Lisbon"


@dataclass(frozen=True)
class World:
    cimac: sf.Cimac
    unit: int  # Casa do Monte, hosted by Reguengos
    stay: int  # Mourão's stay there, admitted 40 days ago
    referent: int  # tecnica@mourao.demo


def _user(email: str) -> int:
    found = db.session.scalar(select(User.id).where(User.email == email))
    assert found is not None
    return found


def _world(app: Flask, admitted_days_ago: int = 40) -> World:
    with app.app_context():
        w = sf.Cimac.load()
        unit = sf.unit(
            w.reguengos,
            w.operator,
            name="Casa do Monte",
            places={"adolescents": 12},
            pools=(w.consortium,),
        )
        referent = _user("tecnica@mourao.demo")
        with tenant_scope(w.mourao):
            stay = sf.admitted_stay(
                w,
                unit,
                referent=referent,
                admitted_on=today(LISBON) - timedelta(days=admitted_days_ago),
            )
            db.session.flush()
        db.session.commit()
        return World(w, unit.id, stay.id, referent)


def _page(c: FlaskClient, path: str) -> str:
    response = c.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.text


def _post(c: FlaskClient, path: str, prefix: str, **fields: str):  # type: ignore[no-untyped-def]
    token = csrf_token(_page(c, "/t/mourao/shelter/stays"))
    data = {f"{prefix}-{k}": v for k, v in fields.items()}
    data[f"{prefix}-csrf_token"] = token
    return c.post(path, data=data)


def _stay(world: World) -> Stay:
    stay = stays.load_stay(db.session, world.stay)
    assert stay is not None
    return stay


def _days_ago(n: int) -> str:
    return (today(LISBON) - timedelta(days=n)).isoformat()


def test_the_stay_page_shows_the_stay_and_records_the_read(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    world = _world(app)
    html = _page(as_user("gestora@mourao.demo"), f"/t/mourao/shelter/stays/{world.stay}")
    assert "Casa do Monte" in html and "Reguengos de Monsaraz" in html
    assert "40 dias em acolhimento" in html
    assert "duração prevista da modalidade: 365 dias" in html
    assert "Joana Técnica" in html  # the technical referent
    assert "Casa de acolhimento residencial" in html  # the modality's label
    with app.app_context(), tenant_scope(world.cimac.mourao):
        stay = _stay(world)
        assert f"/t/mourao/cases/{stay.case_id}" in html
        assert f"/t/mourao/shelter/requests/{stay.request_id}" in html
        assert stay.person.full_name in html
        # A stay 40 days in with an empty plan and no family contact: three signs.
        for sign in ("Plano sem objetivo principal", "Reavaliação do plano por fazer"):
            assert sign in html
        assert "Sem contacto familiar" in html
        read = db.session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "shelter.stay.read", AuditEvent.object_id == str(world.stay)
            )
        )
        assert read is not None and read.object_type == "stay" and read.purpose


def test_editing_the_plan(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    world = _world(app)
    c = as_user("tecnica@mourao.demo")
    path = f"/t/mourao/shelter/stays/{world.stay}/plan"
    next_review = (today(LISBON) + timedelta(days=60)).isoformat()
    good = {
        "kind": "pif",
        "diagnosis": "Riscos: negligência grave. Rede: avó materna em Reguengos.",
        "main_goal": "extended_family",
        "main_goal_detail": "Integração junto da avó materna.",
        "contact_plan": "Visitas supervisionadas da avó ao sábado.",
        "review_criteria": "Frequência escolar; visitas cumpridas.",
        "review_every_days": "60",
        "next_review_on": next_review,
    }
    refused = _post(c, path, "plan", **{**good, "review_every_days": "3"})
    assert refused.status_code == 422
    assert "Entre 7 e 365 dias." in refused.text
    before = _post(c, path, "plan", **{**good, "next_review_on": _days_ago(50)})
    assert before.status_code == 422
    assert "A reavaliação não pode ser anterior à admissão." in before.text
    other = _post(c, path, "plan", **{**good, "main_goal": "other", "main_goal_detail": ""})
    assert "Descreva a saída protetiva pretendida." in other.text
    saved = _post(c, path, "plan", **good)
    assert saved.status_code == 302 and saved.headers["Location"].endswith("#plano")
    with app.app_context(), tenant_scope(world.cimac.mourao):
        plan = db.session.scalar(select(CarePlan).where(CarePlan.stay_id == world.stay))
        assert plan is not None
        assert (plan.kind, plan.main_goal, plan.review_every_days) == ("pif", "extended_family", 60)
        assert plan.next_review_on.isoformat() == next_review
        assert plan.updated_by_id == world.referent
    html = _page(c, f"/t/mourao/shelter/stays/{world.stay}")
    assert "Integração na família alargada" in html and "avó materna em Reguengos" in html


def test_goals_are_added_with_a_responsible_and_marked_done(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    world = _world(app)
    c = as_user("gestora@mourao.demo")
    path = f"/t/mourao/shelter/stays/{world.stay}/goals"
    goal = {
        "term": "short",
        "description": "Retomar a frequência escolar",
        "responsible": "school",
        "responsible_detail": "Agrupamento de Escolas de Reguengos",
        "due_on": (today(LISBON) + timedelta(days=30)).isoformat(),
    }
    missing = _post(c, path, "goal", **{**goal, "description": ""})
    assert missing.status_code == 422 and "Preencha este campo." in missing.text
    vague = _post(c, path, "goal", **{**goal, "responsible": "other", "responsible_detail": ""})
    assert vague.status_code == 422 and "Indique quem é o responsável." in vague.text
    early = _post(c, path, "goal", **{**goal, "due_on": _days_ago(41)})
    assert "O prazo não pode ser anterior à admissão." in early.text
    assert _post(c, path, "goal", **goal).status_code == 302
    assert _post(c, path, "goal", **{**goal, "term": "medium", "due_on": ""}).status_code == 302
    with app.app_context(), tenant_scope(world.cimac.mourao):
        plan_id = _stay(world).plan.id  # type: ignore[union-attr]
        goals = db.session.scalars(
            select(CarePlanGoal).where(CarePlanGoal.plan_id == plan_id).order_by(CarePlanGoal.id)
        ).all()
        assert [(g.term, g.due_on is None, g.status) for g in goals] == [
            ("short", False, "open"),
            ("medium", True, "open"),
        ]
        first, second = goals[0].id, goals[1].id
    html = _page(c, f"/t/mourao/shelter/stays/{world.stay}")
    assert "Agrupamento de Escolas de Reguengos" in html and "sem prazo" in html
    done = _post(
        c,
        f"/t/mourao/shelter/stays/{world.stay}/goals/{first}",
        f"goal-{first}",
        status="done",
        due_on=goal["due_on"],
    )
    assert done.status_code == 302
    dated = _post(
        c,
        f"/t/mourao/shelter/stays/{world.stay}/goals/{second}",
        f"goal-{second}",
        status="open",
        due_on=(today(LISBON) + timedelta(days=120)).isoformat(),
    )
    assert dated.status_code == 302
    with app.app_context(), tenant_scope(world.cimac.mourao):
        g1, g2 = (db.session.get(CarePlanGoal, i) for i in (first, second))
        assert g1 is not None and g2 is not None
        assert (g1.status, g1.done_on) == ("done", today(LISBON))
        assert g2.due_on == today(LISBON) + timedelta(days=120)
    # A goal of another stay is not reached through this one.
    assert (
        _post(
            c, f"/t/mourao/shelter/stays/{world.stay}/goals/999999", "goal-999999", status="done"
        ).status_code
        == 404
    )


def test_a_review_moves_the_next_one(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    world = _world(app)
    c = as_user("tecnica@mourao.demo")
    path = f"/t/mourao/shelter/stays/{world.stay}/reviews"
    review = {"reviewed_on": _days_ago(2), "progress": "advance", "summary": "Matrícula feita."}
    future = _post(c, path, "review", **{**review, "reviewed_on": _days_ago(-3)})
    assert future.status_code == 422 and "A data não pode ser futura." in future.text
    assert _post(c, path, "review", **{**review, "summary": ""}).status_code == 422
    saved = _post(c, path, "review", **review, plan_changed="y")
    assert saved.status_code == 302
    with app.app_context(), tenant_scope(world.cimac.mourao):
        plan = _stay(world).plan
        assert plan is not None
        assert plan.next_review_on == today(LISBON) - timedelta(days=2) + timedelta(days=90)
        [r] = plan.reviews
        assert (r.progress, r.plan_changed, r.reviewer_id) == ("advance", True, world.referent)
    older = _post(c, path, "review", **{**review, "reviewed_on": _days_ago(5)})
    assert older.status_code == 422 and "registe as seguintes por ordem" in older.text


def test_the_contacts_log(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    world = _world(app)
    c = as_user("gestora@mourao.demo")
    path = f"/t/mourao/shelter/stays/{world.stay}/contacts"
    reason = _post(c, path, "contact", occurred_on=_days_ago(1), kind="no_visit_reason")
    assert reason.status_code == 422
    assert "Escreva a justificação técnica para não haver visitas." in reason.text
    early = _post(c, path, "contact", occurred_on=_days_ago(41), kind="family_call")
    assert early.status_code == 422 and "anterior à admissão" in early.text
    visit = _post(
        c,
        path,
        "contact",
        occurred_on=_days_ago(3),
        kind="family_visit",
        with_whom="Avó materna",
        supervised="y",
        notes="Visita tranquila.",
    )
    assert visit.status_code == 302
    html = _page(c, f"/t/mourao/shelter/stays/{world.stay}")
    assert "Avó materna" in html and "supervisionado" in html
    assert "Sem contacto familiar" not in html  # the visit clears the sign
    with app.app_context(), tenant_scope(world.cimac.mourao):
        [contact] = db.session.scalars(
            select(StayContact).where(StayContact.stay_id == world.stay)
        ).all()
        assert (contact.kind, contact.supervised) == ("family_visit", True)


def test_blockers_with_an_owner_and_their_resolution(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    world = _world(app)
    c = as_user("gestora@mourao.demo")
    path = f"/t/mourao/shelter/stays/{world.stay}/blockers"
    blocker = {
        "kind": "court_decision",
        "description": "Decisão sobre a guarda",
        "owner": "Tribunal de Évora",
        "owner_user_id": str(world.referent),
        "due_on": (today(LISBON) + timedelta(days=20)).isoformat(),
    }
    with app.app_context():
        stranger = _user("gestora@portel.demo")
    foreign = _post(c, path, "blocker", **{**blocker, "owner_user_id": str(stranger)})
    assert foreign.status_code == 422  # not a choice: Portel's staff is not Mourão's
    assert _post(c, path, "blocker", **{**blocker, "owner": ""}).status_code == 422
    assert _post(c, path, "blocker", **blocker).status_code == 302
    with app.app_context(), tenant_scope(world.cimac.mourao):
        [row] = db.session.scalars(
            select(StayBlocker).where(StayBlocker.stay_id == world.stay)
        ).all()
        assert (row.kind, row.owner, row.owner_user_id) == (
            "court_decision",
            "Tribunal de Évora",
            world.referent,
        )
    resolve = f"/t/mourao/shelter/stays/{world.stay}/blockers/{row.id}/resolve"
    assert _post(c, resolve, f"blocker-{row.id}", resolved_on=_days_ago(0)).status_code == 302
    again = _post(c, resolve, f"blocker-{row.id}", resolved_on=_days_ago(0))
    assert again.status_code == 409 and "já está resolvida" in again.text
    with app.app_context(), tenant_scope(world.cimac.mourao):
        assert db.session.get(StayBlocker, row.id).resolved_on == today(LISBON)  # type: ignore[union-attr]


def test_the_list_with_time_in_care_per_unit_and_readmissions(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    world = _world(app)
    day = today(LISBON)
    with app.app_context():
        w = world.cimac
        other = sf.unit(w.mourao, w.operator, name="Casa da Planície", places={"children": 4})
        unit = db.session.get(ShelterUnit, world.unit)
        assert unit is not None
        with tenant_scope(w.mourao):
            active_before = stays.stay_list(db.session, stays.StayFilters(), day)[1]
            ended_before = stays.stay_list(db.session, stays.StayFilters(ended=True), day)[1]
            # In Casa do Monte: the world's stay (40 days), one ended after 100 days and a
            # re-admission of it 30 days after it ended (10 days in care): median 40, mean 50.
            ended = sf.admitted_stay(
                w, unit, referent=world.referent, admitted_on=day - timedelta(days=140)
            )
            ended.status, ended.ended_on = StayStatus.DISCHARGED, day - timedelta(days=40)
            sf.admitted_stay(
                w, unit, referent=world.referent, admitted_on=day - timedelta(10), previous=ended
            )
            plain = sf.admitted_stay(
                w, other, referent=world.referent, admitted_on=day - timedelta(7)
            )
            db.session.flush()
            times = {t.unit_id: t for t in stays.time_in_care_by_unit(db.session, day)}
            monte, plain_unit = times[unit.id], times[other.id]
            assert (monte.name, monte.stays, monte.active) == ("Casa do Monte", 3, 2)
            assert (monte.average_days, monte.median_days, monte.longest_days) == (50.0, 40.0, 100)
            assert (plain_unit.stays, plain_unit.median_days) == (1, 7.0)
            plain_link = f'/t/mourao/shelter/stays/{plain.id}"'
        db.session.commit()
    c = as_user("gestora@mourao.demo")
    html = _page(c, "/t/mourao/shelter/stays")
    assert f"{active_before + 2} acolhimentos" in html  # the active ones
    assert plain_link in html
    assert "reacolhimento em menos de 12 meses" in html
    assert "Tempo de acolhimento por unidade" in html
    assert "Plano sem objetivo principal" in html  # the world's stay, 40 days in
    ended_html = _page(c, "/t/mourao/shelter/stays?status=ended")
    assert f"{ended_before + 1} acolhimento" in ended_html
    only = _page(c, f"/t/mourao/shelter/stays?unit={world.unit}")
    assert "2 acolhimentos" in only and plain_link not in only
    assert only.count("reacolhimento em menos de 12 meses") == 1


def test_the_board_orders_prolonged_stays_with_their_blockers(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    world = _world(app)
    day = today(LISBON)
    with app.app_context():
        w = world.cimac
        unit = db.session.get(ShelterUnit, world.unit)
        elsewhere = sf.unit(w.portel, w.operator, name="Casa do Alqueva", pools=(w.consortium,))
        assert unit is not None
        with tenant_scope(w.mourao):
            before = stays.board(db.session, stays.BoardFilters(), day)[1]  # the demo's

            def stay(where: ShelterUnit, days: int, expected: int | None) -> Stay:
                return sf.admitted_stay(
                    w,
                    where,
                    referent=world.referent,
                    admitted_on=day - timedelta(days=days),
                    expected_days=expected,
                )

            ten_over = stay(unit, 70, 60)  # 10 days over
            fifty_over = stay(elsewhere, 110, 60)  # 50 days over
            stay(unit, 400, None)  # a permanent answer (no expected duration): never prolonged
            stay(unit, 59, 60)  # the day before its end: not yet
            today_over = stay(unit, 60, 60)  # reaches its expected end today: 0 days over
            db.session.add_all(
                [
                    StayBlocker(
                        stay_id=fifty_over.id,
                        kind="documents",
                        description="Cartão de cidadão",
                        owner="Registo Civil",
                        owner_user_id=world.referent,
                        due_on=day - timedelta(days=3),
                    ),
                    StayBlocker(
                        stay_id=ten_over.id,
                        kind="court_decision",
                        description="Decisão sobre a guarda",
                        owner="Tribunal de Évora",
                    ),
                    StayBlocker(
                        stay_id=ten_over.id,
                        kind="school",
                        description="Transferência de escola",
                        owner="Agrupamento",
                        resolved_on=day,
                    ),
                ]
            )
            db.session.flush()
            mine = {fifty_over.id, ten_over.id, today_over.id}
            rows, total = stays.board(db.session, stays.BoardFilters(), day)
            assert total == len(rows) == before + 3
            assert [(r.stay.id, r.days_over) for r in rows if r.stay.id in mine] == [
                (fifty_over.id, 50),
                (ten_over.id, 10),
                (today_over.id, 0),
            ]
            assert [r.days_over for r in rows] == sorted((r.days_over for r in rows), reverse=True)
            [ten] = [r for r in rows if r.stay.id == ten_over.id]
            assert [b.kind for b in ten.blockers] == ["court_decision"]  # resolved: gone
            assert all(any(s.kind == "stay_prolonged" for s in r.signs) for r in rows)
            by_kind = stays.BoardFilters(blocker_kind="court_decision")
            court, _ = stays.board(db.session, by_kind, day)
            assert [r.stay.id for r in court if r.stay.id in mine] == [ten_over.id]
            here, _ = stays.board(db.session, stays.BoardFilters(unit_id=unit.id), day)
            assert [r.stay.id for r in here] == [ten_over.id, today_over.id]
        db.session.commit()
    html = _page(as_user("gestora@mourao.demo"), "/t/mourao/shelter/board")
    assert f"{before + 3} acolhimentos prolongados" in html
    assert html.index("Cartão de cidadão") < html.index("Decisão sobre a guarda")
    assert "Registo Civil" in html and "Joana Técnica" in html and "em atraso" in html
    filtered = _page(as_user("gestora@mourao.demo"), f"/t/mourao/shelter/board?unit={unit.id}")
    assert "2 acolhimentos prolongados" in filtered and "Cartão de cidadão" not in filtered


def _stay_paths(stay_id: int) -> list[tuple[str, str]]:
    base = f"/t/mourao/shelter/stays/{stay_id}"
    return [
        ("GET", base),
        ("POST", f"{base}/plan"),
        ("POST", f"{base}/goals"),
        ("POST", f"{base}/goals/1"),
        ("POST", f"{base}/reviews"),
        ("POST", f"{base}/contacts"),
        ("POST", f"{base}/blockers"),
        ("POST", f"{base}/blockers/1/resolve"),
        ("POST", f"{base}/discharge-steps"),
        ("POST", f"{base}/discharge"),
        ("POST", f"{base}/follow-ups/1"),
    ]


def test_nobody_outside_the_councils_staff_reaches_a_stay(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    world = _world(app)
    paths = [
        *_stay_paths(world.stay),
        ("GET", "/t/mourao/shelter/stays"),
        ("GET", "/t/mourao/shelter/board"),
    ]
    for email, expected in (
        ("ipss@mourao.demo", 404),  # a partner of Mourão
        ("acolhimento@mourao.demo", 404),  # the shelter operator's staff in Mourão
        ("decisao@mourao.demo", 403),  # Mourão's staff without business here
        ("coordenacao@portel.demo", 404),  # another council
        ("coordenacao@cimac.demo", 404),  # the consortium's desk
    ):
        c = as_user(email)
        token = csrf_token(c.get("/", follow_redirects=True).text)
        for method, path in paths:
            response = c.open(path, method=method, data={"csrf_token": token})
            assert response.status_code == expected, (email, method, path, response.status_code)
    # Mourão's stay by its id from inside another council the user belongs to: 404.
    technician = as_user("tecnica@mourao.demo")  # also a technician in Portel
    assert technician.get(f"/t/mourao/shelter/stays/{world.stay}").status_code == 200
    token = csrf_token(_page(technician, "/t/portel/shelter/stays"))
    for method, path in _stay_paths(world.stay):
        portel_path = path.replace("/t/mourao/", "/t/portel/")
        response = technician.open(portel_path, method=method, data={"csrf_token": token})
        assert response.status_code == 404, (method, portel_path, response.status_code)
    assert world.stay and f"/shelter/stays/{world.stay}" not in _page(
        technician, "/t/portel/shelter/stays"
    )


def _statements(c: FlaskClient, path: str) -> int:
    response = c.get(path)
    assert response.status_code == 200, path
    return int(response.headers["X-SQL-Statements"])


def _grow(world: World, n: int) -> None:
    """``n`` more goals, reviews, contacts and blockers on the stay, and ``n`` more stays."""
    w = world.cimac
    unit = db.session.get(ShelterUnit, world.unit)
    assert unit is not None
    day = today(LISBON)
    with tenant_scope(w.mourao):
        stay = _stay(world)
        assert stay.plan is not None
        for i in range(n):
            db.session.add_all(
                [
                    CarePlanGoal(
                        plan_id=stay.plan.id,
                        term="short",
                        description=f"Meta {i}",
                        responsible="team",
                        due_on=day + timedelta(days=i),
                    ),
                    StayContact(
                        stay_id=stay.id,
                        occurred_on=day - timedelta(days=i % 30),
                        kind="family_visit",
                        recorded_by_id=world.referent,
                    ),
                    StayBlocker(
                        stay_id=stay.id,
                        kind="documents",
                        description=f"Documento {i}",
                        owner="Registo Civil",
                        owner_user_id=world.referent,
                    ),
                ]
            )
            other = sf.admitted_stay(
                w,
                unit,
                referent=world.referent,
                admitted_on=day - timedelta(days=400 + i),
                expected_days=None if i % 2 else 300,
            )
            db.session.add(
                StayBlocker(stay_id=other.id, kind="health", description="Consulta", owner="ULS")
            )
        db.session.flush()
    db.session.commit()


def test_statements_do_not_grow_with_goals_contacts_and_stays(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    world = _world(app)
    c = as_user("gestora@mourao.demo")
    pages = [
        f"/t/mourao/shelter/stays/{world.stay}",
        "/t/mourao/shelter/stays",
        "/t/mourao/shelter/board",
    ]
    with app.app_context():
        _grow(world, 1)
    before = [_statements(c, p) for p in pages]
    with app.app_context():
        _grow(world, 9)
    after = [_statements(c, p) for p in pages]
    assert after == before
    html = _page(c, pages[0])
    assert len(re.findall(r"Documento \d", html)) == 10
