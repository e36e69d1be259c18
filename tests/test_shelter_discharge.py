"""Protected discharge through the stay page: the five steps, refused without steps 1 to 4
unless the exit was unplanned (then with a note, the missing steps shown), the place back in
the pool, the host council's admission sheet closed, the follow-up contacts and their
reminders, step 5 and the contacts recorded afterwards, and re-admissions linked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from teia.accounts.models import User
from teia.audit.models import AuditEvent
from teia.core.clock import today
from teia.core.db import db, utcnow
from teia.core.tenancy import tenant_scope
from teia.notifications.models import Notification, Reminder
from teia.notifications.services import dispatch_due_reminders
from teia.shelter.discharge import FOLLOW_UP, follow_up_days
from teia.shelter.models import (
    AdmissionSheet,
    Allocation,
    AllocationEvent,
    AllocationStatus,
    DischargeStep,
    FollowUpContact,
    ShelterUnit,
    Stay,
    StayStatus,
)
from tests import shelter_factories as sf
from tests.conftest import csrf_token

LISBON = "Europe/Lisbon"


@dataclass(frozen=True)
class World:
    cimac: sf.Cimac
    unit: int  # hosted by Reguengos
    stay: int  # Mourão's, admitted 200 days ago
    referent: int  # tecnica@mourao.demo
    manager: int  # gestora@mourao.demo


def _user(email: str) -> int:
    found = db.session.scalar(select(User.id).where(User.email == email))
    assert found is not None
    return found


def _world(app: Flask) -> World:
    with app.app_context():
        w = sf.Cimac.load()
        unit = sf.unit(
            w.reguengos, w.operator, name="Casa do Monte", places={"adolescents": 1},
            pools=(w.consortium,),
        )  # fmt: skip
        referent = _user("tecnica@mourao.demo")
        with tenant_scope(w.mourao):
            stay = sf.admitted_stay(
                w, unit, referent=referent, admitted_on=today(LISBON) - timedelta(days=200)
            )
        db.session.commit()
        return World(w, unit.id, stay.id, referent, _user("gestora@mourao.demo"))


def _post(c: FlaskClient, path: str, prefix: str, **fields: str):  # type: ignore[no-untyped-def]
    token = csrf_token(c.get("/t/mourao/shelter/stays").text)
    data = {f"{prefix}-{k}": v for k, v in fields.items()}
    data[f"{prefix}-csrf_token"] = token
    return c.post(path, data=data)


def _day(days_ago: int) -> str:
    return (today(LISBON) - timedelta(days=days_ago)).isoformat()


def _step(c: FlaskClient, world: World, n: int, days_ago: int = 1):  # type: ignore[no-untyped-def]
    return _post(
        c,
        f"/t/mourao/shelter/stays/{world.stay}/discharge-steps",
        "step",
        step=str(n),
        done_on=_day(days_ago),
        notes=f"Passo {n} feito com a família.",
    )


def _discharge(c: FlaskClient, world: World, **fields: str):  # type: ignore[no-untyped-def]
    data = {"ended_on": _day(0), "reason": "return_family", "follow_up_by": str(world.manager)}
    return _post(
        c, f"/t/mourao/shelter/stays/{world.stay}/discharge", "discharge", **{**data, **fields}
    )


def test_the_follow_up_shape() -> None:
    assert follow_up_days() == [7, 14, 21, 28, 42, 56, 70, 84, 114, 144, 174]


def test_a_planned_discharge_needs_steps_1_to_4(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    world = _world(app)
    c = as_user("tecnica@mourao.demo")
    refused = _discharge(c, world)
    assert refused.status_code == 422
    assert "precisa primeiro dos passos 1, 2, 3, 4 registados" in refused.text
    future = _step(c, world, 1, days_ago=-2)
    assert future.status_code == 422 and "entre a admissão e hoje" in future.text
    no_notes = _post(
        c, f"/t/mourao/shelter/stays/{world.stay}/discharge-steps", "step", step="1",
        done_on=_day(1), notes="",
    )  # fmt: skip
    assert no_notes.status_code == 422
    for n in (1, 2, 3):
        assert _step(c, world, n).status_code == 302
    twice = _step(c, world, 2)
    assert twice.status_code == 422  # a recorded step is no longer a choice
    still = _discharge(c, world)
    assert still.status_code == 422 and "passos 4 registados" in still.text
    with app.app_context(), tenant_scope(world.cimac.mourao):
        stay = db.session.get(Stay, world.stay)
        assert stay is not None and stay.status == StayStatus.ACTIVE
        steps = db.session.scalars(
            select(DischargeStep)
            .where(DischargeStep.stay_id == world.stay)
            .order_by(DischargeStep.step)
        ).all()
        assert [(s.step, s.recorded_by_id) for s in steps] == [
            (1, world.referent),
            (2, world.referent),
            (3, world.referent),
        ]


def test_a_planned_discharge_frees_the_place_ends_the_sheet_and_plans_the_follow_up(
    app: Flask,
    as_user,  # type: ignore[no-untyped-def]
) -> None:
    world = _world(app)
    c = as_user("tecnica@mourao.demo")
    with app.app_context(), tenant_scope(world.cimac.mourao):
        stay = db.session.get(Stay, world.stay)
        assert stay is not None
        allocation_id, place_id = stay.allocation_id, stay.allocation.place_id

    def new_offer() -> None:
        """Another request's offer on the same place (the pool's rows)."""
        with app.app_context():
            w = world.cimac
            other = sf.profile(w.consortium, w.portel, reference="POR 2026/0009")
            db.session.add(
                Allocation(
                    profile_id=other.id,
                    place_id=place_id,
                    unit_id=world.unit,
                    consortium_id=w.consortium,
                    expires_at=utcnow() + timedelta(hours=12),
                )
            )
            db.session.flush()
            db.session.commit()

    with pytest.raises(IntegrityError):  # the running stay holds the only place
        new_offer()
    with app.app_context():
        db.session.rollback()
    for n in (1, 2, 3, 4):
        assert _step(c, world, n).status_code == 302
    done = _discharge(c, world, notes="Regresso a casa da mãe, com apoio da CPCJ.")
    assert done.status_code == 302 and done.headers["Location"].endswith("#desligamento")
    ended_on = today(LISBON)
    with app.app_context():
        with tenant_scope(world.cimac.mourao):
            stay = db.session.get(Stay, world.stay)
            assert stay is not None
            assert (stay.status, stay.ended_on, stay.end_reason) == (
                StayStatus.DISCHARGED,
                ended_on,
                "return_family",
            )
            follow_ups = db.session.scalars(
                select(FollowUpContact)
                .where(FollowUpContact.stay_id == world.stay)
                .order_by(FollowUpContact.due_on)
            ).all()
            assert [(f.due_on - ended_on).days for f in follow_ups] == follow_up_days()
            assert {f.responsible_id for f in follow_ups} == {world.manager}
            reminders = db.session.scalars(
                select(Reminder)
                .where(
                    Reminder.kind == FOLLOW_UP,
                    Reminder.object_id.in_([f.id for f in follow_ups]),
                )
                .order_by(Reminder.due_date)
            ).all()
            assert [(r.object_id, r.due_date, r.user_id) for r in reminders] == [
                (f.id, f.due_on, world.manager) for f in follow_ups
            ]
            event = db.session.scalar(
                select(AuditEvent).where(
                    AuditEvent.action == "shelter.stay.discharged",
                    AuditEvent.object_id == str(world.stay),
                )
            )
            assert event is not None and event.details["missing_steps"] == []
        allocation = db.session.get(Allocation, allocation_id)
        assert allocation is not None and allocation.status == AllocationStatus.DISCHARGED
        assert db.session.scalar(
            select(AllocationEvent.id).where(
                AllocationEvent.allocation_id == allocation_id,
                AllocationEvent.action == "discharged",
            )
        )
        with tenant_scope(world.cimac.reguengos):  # the host council's row
            sheet = db.session.scalar(
                select(AdmissionSheet).where(AdmissionSheet.allocation_id == allocation_id)
            )
            assert sheet is not None and sheet.ended_on == ended_on
    new_offer()  # the place is back in the pool
    again = _discharge(c, world)
    assert again.status_code == 409 and "já terminou" in again.text
    edit = _post(c, f"/t/mourao/shelter/stays/{world.stay}/contacts", "contact", kind="outing")
    assert edit.status_code == 409 and "Este acolhimento já terminou" in edit.text


def test_an_unplanned_exit_needs_a_note_and_shows_the_missing_steps(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    world = _world(app)
    c = as_user("gestora@mourao.demo")
    assert _step(c, world, 1).status_code == 302
    silent = _discharge(c, world, reason="absconded")
    assert silent.status_code == 422
    assert "Numa saída não planeada, descreva o que aconteceu" in silent.text
    noted = _discharge(
        c, world, reason="absconded", notes="Saiu da casa na noite de 3 de março; PSP avisada."
    )
    assert noted.status_code == 302
    html = c.get(f"/t/mourao/shelter/stays/{world.stay}").text
    assert html.count("em falta") == 3  # steps 2, 3 and 4
    assert "Sem contactos de acompanhamento agendados" in html
    with app.app_context(), tenant_scope(world.cimac.mourao):
        follow_ups = select(FollowUpContact).where(FollowUpContact.stay_id == world.stay)
        assert db.session.scalars(follow_ups).all() == []
        event = db.session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "shelter.stay.discharged",
                AuditEvent.object_id == str(world.stay),
            )
        )
        assert event is not None and event.details["missing_steps"] == [2, 3, 4]


def test_step_5_and_the_follow_up_contacts_after_the_discharge(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    world = _world(app)
    c = as_user("tecnica@mourao.demo")
    for n in (1, 2, 3, 4):
        assert _step(c, world, n, days_ago=3).status_code == 302
    assert _discharge(c, world, ended_on=_day(20)).status_code == 302
    late_step = _step(c, world, 1)
    assert late_step.status_code == 422  # steps 1-4 are closed after the discharge
    assert _step(c, world, 5).status_code == 302
    with app.app_context(), tenant_scope(world.cimac.mourao):
        first, second = db.session.scalars(
            select(FollowUpContact)
            .where(FollowUpContact.stay_id == world.stay)
            .order_by(FollowUpContact.due_on)
            .limit(2)
        ).all()
    path = f"/t/mourao/shelter/stays/{world.stay}/follow-ups/{first.id}"
    empty = _post(c, path, f"follow-up-{first.id}", done_on=_day(13))
    assert empty.status_code == 422 and "Registe pelo menos uma observação." in empty.text
    before = _post(c, path, f"follow-up-{first.id}", done_on=_day(21), school="Vai à escola.")
    assert before.status_code == 422 and "entre o desligamento e hoje" in before.text
    made = _post(
        c,
        path,
        f"follow-up-{first.id}",
        done_on=_day(13),
        school="Frequência regular.",
        family="Sem conflitos relatados.",
        notes="Visita domiciliária.",
    )
    assert made.status_code == 302 and made.headers["Location"].endswith("#pos-desligamento")
    again = _post(c, path, f"follow-up-{first.id}", done_on=_day(12), school="x")
    assert again.status_code == 409
    html = c.get(f"/t/mourao/shelter/stays/{world.stay}").text
    assert "Frequência regular." in html and "Acompanhamento intensivo inicial" in html
    with app.app_context(), tenant_scope(world.cimac.mourao):
        contact = db.session.get(FollowUpContact, first.id)
        assert contact is not None
        assert contact.observations == {
            "school": "Frequência regular.",
            "family": "Sem conflitos relatados.",
        }
        # The reminder of the contact made is cancelled; the next one goes to its responsible.
        dispatch_due_reminders(db.session, second.due_on)
        statuses = dict(
            db.session.execute(
                select(Reminder.object_id, Reminder.status).where(
                    Reminder.kind == FOLLOW_UP, Reminder.object_id.in_([first.id, second.id])
                )
            ).all()
        )
        assert (statuses[first.id], statuses[second.id]) == ("cancelled", "sent")
        note = db.session.scalar(
            select(Notification).where(
                Notification.kind == f"reminder.{FOLLOW_UP}",
                Notification.link == f"/t/mourao/shelter/stays/{world.stay}",
            )
        )
        assert note is not None and note.user_id == world.manager


def test_a_readmission_links_to_the_earlier_stay(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    world = _world(app)
    c = as_user("gestora@mourao.demo")
    assert _discharge(c, world, reason="death", notes="Falecimento.").status_code == 302
    with app.app_context():
        w = world.cimac
        unit = db.session.get(ShelterUnit, world.unit)
        assert unit is not None
        with tenant_scope(w.mourao):
            earlier = db.session.get(Stay, world.stay)
            assert earlier is not None
            later = sf.admitted_stay(
                w, unit, referent=world.referent, admitted_on=today(LISBON), previous=earlier
            )
            later_id = later.id
        db.session.commit()
    html = c.get(f"/t/mourao/shelter/stays/{later_id}").text
    assert "Reacolhimento em menos de 12 meses." in html
    assert f"/t/mourao/shelter/stays/{world.stay}" in html
    earlier_html = c.get(f"/t/mourao/shelter/stays/{world.stay}").text
    assert "Houve um reacolhimento depois deste" in earlier_html
    assert f"/t/mourao/shelter/stays/{later_id}" in earlier_html
