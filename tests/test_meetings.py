"""A group's meetings through their pages: scheduling in local time and invitations, the
agenda (vignettes, constraints, practices, other subjects), attendance, minutes, decisions,
action items and their owners, cancellation, my open actions, and who reaches what (members
read, coordinators write, everyone else gets 404)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from teia.core.db import db
from teia.groups import meetings
from teia.groups.models import (
    ActionItem,
    ActionItemStatus,
    Attendance,
    AttendanceStatus,
    ConstraintStatus,
    GroupConstraint,
    GroupMember,
    Meeting,
    MeetingStatus,
    Vignette,
    VignetteStatus,
)
from teia.notifications.models import Notification, NotificationPreference
from teia.practices.models import Practice, PracticeStatus
from tests import groups_factories as gf
from tests.conftest import body, csrf_token, outbox

COORDINATOR = "coordenacao@cimac.demo"
MOURAO = "gestora@mourao.demo"
PORTEL = "gestora@portel.demo"
OUTSIDERS = (
    "gestor@reguengos-de-monsaraz.demo",  # a CIMAC council's user outside the group
    "coordenacao@mourao.demo",  # a member's council admin, not in the group
    "coordenacao@cimbal.demo",  # another consortium's coordinator
    "admin@teia.demo",  # platform admins are not members
)
FUTURE = date(2030, 7, 15)  # summer time: Lisbon is UTC+1


def naive_utc(*parts: int) -> datetime:
    """A UTC wall time as stored (naive)."""
    return datetime(*parts, tzinfo=UTC).replace(tzinfo=None)  # type: ignore[misc]


def _future() -> datetime:
    return meetings.to_utc(FUTURE, time(14, 30))


def build(*, starts_at: datetime | None = None) -> tuple[int, int]:
    """A CIMAC group and a meeting scheduled by its coordinator; (group id, meeting id)."""
    group = gf.group()
    meeting = meetings.schedule(
        db.session,
        group,
        title="Reunião de julho",
        starts_at=starts_at or _future(),
        location="Sala de reuniões da CIMAC, Évora",
        actor_id=gf.user_id(COORDINATOR),
    )
    db.session.commit()
    return group.id, meeting.id


def _path(group_id: int, meeting_id: int, tail: str = "") -> str:
    return f"/groups/{group_id}/meetings/{meeting_id}{tail}"


def _token(c: FlaskClient) -> str:
    return csrf_token(c.get("/groups/actions").text)


def _post(c: FlaskClient, path: str, data: dict[str, object] | None = None):  # type: ignore[no-untyped-def]
    return c.post(path, data={"csrf_token": _token(c), **(data or {})})


def _meeting(meeting_id: int) -> Meeting:
    found = db.session.get(Meeting, meeting_id)
    assert found is not None
    db.session.refresh(found)
    return found


# --- time ----------------------------------------------------------------------------------


def test_local_times_are_stored_as_utc_across_summer_and_winter() -> None:
    assert meetings.to_utc(date(2030, 7, 15), time(14, 30)) == naive_utc(2030, 7, 15, 13, 30)
    assert meetings.to_utc(date(2030, 1, 15), time(14, 30)) == naive_utc(2030, 1, 15, 14, 30)
    assert meetings.to_local(naive_utc(2030, 7, 15, 13, 30)).strftime("%H:%M") == "14:30"


# --- scheduling and invitations ------------------------------------------------------------


def test_coordinator_schedules_and_every_member_is_invited_and_told(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        group = gf.group()
        # Portel's case manager wants meeting news in the app only.
        db.session.add(
            NotificationPreference(
                user_id=gf.user_id(PORTEL), topic=meetings.MEETING_TOPIC, in_app=True, email=False
            )
        )
        db.session.commit()
        group_id = group.id
    c = as_user(COORDINATOR)
    page = c.get(f"/groups/{group_id}/meetings/new")
    assert page.status_code == 200
    response = c.post(
        f"/groups/{group_id}/meetings/new",
        data={
            "csrf_token": csrf_token(page.text),
            "meeting-title": "Reunião de julho",
            "meeting-day": "2030-07-15",
            "meeting-at": "14:30",
            "meeting-location": "Sala de reuniões da CIMAC, Évora",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        meeting = db.session.scalar(select(Meeting).where(Meeting.group_id == group_id))
        assert meeting is not None
        assert meeting.starts_at == naive_utc(2030, 7, 15, 13, 30)  # 14:30 in Lisbon
        assert response.headers["Location"].endswith(_path(group_id, meeting.id))
        invited = dict(
            db.session.execute(
                select(Attendance.user_id, Attendance.status).where(
                    Attendance.meeting_id == meeting.id
                )
            ).all()
        )
        members = {gf.user_id(e) for e in (COORDINATOR, MOURAO, PORTEL)}
        assert invited == dict.fromkeys(members, AttendanceStatus.INVITED)
        notes = db.session.scalars(
            select(Notification).where(
                Notification.kind == meetings.MEETING_TOPIC,
                Notification.link == _path(group_id, meeting.id),
            )
        ).all()
        assert {n.user_id for n in notes} == {gf.user_id(MOURAO), gf.user_id(PORTEL)}
        for note in notes:
            assert note.link == _path(group_id, meeting.id)
            assert "15/07/2030 às 14:30" in note.body and "Sala de reuniões da CIMAC" in note.body
            assert "Grupo de intervenção familiar" in note.subject
            assert "Reunião de julho" not in note.subject + note.body  # typed text stays in
    mails = outbox(app)
    assert [m["To"] for m in mails] == [MOURAO]  # Portel turned meeting e-mails off
    assert "15/07/2030 às 14:30" in body(mails[0])
    assert _path(group_id, meeting.id) in body(mails[0])
    show = c.get(_path(group_id, meeting.id))
    assert "15/07/2030 às 14:30" in show.text and "Sala de reuniões da CIMAC" in show.text


def test_a_meeting_in_the_past_is_refused(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        group_id = gf.group().id
        db.session.commit()
    c = as_user(COORDINATOR)
    yesterday = meetings.local_today() - timedelta(days=1)
    response = _post(
        c,
        f"/groups/{group_id}/meetings/new",
        {
            "meeting-title": "Tarde demais",
            "meeting-day": yesterday.isoformat(),
            "meeting-at": "10:00",
            "meeting-location": "Évora",
        },
    )
    assert response.status_code == 422
    assert "A reunião tem de ser marcada para uma data futura." in response.text
    with app.app_context():
        assert (
            db.session.scalar(select(func.count(Meeting.id)).where(Meeting.group_id == group_id))
            == 0
        )


def test_rescheduling_tells_the_invitees(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        group_id, meeting_id = build()
    c = as_user(COORDINATOR)
    response = _post(
        c,
        _path(group_id, meeting_id, "/edit"),
        {
            "meeting-title": "Reunião de julho",
            "meeting-day": "2030-07-16",
            "meeting-at": "09:00",
            "meeting-location": "Videoconferência",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        meeting = _meeting(meeting_id)
        assert meeting.starts_at == naive_utc(2030, 7, 16, 8, 0)
        moved = db.session.scalars(
            select(Notification).where(
                Notification.subject.like("%alterada%"),
                Notification.link == _path(group_id, meeting_id),
            )
        ).all()
        assert {n.user_id for n in moved} == {gf.user_id(MOURAO), gf.user_id(PORTEL)}
        assert all("16/07/2030 às 09:00, Videoconferência" in n.body for n in moved)


# --- who reaches what ------------------------------------------------------------------------


def test_members_read_but_only_coordinators_write(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        group_id, meeting_id = build()
    c = as_user(MOURAO)
    assert c.get(f"/groups/{group_id}/meetings").status_code == 200
    page = c.get(_path(group_id, meeting_id))
    assert page.status_code == 200 and "Reunião de julho" in page.text
    assert 'name="minutes-minutes"' not in page.text  # no editing forms for members
    assert c.get(_path(group_id, meeting_id, "/print")).status_code == 200
    assert c.get(f"/groups/{group_id}/meetings/new").status_code == 403
    for tail in ("/minutes", "/held", "/cancel", "/agenda", "/attendance", "/decisions"):
        assert _post(c, _path(group_id, meeting_id, tail)).status_code == 403, tail


def _every_route(group_id: int, meeting_id: int, action_id: int) -> list[tuple[str, str]]:
    m = _path(group_id, meeting_id)
    gets = [
        f"/groups/{group_id}/meetings",
        f"/groups/{group_id}/meetings/new",
        m,
        f"{m}/print",
    ]
    posts = [
        f"/groups/{group_id}/meetings/new",
        f"{m}/edit",
        f"{m}/cancel",
        f"{m}/held",
        f"{m}/approve",
        f"{m}/agenda",
        f"{m}/agenda/1/up",
        f"{m}/agenda/1/remove",
        f"{m}/attendance",
        f"{m}/minutes",
        f"{m}/decisions",
        f"{m}/decisions/1/remove",
        f"{m}/actions",
        f"/groups/{group_id}/actions/{action_id}",
    ]
    return [("GET", p) for p in gets] + [("POST", p) for p in posts]


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_outsiders_get_404_on_every_meeting_route(app: Flask, as_user, outsider: str) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        group_id, meeting_id = build()
        action = meetings.add_action(
            db.session,
            _meeting(meeting_id),
            description="Levantar os tempos de resposta",
            owner_id=gf.user_id(PORTEL),
            due_on=FUTURE,
            actor_id=gf.user_id(COORDINATOR),
        )
        db.session.commit()
        action_id = action.id
    c = as_user(outsider)
    for method, path in _every_route(group_id, meeting_id, action_id):
        response = c.get(path) if method == "GET" else _post(c, path, {"meeting-title": "x"})
        assert response.status_code == 404, (outsider, method, path)
        assert "Reunião de julho" not in response.text
    # and their own list of actions shows nothing of the group
    assert "Levantar os tempos" not in c.get("/groups/actions").text


def test_a_member_who_left_loses_the_meetings(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        group_id, meeting_id = build()
        member = db.session.scalar(
            select(GroupMember).where(
                GroupMember.group_id == group_id, GroupMember.user_id == gf.user_id(MOURAO)
            )
        )
        assert member is not None
        member.active = False
        db.session.commit()
    c = as_user(MOURAO)
    assert c.get(_path(group_id, meeting_id)).status_code == 404
    assert c.get(f"/groups/{group_id}/meetings").status_code == 404


def test_a_meeting_of_another_group_is_404(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        group_id, _meeting_id = build()
        other = gf.group(name="Outro grupo")
        elsewhere = meetings.schedule(
            db.session,
            other,
            title="Reunião do outro grupo",
            starts_at=_future(),
            location="Évora",
            actor_id=gf.user_id(COORDINATOR),
        )
        db.session.commit()
        elsewhere_id = elsewhere.id
    c = as_user(COORDINATOR)
    assert c.get(_path(group_id, elsewhere_id)).status_code == 404
    assert _post(c, _path(group_id, elsewhere_id, "/minutes"), {}).status_code == 404


# --- the agenda ----------------------------------------------------------------------------


def _subjects(group_id: int, other_group_id: int) -> dict[str, int]:
    """A published and a withdrawn vignette of the group, one of another group, an open and a
    resolved constraint, a published practice."""
    portel = db.session.scalar(
        select(GroupMember.tenant_id).where(
            GroupMember.group_id == group_id, GroupMember.user_id == gf.user_id(PORTEL)
        )
    )
    assert portel is not None

    def vignette(group: int, title: str, status: VignetteStatus) -> int:
        made = Vignette(
            group_id=group,
            author_id=gf.user_id(PORTEL),
            source_tenant_id=portel,
            title=title,
            question="Que apoio pedir?",
            content={},
            content_hash="0" * 64,
            status=status,
        )
        db.session.add(made)
        db.session.flush()
        return made.id

    def constraint(title: str, status: ConstraintStatus) -> int:
        made = GroupConstraint(group_id=group_id, title=title, description="—", status=status)
        db.session.add(made)
        db.session.flush()
        return made.id

    practice = Practice(
        consortium_id=gf.consortium_id(),
        title="Gestor de caso único entre concelhos",
        problem="—",
        what_was_done="—",
        status=PracticeStatus.PUBLISHED,
    )
    db.session.add(practice)
    db.session.flush()
    return {
        "vignette": vignette(
            group_id, "Família com três crianças e dívidas", VignetteStatus.PUBLISHED
        ),
        "withdrawn": vignette(group_id, "Caso retirado", VignetteStatus.WITHDRAWN),
        "elsewhere": vignette(other_group_id, "Caso de outro grupo", VignetteStatus.PUBLISHED),
        "constraint": constraint("Atrasos no RSI", ConstraintStatus.RAISED),
        "resolved": constraint("Problema resolvido", ConstraintStatus.RESOLVED),
        "practice": practice.id,
    }


def _agenda(meeting_id: int) -> list[tuple[str, str]]:
    meeting = _meeting(meeting_id)
    return [(str(i.kind), i.title) for i in meeting.agenda]


def test_agenda_offers_the_groups_subjects_orders_and_removes(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        group_id, meeting_id = build()
        other = gf.group(name="Outro grupo")
        ids = _subjects(group_id, other.id)
        db.session.commit()
    c = as_user(COORDINATOR)
    page = c.get(_path(group_id, meeting_id)).text
    assert "Família com três crianças e dívidas" in page and "Atrasos no RSI" in page
    assert "Gestor de caso único entre concelhos" in page
    for hidden in ("Caso retirado", "Caso de outro grupo", "Problema resolvido"):
        assert hidden not in page
    add = _path(group_id, meeting_id, "/agenda")
    for subject in (
        f"vignette:{ids['vignette']}",
        f"constraint:{ids['constraint']}",
        f"practice:{ids['practice']}",
    ):
        assert _post(c, add, {"agenda-subject": subject}).status_code == 302
    assert (
        _post(c, add, {"agenda-subject": "other", "agenda-title": "Calendário de 2031"}).status_code
        == 302
    )
    # refused: another group's vignette, a withdrawn one, a resolved constraint, an untitled other
    for subject in (
        f"vignette:{ids['elsewhere']}",
        f"vignette:{ids['withdrawn']}",
        f"constraint:{ids['resolved']}",
        "other",
        "practice:999999",
    ):
        response = _post(c, add, {"agenda-subject": subject})
        assert response.status_code == 422, subject
    with app.app_context():
        assert _agenda(meeting_id) == [
            ("vignette", ""),
            ("constraint", "Atrasos no RSI"),
            ("practice", "Gestor de caso único entre concelhos"),
            ("other", "Calendário de 2031"),
        ]
        items = [i.id for i in _meeting(meeting_id).agenda]
    shown = c.get(_path(group_id, meeting_id)).text
    assert "Caso: Família com três crianças e dívidas" in shown
    assert _post(c, _path(group_id, meeting_id, f"/agenda/{items[0]}/down")).status_code == 302
    assert _post(c, _path(group_id, meeting_id, f"/agenda/{items[3]}/up")).status_code == 302
    assert _post(c, _path(group_id, meeting_id, f"/agenda/{items[0]}/up")).status_code == 302
    assert _post(c, _path(group_id, meeting_id, f"/agenda/{items[2]}/remove")).status_code == 302
    with app.app_context():
        meeting = _meeting(meeting_id)
        assert [i.id for i in meeting.agenda] == [items[0], items[1], items[3]]
        assert [i.position for i in meeting.agenda] == [1, 2, 3]
        # once the author withdraws the vignette its title leaves the agenda
        vignette = db.session.get(Vignette, ids["vignette"])
        assert vignette is not None
        vignette.status = VignetteStatus.WITHDRAWN
        db.session.commit()
    shown = c.get(_path(group_id, meeting_id)).text
    assert "Família com três crianças" not in shown and "vinheta retirada" in shown
    assert _post(c, _path(group_id, meeting_id, "/agenda/999999/up")).status_code == 404
    assert _post(c, _path(group_id, meeting_id, f"/agenda/{items[0]}/sideways")).status_code == 404


# --- attendance, minutes, decisions, actions ------------------------------------------------


def test_attendance_minutes_and_decisions(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        group_id, meeting_id = build()
        rows = {r.user_id: r.id for r in _meeting(meeting_id).attendance}
    c = as_user(COORDINATOR)
    statuses = {
        f"attendance-a{rows[gf_id]}": status
        for gf_id, status in (
            (_uid(app, COORDINATOR), "present"),
            (_uid(app, MOURAO), "present"),
            (_uid(app, PORTEL), "excused"),
        )
    }
    assert _post(c, _path(group_id, meeting_id, "/attendance"), statuses).status_code == 302
    bad = {**statuses, f"attendance-a{rows[_uid(app, PORTEL)]}": "asleep"}
    assert _post(c, _path(group_id, meeting_id, "/attendance"), bad).status_code == 422
    minutes = "Discutiu-se o acesso ao RSI.\nPróxima reunião em setembro."
    assert (
        _post(c, _path(group_id, meeting_id, "/minutes"), {"minutes-minutes": minutes}).status_code
        == 302
    )
    for text in ("Pedir reunião ao ISS", "Partilhar a prática de Portel"):
        response = _post(c, _path(group_id, meeting_id, "/decisions"), {"decision-text": text})
        assert response.status_code == 302
    assert (
        _post(c, _path(group_id, meeting_id, "/decisions"), {"decision-text": ""}).status_code
        == 422
    )
    with app.app_context():
        meeting = _meeting(meeting_id)
        assert {r.user_id: str(r.status) for r in meeting.attendance} == {
            _uid(app, COORDINATOR): "present",
            _uid(app, MOURAO): "present",
            _uid(app, PORTEL): "excused",
        }
        assert meeting.minutes == minutes
        assert [d.text for d in meeting.decisions] == [
            "Pedir reunião ao ISS",
            "Partilhar a prática de Portel",
        ]
        first = meeting.decisions[0].id
    assert _post(c, _path(group_id, meeting_id, f"/decisions/{first}/remove")).status_code == 302
    with app.app_context():
        assert [d.text for d in _meeting(meeting_id).decisions] == ["Partilhar a prática de Portel"]
    page = c.get(_path(group_id, meeting_id)).text
    assert "Próxima reunião em setembro." in page


def _uid(app: Flask, email: str) -> int:
    with app.app_context():
        return gf.user_id(email)


def test_action_items_have_a_member_owner_who_is_told_and_closes_them(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        group_id, meeting_id = build()
    coordinator = as_user(COORDINATOR)
    add = _path(group_id, meeting_id, "/actions")
    response = _post(
        coordinator,
        add,
        {
            "action-description": "Levantar os tempos de resposta do RSI em Portel",
            "action-owner_id": _uid(app, PORTEL),
            "action-due_on": "2030-07-30",
        },
    )
    assert response.status_code == 302
    outsider = _uid(app, "gestor@reguengos-de-monsaraz.demo")
    refused = _post(
        coordinator,
        add,
        {"action-description": "x", "action-owner_id": outsider, "action-due_on": "2030-07-30"},
    )
    assert refused.status_code == 422
    with app.app_context():
        [action] = db.session.scalars(
            select(ActionItem).where(ActionItem.meeting_id == meeting_id)
        ).all()
        assert (action.owner_id, action.due_on) == (gf.user_id(PORTEL), date(2030, 7, 30))
        told = db.session.scalars(
            select(Notification).where(
                Notification.kind == meetings.ACTION_TOPIC,
                Notification.link == _path(group_id, meeting_id),
            )
        ).all()
        assert [(n.user_id, n.link) for n in told] == [
            (gf.user_id(PORTEL), _path(group_id, meeting_id))
        ]
        assert "30/07/2030" in told[0].body and "RSI" not in told[0].body
        action_id = action.id
        # the service refuses a non-member owner too
        with pytest.raises(meetings.MeetingError, match="membro do grupo"):
            meetings.add_action(
                db.session,
                _meeting(meeting_id),
                description="x",
                owner_id=outsider,
                due_on=FUTURE,
                actor_id=gf.user_id(COORDINATOR),
            )
    update = f"/groups/{group_id}/actions/{action_id}"
    # another member is neither owner nor coordinator
    assert _post(as_user(MOURAO), update, {f"action-{action_id}-status": "done"}).status_code == 403
    owner = as_user(PORTEL)
    mine = owner.get("/groups/actions").text
    assert "Levantar os tempos de resposta do RSI em Portel" in mine
    assert "Grupo de intervenção familiar" in mine
    bad = _post(owner, update, {f"action-{action_id}-status": "open"})
    assert bad.status_code == 422
    done = owner.post(
        f"{update}?back=mine",
        data={
            "csrf_token": _token(owner),
            f"action-{action_id}-status": "done",
            f"action-{action_id}-note": "Levantamento enviado ao grupo.",
        },
    )
    assert done.status_code == 302 and done.headers["Location"].endswith("/groups/actions")
    with app.app_context():
        action = db.session.get(ActionItem, action_id)
        assert action is not None
        db.session.refresh(action)
        assert action.status == ActionItemStatus.DONE
        assert action.done_note == "Levantamento enviado ao grupo."
        assert action.done_at is not None
    assert "Levantar os tempos" not in owner.get("/groups/actions").text
    again = _post(owner, update, {f"action-{action_id}-status": "cancelled"})
    assert again.status_code == 409 and "já foi concluída ou cancelada" in again.text


def test_cancelling_tells_invitees_and_cancels_open_actions(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        group_id, meeting_id = build()
        meetings.add_action(
            db.session,
            _meeting(meeting_id),
            description="Preparar os dados",
            owner_id=gf.user_id(MOURAO),
            due_on=FUTURE,
            actor_id=gf.user_id(COORDINATOR),
        )
        db.session.commit()
    c = as_user(COORDINATOR)
    assert _post(c, _path(group_id, meeting_id, "/cancel")).status_code == 302
    with app.app_context():
        meeting = _meeting(meeting_id)
        assert meeting.status == MeetingStatus.CANCELLED
        assert [a.status for a in meeting.actions] == [ActionItemStatus.CANCELLED]
        cancelled = db.session.scalars(
            select(Notification).where(
                Notification.subject.like("%cancelada%"),
                Notification.link == _path(group_id, meeting_id),
            )
        ).all()
        assert {n.user_id for n in cancelled} == {gf.user_id(MOURAO), gf.user_id(PORTEL)}
    response = _post(c, _path(group_id, meeting_id, "/minutes"), {"minutes-minutes": "x"})
    assert response.status_code == 409
    assert "Esta reunião foi cancelada" in response.text
    page = c.get(_path(group_id, meeting_id)).text
    assert "Esta reunião foi cancelada." in page and 'name="minutes-minutes"' not in page


def test_meeting_list_splits_upcoming_and_past(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        group_id, _meeting_id = build()
        past = Meeting(
            group_id=group_id,
            title="Reunião de arranque",
            starts_at=naive_utc(2025, 1, 10, 10, 0),
            location="Évora",
            status=MeetingStatus.HELD,
        )
        db.session.add(past)
        db.session.commit()
    html = as_user(PORTEL).get(f"/groups/{group_id}/meetings").text
    upcoming, earlier = html.split("Reuniões anteriores e canceladas")
    assert "Reunião de julho" in upcoming and "Reunião de arranque" not in upcoming
    assert "Reunião de arranque" in earlier and "10/01/2025 10:00" in earlier
    assert re.search(r"Agendar reunião", html) is None  # members do not schedule
