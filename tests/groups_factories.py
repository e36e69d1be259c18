"""Builders for working-group tests: a CIMAC group with demo members, written as plain rows."""

from __future__ import annotations

from sqlalchemy import select

from teia.accounts.models import Membership, Role, User
from teia.core.db import db
from teia.groups.models import GroupMember, MemberRole, WorkingGroup
from teia.tenants.models import Consortium


def user_id(email: str) -> int:
    found = db.session.scalar(select(User.id).where(User.email == email))
    assert found is not None, email
    return found


def consortium_id(slug: str = "cimac") -> int:
    found = db.session.scalar(select(Consortium.id).where(Consortium.slug == slug))
    assert found is not None, slug
    return found


def add_member(
    group: WorkingGroup, email: str, *, role: MemberRole = MemberRole.MEMBER
) -> GroupMember:
    """Seat a demo user in the group through their first membership (a council's, or the
    group's consortium coordination)."""
    uid = user_id(email)
    membership = db.session.scalar(
        select(Membership)
        .where(Membership.user_id == uid, Membership.active.is_(True))
        .order_by(Membership.id)
    )
    assert membership is not None, email
    speaks_for_council = membership.role != Role.CONSORTIUM_COORDINATOR
    member = GroupMember(
        group_id=group.id,
        user_id=uid,
        tenant_id=membership.tenant_id if speaks_for_council else None,
        organization_id=membership.organization_id,
        role=role,
    )
    db.session.add(member)
    db.session.flush()
    return member


def group(
    *,
    name: str = "Grupo de intervenção familiar",
    consortium: str = "cimac",
    coordinator: str = "coordenacao@cimac.demo",
    members: tuple[str, ...] = ("gestora@mourao.demo", "gestora@portel.demo"),
) -> WorkingGroup:
    """A consortium's group with its coordinator and members (demo users)."""
    built = WorkingGroup(
        consortium_id=consortium_id(consortium),
        name=name,
        theme="Famílias com crianças em risco: o que funciona entre concelhos",
        created_by_id=user_id(coordinator),
    )
    db.session.add(built)
    db.session.flush()
    add_member(built, coordinator, role=MemberRole.COORDINATOR)
    for email in members:
        add_member(built, email)
    return built
