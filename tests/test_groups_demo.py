"""The working-group demo (``teia.groups.demo``): loading it again adds nothing, and what it
holds agrees with the rules the pages enforce — every seat rests on an eligible membership,
the outsiders it names are outside, constraints affect the group's councils, the past meeting's
minutes are approved with an overdue action, the next meeting is a week away, and the practice
library has one published practice (adopted by Reguengos) and one in review."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select

from teia.accounts.models import Membership
from teia.core.clock import today
from teia.core.db import db
from teia.demo import load_demo
from teia.groups import demo, groups
from teia.groups.access import group_councils
from teia.groups.models import (
    ActionItem,
    ActionItemStatus,
    ConstraintStatus,
    GroupConstraint,
    GroupMember,
    Meeting,
    MeetingStatus,
    MemberRole,
    MinutesStatus,
    Vignette,
    WorkingGroup,
)
from teia.practices.models import AdoptionStatus, Practice, PracticeStatus
from tests import groups_factories as gf

MODELS = (WorkingGroup, GroupMember, GroupConstraint, Meeting, ActionItem, Practice, Vignette)


def _group() -> WorkingGroup:
    found = db.session.scalar(select(WorkingGroup).where(WorkingGroup.name == demo.GROUP_NAME))
    assert found is not None
    return found


def _counts() -> dict[str, int]:
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) or 0 for m in MODELS}


def test_loading_the_demo_again_adds_nothing(app: Flask) -> None:
    with app.app_context():
        before = _counts()
        load_demo(db.session)
        demo.load_groups_demo(db.session)
        db.session.flush()
        assert _counts() == before
        assert before["Vignette"] == 0  # vignettes are built from a case by the page


def test_every_seat_rests_on_an_eligible_membership(app: Flask) -> None:
    with app.app_context():
        group = _group()
        assert group.consortium is not None and group.consortium.slug == "cimac"
        members = groups.members_of(db.session, group)
        emails = {m.user.email: m for m in members}
        assert set(emails) == {email for email, _ in demo.MEMBERS}
        for absent in ("coordenacao@mourao.demo", "coordenacao@cimbal.demo", "admin@teia.demo"):
            assert absent not in emails
        [coordinator] = [m for m in members if m.role == MemberRole.COORDINATOR]
        assert coordinator.user.email == demo.COORDINATOR and coordinator.tenant_id is None
        assert emails["ipss@mourao.demo"].organization.slug == "scm-mourao"
        assert emails["ipss@mourao.demo"].tenant.slug == "mourao"  # type: ignore[union-attr]
        assert groups.still_held(db.session, members) == {m.id for m in members}
        # Each seat is one the coordinator could have given: its membership is a candidate
        # of the group once the seat is freed.
        council_ids = {t.id for t in group_councils(group)}
        for member in members:
            if member.tenant_id is not None:
                assert member.tenant_id in council_ids
                membership = db.session.scalar(
                    select(Membership).where(
                        Membership.user_id == member.user_id,
                        Membership.tenant_id == member.tenant_id,
                        Membership.organization_id == member.organization_id,
                    )
                )
                assert membership is not None and membership.role in groups.SEAT_ROLES


def test_constraints_meetings_and_practices_agree(app: Flask) -> None:
    with app.app_context():
        group = _group()
        now = today("Europe/Lisbon")
        council_ids = {t.id for t in group_councils(group)}
        member_ids = {m.user_id for m in groups.members_of(db.session, group)}
        found = {
            c.title: c
            for c in db.session.scalars(
                select(GroupConstraint).where(GroupConstraint.group_id == group.id)
            )
        }
        rsi, teens = found[demo.RSI_DELAY], found[demo.NO_TEEN_EMERGENCY]
        assert rsi.status == ConstraintStatus.ANSWERED and rsi.response and rsi.response_on
        assert rsi.raised_on is not None and rsi.raised_on <= rsi.response_on <= now
        assert teens.status == ConstraintStatus.RAISED and teens.response is None
        for c in found.values():
            assert set(c.affected_tenant_ids) <= council_ids and c.created_by_id in member_ids

        past, upcoming = db.session.scalars(
            select(Meeting).where(Meeting.group_id == group.id).order_by(Meeting.starts_at)
        ).all()
        assert past.status == MeetingStatus.HELD
        assert past.minutes_status == MinutesStatus.APPROVED and past.approved_by_id is not None
        assert past.approved_by_id in member_ids and len(past.decisions) == 2
        assert {a.user_id for a in past.attendance} == member_ids
        assert {a.user_id for a in upcoming.attendance} == member_ids
        assert upcoming.status == MeetingStatus.SCHEDULED and upcoming.agenda
        assert upcoming.starts_at.date() - now == timedelta(days=7)
        actions = past.actions
        assert all(a.owner_id in member_ids and a.group_id == group.id for a in actions)
        overdue = [a for a in actions if a.status == ActionItemStatus.OPEN and a.due_on < now]
        assert len(overdue) == 1
        agenda_constraints = {i.constraint_id for i in (*past.agenda, *upcoming.agenda)}
        assert {rsi.id, teens.id} <= agenda_constraints

        practices = {
            p.status: p
            for p in db.session.scalars(select(Practice).where(Practice.group_id == group.id))
        }
        published = practices[PracticeStatus.PUBLISHED]
        assert published.consortium_id == group.consortium_id and published.published_at
        assert published.reviewer_id == gf.user_id(demo.COORDINATOR)
        assert {c.tenant.slug for c in published.councils} == {"mourao", "portel"}
        [adoption] = published.adoptions
        assert adoption.council.slug == "reguengos-de-monsaraz"
        assert adoption.status == AdoptionStatus.ADOPTED
        assert published.tags and all(t == t.lower() for t in published.tags)
        in_review = practices[PracticeStatus.IN_REVIEW]
        assert in_review.submitted_at is not None and in_review.published_at is None


def test_the_demo_group_is_seen_by_its_members_only(as_user) -> None:  # type: ignore[no-untyped-def]
    for email in ("gestora@mourao.demo", "ipss@mourao.demo", "gestora@portel.demo"):
        assert demo.GROUP_NAME in as_user(email).get("/groups/").text
    for email in ("coordenacao@mourao.demo", "coordenacao@cimbal.demo", "admin@teia.demo"):
        assert demo.GROUP_NAME not in as_user(email).get("/groups/").text
    page = as_user("gestor@reguengos-de-monsaraz.demo").get("/groups/").text
    assert demo.GROUP_NAME in page and "participa por Reguengos de Monsaraz" in page
