"""Who reaches what of a working group: its membership decides everything.

- A **member** (``GroupMember.active``) sees the group's vignettes, comments, meetings,
  constraints and members, but only while the membership they take part through still holds:
  an active membership in the council they speak for, or a coordinator membership of the
  group's consortium. Anyone else gets 404, platform admins included (they form ad hoc groups
  and name coordinators, they do not read case discussions).
- The group's **coordinators** (``MemberRole.COORDINATOR``) manage members, meetings, minutes
  and the constraints register.
- Groups are formed by a **consortium coordinator** for their consortium, or ad hoc across
  councils by a **platform admin**.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from teia.accounts.models import Role
from teia.core.scope import memberships
from teia.groups.models import GroupMember, MemberRole, WorkingGroup
from teia.tenants.models import Tenant


@dataclass(frozen=True)
class Seat:
    """The signed-in user's place in one group."""

    group: WorkingGroup
    member: GroupMember

    @property
    def is_coordinator(self) -> bool:
        return self.member.role == MemberRole.COORDINATOR


def _still_holds(member: GroupMember, group: WorkingGroup) -> bool:
    """Whether the platform membership the seat rests on is still active."""
    for m in memberships():
        if member.tenant_id is not None and m.tenant_id == member.tenant_id:
            return True
        if (
            member.tenant_id is None
            and m.role == Role.CONSORTIUM_COORDINATOR
            and m.consortium_id is not None
            and m.consortium_id == group.consortium_id
        ):
            return True
    return False


def my_seats(session: Session) -> list[Seat]:
    """The signed-in user's groups (active, still held), by name."""
    if not current_user.is_authenticated:
        return []
    rows = session.scalars(
        select(GroupMember)
        .join(WorkingGroup, WorkingGroup.id == GroupMember.group_id)
        .where(
            GroupMember.user_id == current_user.id,
            GroupMember.active.is_(True),
            WorkingGroup.active.is_(True),
        )
        .options(joinedload(GroupMember.group))
        .order_by(WorkingGroup.name)
    )
    return [Seat(m.group, m) for m in rows if _still_holds(m, m.group)]


def seat(session: Session, group_id: int) -> Seat:
    """The signed-in user's seat in the group, or 404 (not a member: no probing)."""
    if not current_user.is_authenticated:
        abort(404)
    member = session.scalar(
        select(GroupMember).where(
            GroupMember.group_id == group_id,
            GroupMember.user_id == current_user.id,
            GroupMember.active.is_(True),
        )
    )
    if member is None:
        abort(404)
    group = member.group
    if not group.active or not _still_holds(member, group):
        abort(404)
    return Seat(group, member)


def coordinator_seat(session: Session, group_id: int) -> Seat:
    """The seat of one of the group's coordinators: 404 to outsiders, 403 to members."""
    found = seat(session, group_id)
    if not found.is_coordinator:
        abort(403)
    return found


def group_councils(group: WorkingGroup) -> list[Tenant]:
    """The councils whose professionals may take part: the consortium's, or the ad hoc list."""
    if group.consortium is not None:
        councils = list(group.consortium.members)
    else:
        councils = [c.tenant for c in group.councils]
    return sorted(councils, key=lambda t: t.name)


def seats_for_council(session: Session, tenant_id: int) -> list[Seat]:
    """The user's groups in which they speak for ``tenant_id``: where they may bring a case
    of that council."""
    return [s for s in my_seats(session) if s.member.tenant_id == tenant_id]


def consortium_coordinator_of(consortium_id: int) -> bool:
    return any(
        m.role == Role.CONSORTIUM_COORDINATOR and m.consortium_id == consortium_id
        for m in memberships()
    )
