"""The quality indicators of the seed's six dimensions, from hand-made stays whose every count
is known: per council (its own rows, the host councils' admission sheets counted in their own
scope), per unit, and per consortium (each member counted in its scope and added up), with the
"<5" rule on the consortium's unit and council rows; who may see them; statements that do not
grow with the stays."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from flask import Flask
from sqlalchemy import select

from teia.accounts.models import Membership, Role, User
from teia.core.clock import today
from teia.core.db import db
from teia.core.security import hash_password
from teia.core.tenancy import tenant_scope
from teia.shelter import indicators
from teia.shelter.indicators import Period, Report
from teia.shelter.models import (
    Allocation,
    CarePlan,
    CarePlanGoal,
    CarePlanReview,
    DischargeStep,
    FollowUpContact,
    ShelterUnit,
    Stay,
    StayBlocker,
    StayContact,
)
from teia.tenants.models import Consortium, Organization, Tenant
from tests import shelter_factories as sf
from tests.conftest import DEMO_PASSWORD

YEAR = Period(date(2020, 1, 1), date(2020, 12, 31))
PAGE = "/t/mourao/shelter/indicators?start=2020-01-01&end=2020-12-31"
DESK_PAGE = "/c/cimac/shelter/indicators?start=2020-01-01&end=2020-12-31"
COMPLETE = {"health": "Asma", "medication": "Salbutamol SOS", "diet": "Sem restrições"}
NO_DIET = {"health": "Asma", "medication": "Salbutamol SOS", "diet": "  "}


def _user(email: str) -> int:
    found = db.session.scalar(select(User.id).where(User.email == email))
    assert found is not None
    return found


def _plan(stay: Stay) -> CarePlan:
    plan = db.session.scalar(select(CarePlan).where(CarePlan.stay_id == stay.id))
    assert plan is not None
    return plan


def _contact(stay: Stay, kind: str, on: date) -> None:
    db.session.add(StayContact(stay_id=stay.id, kind=kind, occurred_on=on))


def _goal(stay: Stay, due_on: date | None) -> None:
    db.session.add(
        CarePlanGoal(
            plan_id=_plan(stay).id,
            term="short",
            description="Matrícula escolar",
            responsible="team",
            due_on=due_on,
        )
    )


def _review(stay: Stay, on: date, *, changed: bool) -> None:
    db.session.add(
        CarePlanReview(
            plan_id=_plan(stay).id,
            reviewed_on=on,
            progress="advance" if changed else "none",
            summary="Reavaliação",
            plan_changed=changed,
        )
    )


def _blocker(stay: Stay, kind: str, created: date, resolved: date | None = None) -> None:
    db.session.add(
        StayBlocker(
            stay_id=stay.id,
            kind=kind,
            description="Pendência",
            owner="Tribunal de Évora",
            created_at=datetime.combine(created, time(9)),
            resolved_on=resolved,
        )
    )


def _steps(stay: Stay, *steps: int) -> None:
    for step in steps:
        db.session.add(
            DischargeStep(stay_id=stay.id, step=step, done_on=stay.ended_on, notes="Feito")
        )


def _follow_up(stay: Stay, due: date, done: date | None, responsible: int) -> None:
    db.session.add(
        FollowUpContact(stay_id=stay.id, due_on=due, done_on=done, responsible_id=responsible)
    )


@dataclass(frozen=True)
class World:
    cimac: sf.Cimac
    unit_a: int  # hosted by Mourão
    unit_b: int  # hosted by Portel


def _mourao_year(app: Flask) -> World:
    """Mourão's 2020 in two units, every count known (the demo's stays are all later):

    s1 A  2019-11-01 → active   expected end 2020-06-01 (passed); plan with goal and due date
    s2 A  2020-03-01 → 2020-09-30  safety flag, placed in Mourão (its own territory); steps 1 to 4
    s3 B  2020-05-01 → active   safety flag, placed in Portel (outside); sheet without diet
    s4 B  2020-11-01 → active   re-admission of s2 (32 days after its discharge)
    s5 A  2018-01-01 → 2019-06-30  outside the period: counted nowhere
    s6 A  2020-01-10 → 2020-02-10  steps 1, 2 and 5 only
    """
    with app.app_context():
        w = sf.Cimac.load()
        manager = _user("gestora@mourao.demo")
        a = sf.unit(
            w.mourao, w.operator, name="Casa A", places={"adolescents": 8}, pools=(w.consortium,)
        )
        b = sf.unit(
            w.portel, w.operator, name="Casa B", places={"adolescents": 8}, pools=(w.consortium,)
        )
        with tenant_scope(w.mourao):

            def stay(unit: ShelterUnit, admitted: date, **kw):  # type: ignore[no-untyped-def]
                return sf.indicator_stay(
                    w.consortium, w.mourao, unit, manager=manager, admitted_on=admitted, **kw
                )

            s1 = stay(a, date(2019, 11, 1), expected_end_on=date(2020, 6, 1))
            s2 = stay(
                a,
                date(2020, 3, 1),
                ended_on=date(2020, 9, 30),
                outside_territory=True,
                sheet=COMPLETE,
            )
            s3 = stay(
                b,
                date(2020, 5, 1),
                outside_territory=True,
                expected_end_on=date(2021, 5, 1),
                sheet=NO_DIET,
            )
            s4 = stay(b, date(2020, 11, 1), previous=s2, sheet=COMPLETE)
            s5 = stay(a, date(2018, 1, 1), ended_on=date(2019, 6, 30))
            s6 = stay(a, date(2020, 1, 10), ended_on=date(2020, 2, 10))

            _contact(s1, "incident", date(2020, 2, 1))
            _contact(s3, "incident", date(2020, 7, 1))
            _contact(s3, "incident", date(2019, 12, 1))  # before the period
            _contact(s5, "incident", date(2019, 1, 1))
            _contact(s2, "community", date(2020, 4, 1))
            _contact(s3, "community", date(2020, 8, 1))  # too old for "the last 90 days"
            _contact(s1, "heard", date(2020, 12, 1))
            _contact(s3, "heard", date(2020, 9, 1))  # too old
            _contact(s4, "heard", date(2020, 12, 20))
            _contact(s2, "heard", date(2020, 9, 15))  # s2 is no longer active
            _contact(s1, "outing", date(2020, 11, 11))

            for s, goal in ((s1, "return_family"), (s3, "extended_family")):
                _plan(s).main_goal = goal
            _goal(s1, date(2021, 3, 1))
            _goal(s3, None)
            _goal(s4, date(2021, 2, 1))  # s4 has no main goal
            _plan(s1).next_review_on = date(2021, 1, 15)

            _review(s1, date(2020, 3, 1), changed=True)
            _review(s1, date(2020, 6, 1), changed=False)
            _review(s3, date(2020, 8, 1), changed=False)
            _review(s1, date(2019, 12, 15), changed=True)  # before the period

            _blocker(s1, "documents", date(2020, 2, 1))
            _blocker(s1, "court_decision", date(2020, 3, 1), resolved=date(2020, 10, 1))
            _blocker(s3, "court_decision", date(2020, 6, 1))
            _blocker(s2, "documents", date(2020, 4, 1))  # s2 ended
            _blocker(s4, "school", date(2021, 1, 10))  # after the reference day

            _steps(s2, 1, 2, 3, 4)
            _steps(s6, 1, 2, 5)
            _follow_up(s2, date(2020, 10, 7), date(2020, 10, 7), manager)
            _follow_up(s2, date(2020, 10, 14), date(2020, 10, 20), manager)
            _follow_up(s2, date(2020, 10, 21), None, manager)
            _follow_up(s2, date(2021, 1, 5), None, manager)  # after the reference day
            _follow_up(s6, date(2020, 2, 17), date(2020, 2, 16), manager)
            db.session.flush()
        db.session.commit()
        return World(w, a.id, b.id)


def _details(report: Report) -> dict[str, str]:
    return {key: cell.detail for key, cell in report.total.items()}


def _unit_row(report: Report, name: str) -> dict[str, indicators.Cell]:
    found = [r for r in report.units if r.label.startswith(name)]
    assert len(found) == 1, [r.label for r in report.units]
    return found[0].cells


def test_each_council_indicator_from_hand_made_stays(app: Flask) -> None:
    _mourao_year(app)
    with app.test_request_context():
        mourao = db.session.scalar(select(Tenant).where(Tenant.slug == "mourao"))
        assert mourao is not None
        with tenant_scope(mourao.id):
            report = indicators.council_report(db.session, mourao, YEAR)
    assert report.reference == date(2020, 12, 31)
    total = report.total
    # 1. Safety: 2 incidents over 366 + 214 + 245 + 61 + 32 = 918 days of stay (2020 is leap).
    assert total["incident_rate"].detail == "2 incidentes / 918 dias"
    assert total["incident_rate"].text == "2,2"
    assert total["safety_outside"].detail == "1 / 2"
    assert total["safety_outside"].text == "50,0 %"
    # 2. Daily care: the sheets counted in Mourão (s2) and in Portel (s3 without diet, s4).
    assert total["sheets_complete"].detail == "2 / 3"
    assert total["community"].detail == "2 / 5"
    # 3. Rights: s1 and s4 heard in the last 90 days; only s1 went out.
    assert total["heard"].detail == "2 / 3"
    assert total["outings"].detail == "1 / 3"
    # 4. Technical work.
    assert total["plan_goals"].detail == "1 / 3"
    assert total["review_current"].detail == "1 / 3"
    assert total["reviews_changed"].detail == "1 / 3"
    # 5. Length: active 426, 244 and 60 days; ended 213 (s2) and 31 (s6).
    assert total["days_active"].text == "mediana 244 · média 243,3"
    assert total["days_active"].detail == "3 acolhimentos"
    assert total["days_ended"].text == "mediana 122 · média 122"
    assert total["past_expected"].detail == "1 / 2"
    assert total["blockers"].text == "2"
    assert total["blockers"].detail == "Documentos: 1 · Decisão judicial: 1"
    # 6. Exits.
    assert total["discharges"].text == "2"
    assert total["steps_done"].detail == "1 / 2"
    assert total["follow_ups_on_time"].detail == "2 / 4"
    assert total["readmitted"].detail == "1 / 4"

    a, b = _unit_row(report, "Casa A"), _unit_row(report, "Casa B")
    assert a["community"].detail == "1 / 3" and b["community"].detail == "1 / 2"
    assert a["heard"].detail == "1 / 1" and b["heard"].detail == "1 / 2"
    assert a["sheets_complete"].detail == "1 / 1" and b["sheets_complete"].detail == "1 / 2"
    assert a["incident_rate"].detail == "1 incidente / 612 dias"
    assert b["readmitted"].detail == "1 / 2" and a["readmitted"].detail == "0 / 2"
    assert b["blockers"].detail == "Decisão judicial: 1"
    assert a["days_active"].text == "mediana 426 · média 426"
    assert report.councils == [] and not report.suppressed


def test_the_council_page_shows_values_counts_and_definitions(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    _mourao_year(app)
    response = as_user("gestora@mourao.demo").get(PAGE)
    assert response.status_code == 200
    html = response.text
    for title in (
        "Segurança e proteção",
        "Cuidado quotidiano",
        "Direitos e participação",
        "Trabalho técnico",
        "Tempo de acolhimento",
        "Saídas e pós-desligamento",
    ):
        assert title in html
    assert re.search(
        r'id="total-heard"><strong>66,7 %</strong> <span class="muted">\(2 / 3\)', html
    )
    assert "audição da pessoa registada nos 90 dias" in html  # the definition
    assert "Casa A (Mourão)" in html and "Casa B (Portel)" in html
    assert "&lt;5" not in html  # the council sees its own counts whole


def test_no_dates_means_the_last_twelve_months(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    html = as_user("gestora@mourao.demo").get("/t/mourao/shelter/indicators").text
    period = Period.last_twelve_months(today("Europe/Lisbon"))
    assert f"Período de {period.start:%d/%m/%Y} a {period.end:%d/%m/%Y}" in html


def test_a_bad_period_is_refused_beside_the_field(as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("gestora@mourao.demo")
    response = c.get("/t/mourao/shelter/indicators?start=2020-12-31&end=2020-01-01")
    assert response.status_code == 400
    assert "A data final tem de ser igual ou posterior à inicial." in response.text
    response = c.get("/t/mourao/shelter/indicators?start=2999-01-01")
    assert response.status_code == 400
    assert "A data inicial não pode ser futura." in response.text
    response = c.get("/t/mourao/shelter/indicators?start=ontem")
    assert response.status_code == 400
    assert 'class="field has-error"' in response.text and "Not a valid" not in response.text


def _second_consortium(members: list[Tenant]) -> Consortium:
    other = Consortium(
        slug="outro", name="Outro", official_name="Outro Consórcio", country="PT", source_hash="x"
    )
    other.members = members
    db.session.add(other)
    db.session.flush()
    return other


def test_the_consortium_adds_up_its_councils_and_hides_small_counts(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    world = _mourao_year(app)
    with app.app_context():
        w = world.cimac
        a = db.session.get(ShelterUnit, world.unit_a)
        b = db.session.get(ShelterUnit, world.unit_b)
        assert a is not None and b is not None
        manager = _user("gestor@reguengos-de-monsaraz.demo")
        elsewhere = _second_consortium([db.session.get(Tenant, w.reguengos)])  # type: ignore[list-item]
        with tenant_scope(w.reguengos):
            r1 = sf.indicator_stay(
                w.consortium,
                w.reguengos,
                a,
                manager=manager,
                admitted_on=date(2020, 2, 1),
                sheet=COMPLETE,
            )
            sf.indicator_stay(
                w.consortium,
                w.reguengos,
                b,
                manager=manager,
                admitted_on=date(2020, 3, 1),
                ended_on=date(2020, 4, 1),
            )
            # A stay placed through another consortium: not CIMAC's.
            other = sf.indicator_stay(
                w.consortium, w.reguengos, a, manager=manager, admitted_on=date(2020, 3, 1)
            )
            db.session.get(Allocation, other.allocation_id).consortium_id = elsewhere.id  # type: ignore[union-attr]
            _contact(r1, "heard", date(2020, 12, 1))
            db.session.flush()
        db.session.commit()

    with app.test_request_context():
        cimac = db.session.scalar(select(Consortium).where(Consortium.slug == "cimac"))
        assert cimac is not None
        report = indicators.consortium_report(db.session, cimac, YEAR)
    assert report.suppressed
    details = _details(report)
    assert details["community"] == "2 / 7"  # 5 stays of Mourão, 2 of Reguengos
    assert details["heard"] == "3 / 4"
    assert details["sheets_complete"] == "3 / 4"  # Reguengos' sheet counted in Mourão
    assert report.total["discharges"].text == "3"
    councils = {r.label: r.cells for r in report.councils}
    assert set(councils) == {"Mourão", "Portel", "Reguengos de Monsaraz"}
    assert councils["Mourão"]["community"].detail == "<5 / 5"
    assert councils["Mourão"]["community"].text == "—"
    assert councils["Portel"]["community"].detail == "0 / 0"
    assert councils["Reguengos de Monsaraz"]["heard"].detail == "<5 / <5"
    a_row = _unit_row(report, "Casa A")
    assert a_row["community"].detail == "<5 / <5"  # Mourão's 3 and Reguengos' 1
    assert a_row["discharges"].text == "<5"
    assert a_row["days_active"].text == "—" and a_row["days_active"].detail == "<5 acolhimentos"
    assert a_row["reviews_changed"].detail == "<5 / <5"

    html = as_user("coordenacao@cimac.demo").get(DESK_PAGE).text
    assert "contagens entre 1 e 4 aparecem como «&lt;5»" in html
    assert "&lt;5 / &lt;5" in html
    assert "Por município" in html and "Casa A (Mourão)" in html


def test_suppression_leaves_zeros_and_counts_of_five_or_more(app: Flask) -> None:
    with app.app_context():
        w = sf.Cimac.load()
        manager = _user("gestora@mourao.demo")
        big = sf.unit(
            w.mourao, w.operator, name="Casa Grande", places={"adults": 6}, pools=(w.consortium,)
        )
        with tenant_scope(w.mourao):
            for day in range(1, 7):
                sf.indicator_stay(
                    w.consortium, w.mourao, big, manager=manager, admitted_on=date(2020, 1, day)
                )
        db.session.commit()
    with app.test_request_context():
        cimac = db.session.scalar(select(Consortium).where(Consortium.slug == "cimac"))
        assert cimac is not None
        report = indicators.consortium_report(db.session, cimac, YEAR)
    row = _unit_row(report, "Casa Grande")
    assert row["heard"].detail == "0 / 6" and row["heard"].text == "0,0 %"
    assert row["days_active"].detail == "6 acolhimentos"
    assert row["days_active"].text != "—"


def _coordinator_elsewhere() -> str:
    """A coordinator of another consortium (Portel's), to knock on CIMAC's door."""
    portel = db.session.scalar(select(Tenant).where(Tenant.slug == "portel"))
    org = db.session.scalar(select(Organization).where(Organization.slug == "cimac"))
    assert portel is not None and org is not None
    other = _second_consortium([portel])
    user = User(
        email="coordenacao@outro-consorcio.pt",
        name="Outra Coordenação",
        password_hash=hash_password(DEMO_PASSWORD),
    )
    user.memberships.append(
        Membership(consortium=other, organization=org, role=Role.CONSORTIUM_COORDINATOR)
    )
    db.session.add(user)
    db.session.flush()
    return user.email


def test_who_may_see_the_indicators(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    for email in ("coordenacao@mourao.demo", "gestora@mourao.demo", "tecnica@mourao.demo"):
        assert as_user(email).get(PAGE).status_code == 200, email
    for email in ("acolhimento@mourao.demo", "ipss@mourao.demo", "decisao@mourao.demo"):
        assert as_user(email).get(PAGE).status_code == 403, email
    assert as_user("coordenacao@portel.demo").get(PAGE).status_code == 404
    assert as_user("coordenacao@cimac.demo").get(DESK_PAGE).status_code == 200
    for email in ("gestora@mourao.demo", "coordenacao@mourao.demo"):
        assert as_user(email).get(DESK_PAGE).status_code == 404, email
    with app.app_context():
        email = _coordinator_elsewhere()
        db.session.commit()
    outsider = as_user(email)
    assert outsider.get(DESK_PAGE).status_code == 404
    # A member there (sent to enrol a second factor first), a stranger at CIMAC.
    assert outsider.get("/c/outro/shelter/indicators").status_code == 302


def _statements(c, path: str) -> int:  # type: ignore[no-untyped-def]
    response = c.get(path)
    assert response.status_code == 200
    return int(response.headers["X-SQL-Statements"])


def test_statements_of_the_indicator_pages_do_not_grow_with_the_stays(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    world = _mourao_year(app)
    council, desk = as_user("gestora@mourao.demo"), as_user("coordenacao@cimac.demo")
    before = (_statements(council, PAGE), _statements(desk, DESK_PAGE))
    with app.app_context():
        w = world.cimac
        manager = _user("gestora@mourao.demo")
        a = db.session.get(ShelterUnit, world.unit_a)
        b = db.session.get(ShelterUnit, world.unit_b)
        with tenant_scope(w.mourao):
            for i, unit in enumerate((a, b, a, b, a, b)):
                s = sf.indicator_stay(
                    w.consortium,
                    w.mourao,
                    unit,  # type: ignore[arg-type]
                    manager=manager,
                    admitted_on=date(2020, 4, 1 + i),
                    ended_on=date(2020, 8, 1) if i % 2 else None,
                    sheet=COMPLETE,
                )
                _contact(s, "heard", date(2020, 12, 1))
                _review(s, date(2020, 6, 1), changed=True)
                _blocker(s, "health", date(2020, 6, 1))
            db.session.flush()
        db.session.commit()
    after = (_statements(council, PAGE), _statements(desk, DESK_PAGE))
    assert after == before
    assert before[0] <= 20, before
