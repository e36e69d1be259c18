"""Minutes approved by a coordinator make the meeting's record read-only: every write path
(page and service) is refused with a clear message and changes nothing, the page shows the
record without forms and who approved it, and action items still move on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from teia.audit.models import AuditEvent
from teia.core.db import db
from teia.groups import meetings
from teia.groups.models import (
    ActionItemStatus,
    AgendaKind,
    AttendanceStatus,
    Meeting,
    MeetingStatus,
    MinutesStatus,
)
from teia.notifications.models import Notification
from tests import groups_factories as gf
from tests.conftest import csrf_token

COORDINATOR = "coordenacao@cimac.demo"
MOURAO = "gestora@mourao.demo"
PORTEL = "gestora@portel.demo"
MINUTES = "Discutiu-se o acesso ao RSI entre concelhos."
READ_ONLY = "já não podem ser alteradas"


def _path(group_id: int, meeting_id: int, tail: str = "") -> str:
    return f"/groups/{group_id}/meetings/{meeting_id}{tail}"


def _post(c: FlaskClient, path: str, data: dict[str, object] | None = None):  # type: ignore[no-untyped-def]
    token = csrf_token(c.get("/groups/actions").text)
    return c.post(path, data={"csrf_token": token, **(data or {})})


def _meeting(meeting_id: int) -> Meeting:
    found = db.session.get(Meeting, meeting_id)
    assert found is not None
    db.session.refresh(found)
    return found


def held_meeting(*, approve: bool) -> dict[str, int]:
    """A held meeting with one of everything; its minutes approved if asked."""
    group = gf.group()
    coordinator = gf.user_id(COORDINATOR)
    meeting = meetings.schedule(
        db.session,
        group,
        title="Reunião de julho",
        starts_at=meetings.to_utc(date(2030, 7, 15), time(14, 30)),
        location="Évora",
        actor_id=coordinator,
    )
    item = meetings.add_agenda_item(
        db.session,
        meeting,
        kind=AgendaKind.OTHER,
        ref_id=None,
        title="Calendário",
        notes="",
    )
    meetings.add_agenda_item(
        db.session, meeting, kind=AgendaKind.OTHER, ref_id=None, title="Outros", notes=""
    )
    meetings.record_attendance(
        db.session, meeting, {row.id: AttendanceStatus.PRESENT for row in meeting.attendance}
    )
    meetings.write_minutes(db.session, meeting, MINUTES)
    decision = meetings.add_decision(db.session, meeting, "Pedir reunião ao ISS")
    action = meetings.add_action(
        db.session,
        meeting,
        description="Levantar os tempos de resposta",
        owner_id=gf.user_id(PORTEL),
        due_on=date(2030, 7, 30),
        actor_id=coordinator,
    )
    meetings.mark_held(db.session, meeting)
    if approve:
        meetings.approve_minutes(db.session, meeting, actor_id=coordinator)
    db.session.commit()
    return {
        "group": group.id,
        "meeting": meeting.id,
        "item": item.id,
        "decision": decision.id,
        "action": action.id,
        "attendance": meeting.attendance[0].id,
    }


def _snapshot(meeting_id: int) -> tuple[Any, ...]:
    m = _meeting(meeting_id)
    return (
        m.title,
        m.starts_at,
        m.location,
        m.status,
        m.minutes,
        m.minutes_status,
        [(i.id, i.position, i.title) for i in m.agenda],
        sorted((a.id, str(a.status)) for a in m.attendance),
        [d.text for d in m.decisions],
        [(a.id, a.description, str(a.status)) for a in m.actions],
    )


def _writes(ids: dict[str, int]) -> list[tuple[str, dict[str, object]]]:
    """Every write endpoint of a meeting, with a payload that would otherwise be accepted."""
    m = _path(ids["group"], ids["meeting"])
    return [
        (
            f"{m}/edit",
            {
                "meeting-title": "Outro título",
                "meeting-day": "2030-07-20",
                "meeting-at": "10:00",
                "meeting-location": "Beja",
            },
        ),
        (f"{m}/cancel", {}),
        (f"{m}/held", {}),
        (f"{m}/approve", {}),
        (f"{m}/agenda", {"agenda-subject": "other", "agenda-title": "Ponto novo"}),
        (f"{m}/agenda/{ids['item']}/down", {}),
        (f"{m}/agenda/{ids['item']}/up", {}),
        (f"{m}/agenda/{ids['item']}/remove", {}),
        (
            f"{m}/attendance",
            {f"attendance-a{row.id}": "absent" for row in _meeting(ids["meeting"]).attendance},
        ),
        (f"{m}/minutes", {"minutes-minutes": "Ata reescrita"}),
        (f"{m}/decisions", {"decision-text": "Nova deliberação"}),
        (f"{m}/decisions/{ids['decision']}/remove", {}),
        (
            f"{m}/actions",
            {
                "action-description": "Nova tarefa",
                "action-owner_id": str(gf.user_id(MOURAO)),
                "action-due_on": "2030-08-30",
            },
        ),
    ]


def test_every_write_to_an_approved_meeting_is_refused_and_changes_nothing(
    app: Flask, as_user
) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        ids = held_meeting(approve=True)
        before = _snapshot(ids["meeting"])
        writes = _writes(ids)
    c = as_user(COORDINATOR)
    for path, data in writes:
        response = _post(c, path, data)
        assert response.status_code == 409, path
        assert "Ata aprovada por Inês Coordenadora (CIMAC) em" in response.text, path
        assert READ_ONLY in response.text, path
    with app.app_context():
        assert _snapshot(ids["meeting"]) == before


def test_the_same_writes_succeed_before_the_approval(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    """The refusals above come from the approval, not from a bad payload (the lifecycle steps,
    which a held meeting refuses for their own reason, are left out)."""
    with app.app_context():
        ids = held_meeting(approve=False)
        writes = _writes(ids)
    c = as_user(COORDINATOR)
    lifecycle = ("/edit", "/cancel", "/held", "/approve")
    for path, data in writes:
        if path.endswith(lifecycle):
            continue
        response = _post(c, path, data)
        assert response.status_code == 302, (path, response.text)
    with app.app_context():
        meeting = _meeting(ids["meeting"])
        assert meeting.minutes == "Ata reescrita"
        assert [i.title for i in meeting.agenda] == ["Outros", "Ponto novo"]
        assert len(meeting.actions) == 2


SERVICE_WRITES: list[tuple[str, Callable[[Meeting, dict[str, int]], object]]] = [
    (
        "update_details",
        lambda m, ids: meetings.update_details(
            db.session, m, title="x", starts_at=m.starts_at, location="x", actor_id=1
        ),
    ),
    ("cancel", lambda m, ids: meetings.cancel(db.session, m, actor_id=1)),
    ("mark_held", lambda m, ids: meetings.mark_held(db.session, m)),
    ("approve_minutes", lambda m, ids: meetings.approve_minutes(db.session, m, actor_id=1)),
    (
        "add_agenda_item",
        lambda m, ids: meetings.add_agenda_item(
            db.session, m, kind=AgendaKind.OTHER, ref_id=None, title="x", notes=""
        ),
    ),
    ("move_agenda_item", lambda m, ids: meetings.move_agenda_item(db.session, m, ids["item"], 1)),
    ("remove_agenda_item", lambda m, ids: meetings.remove_agenda_item(db.session, m, ids["item"])),
    (
        "record_attendance",
        lambda m, ids: meetings.record_attendance(
            db.session, m, {ids["attendance"]: AttendanceStatus.ABSENT}
        ),
    ),
    ("write_minutes", lambda m, ids: meetings.write_minutes(db.session, m, "x")),
    ("add_decision", lambda m, ids: meetings.add_decision(db.session, m, "x")),
    ("remove_decision", lambda m, ids: meetings.remove_decision(db.session, m, ids["decision"])),
    (
        "add_action",
        lambda m, ids: meetings.add_action(
            db.session,
            m,
            description="x",
            owner_id=gf.user_id(MOURAO),
            due_on=date(2030, 8, 1),
            actor_id=1,
        ),
    ),
]


@pytest.mark.parametrize("name,write", SERVICE_WRITES, ids=[n for n, _w in SERVICE_WRITES])
def test_every_service_write_refuses_an_approved_meeting(
    app: Flask, name: str, write: Callable[[Meeting, dict[str, int]], object]
) -> None:
    with app.app_context():
        ids = held_meeting(approve=True)
        before = _snapshot(ids["meeting"])
        with pytest.raises(meetings.MeetingClosed, match=READ_ONLY):
            write(_meeting(ids["meeting"]), ids)
        db.session.rollback()
        assert _snapshot(ids["meeting"]) == before


def test_the_approved_page_has_no_forms_and_names_the_approver(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        ids = held_meeting(approve=True)
    page = as_user(COORDINATOR).get(_path(ids["group"], ids["meeting"])).text
    assert "Ata aprovada por Inês Coordenadora (CIMAC) em" in page
    assert MINUTES in page and "Pedir reunião ao ISS" in page and "Calendário" in page
    for form in ("/edit", "/agenda", "/attendance", "/minutes", "/decisions", "/held", "/approve"):
        assert f'action="{_path(ids["group"], ids["meeting"], form)}' not in page, form
    assert 'name="minutes-minutes"' not in page
    # the only form left: the open action item, for the coordinator (and its owner)
    assert page.count("<form") - 1 == 1  # the sign-out button is a form too
    assert f'action="/groups/{ids["group"]}/actions/{ids["action"]}"' in page
    member_page = as_user(MOURAO).get(_path(ids["group"], ids["meeting"])).text
    assert member_page.count("<form") - 1 == 0
    printed = as_user(MOURAO).get(_path(ids["group"], ids["meeting"], "/print")).text
    assert "Ata aprovada por Inês Coordenadora (CIMAC) em" in printed and MINUTES in printed
    assert "<form" not in printed


def test_approval_needs_a_held_meeting_and_written_minutes(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        group = gf.group()
        meeting = meetings.schedule(
            db.session,
            group,
            title="Reunião",
            starts_at=meetings.to_utc(date(2030, 7, 15), time(10, 0)),
            location="Évora",
            actor_id=gf.user_id(COORDINATOR),
        )
        db.session.commit()
        group_id, meeting_id = group.id, meeting.id
    c = as_user(COORDINATOR)
    scheduled = _post(c, _path(group_id, meeting_id, "/approve"))
    assert scheduled.status_code == 409
    assert "Só se aprova a ata de uma reunião que já se realizou." in scheduled.text
    assert _post(c, _path(group_id, meeting_id, "/held")).status_code == 302
    empty = _post(c, _path(group_id, meeting_id, "/approve"))
    assert empty.status_code == 422 and "Escreva a ata antes de a aprovar." in empty.text
    assert _post(as_user(MOURAO), _path(group_id, meeting_id, "/approve")).status_code == 403
    with app.app_context():
        assert _meeting(meeting_id).minutes_status == MinutesStatus.DRAFT


def test_approving_records_who_and_when_audits_and_tells_the_members(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        ids = held_meeting(approve=False)
    response = _post(as_user(COORDINATOR), _path(ids["group"], ids["meeting"], "/approve"))
    assert response.status_code == 302
    with app.app_context():
        meeting = _meeting(ids["meeting"])
        assert meeting.minutes_status == MinutesStatus.APPROVED
        assert meeting.status == MeetingStatus.HELD
        assert meeting.approved_by_id == gf.user_id(COORDINATOR)
        assert meeting.approved_at is not None
        audited = db.session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "meeting.minutes_approved",
                AuditEvent.object_id == str(ids["meeting"]),
            )
        )
        assert audited is not None and audited.actor_id == gf.user_id(COORDINATOR)
        told = db.session.scalars(
            select(Notification).where(
                Notification.subject.like("Ata aprovada%"),
                Notification.link == _path(ids["group"], ids["meeting"]),
            )
        ).all()
        assert {n.user_id for n in told} == {gf.user_id(MOURAO), gf.user_id(PORTEL)}
        assert all(MINUTES not in n.body for n in told)


@pytest.mark.parametrize("who", [PORTEL, COORDINATOR])
def test_action_items_stay_updatable_after_the_approval(app: Flask, as_user, who: str) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        ids = held_meeting(approve=True)
    action = ids["action"]
    response = _post(
        as_user(who),
        f"/groups/{ids['group']}/actions/{action}",
        {f"action-{action}-status": "done", f"action-{action}-note": "Feito e partilhado."},
    )
    assert response.status_code == 302
    with app.app_context():
        [item] = _meeting(ids["meeting"]).actions
        assert item.status == ActionItemStatus.DONE and item.done_note == "Feito e partilhado."
        assert _meeting(ids["meeting"]).minutes_status == MinutesStatus.APPROVED
