"""Forming working groups and keeping their membership.

A consortium's coordinator forms a group for the consortium and becomes its coordinator; a
platform admin forms one ad hoc across chosen councils and names its coordinator among the
professionals of those councils (the admin takes no seat). A seat rests on one platform
membership: a staff or partner role in one of the group's councils (the member then speaks
for that council, with that membership's organisation), or the coordination of the group's
consortium. A group always keeps at least one coordinator.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, joinedload

from teia.accounts.models import Membership, Role, User
from teia.audit.services import audit
from teia.cases.access import PARTNER_ROLES, STAFF_ROLES
from teia.core.db import utcnow
from teia.groups.access import group_councils
from teia.groups.models import GroupCouncil, GroupMember, MemberRole, WorkingGroup
from teia.notifications.services import notify_by_preference, preference_topic
from teia.tenants.models import Consortium, Tenant

# Who may take a seat for a council: its staff and its partners' professionals.
SEAT_ROLES = frozenset(STAFF_ROLES | PARTNER_ROLES)
MIN_AD_HOC_COUNCILS = 2
MEMBERSHIP_TOPIC = "groups.membership"

preference_topic(MEMBERSHIP_TOPIC, _l("Entrada num grupo de trabalho"))


class GroupError(ValueError):
    """A refused step, with the reason in Portuguese; ``field`` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class GroupInput:
    name: str
    theme: str


def _clean(data: GroupInput) -> GroupInput:
    name, theme = data.name.strip(), data.theme.strip()
    if not name:
        raise GroupError(_("Dê um nome ao grupo."), "name")
    if not theme:
        raise GroupError(_("Descreva o tema do grupo."), "theme")
    return GroupInput(name, theme)


# --- who may take a seat --------------------------------------------------------------------


def _seat_condition(group: WorkingGroup, council_ids: Collection[int]) -> ColumnElement[bool]:
    """Memberships a seat may rest on: a staff or partner role in one of the councils, or the
    coordination of the group's consortium."""
    condition = and_(
        Membership.tenant_id.in_(list(council_ids)),
        Membership.role.in_([r.value for r in SEAT_ROLES]),
    )
    if group.consortium_id is None:
        return condition
    return or_(
        condition,
        and_(
            Membership.consortium_id == group.consortium_id,
            Membership.role == Role.CONSORTIUM_COORDINATOR.value,
        ),
    )


def candidates(session: Session, group: WorkingGroup) -> list[Membership]:
    """The memberships through which someone not yet seated may join: by council, then name
    (the consortium's coordinators first)."""
    council_ids = [t.id for t in group_councils(group)]
    seated = select(GroupMember.user_id).where(
        GroupMember.group_id == group.id, GroupMember.active.is_(True)
    )
    rows = session.scalars(
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(
            _seat_condition(group, council_ids),
            Membership.active.is_(True),
            User.active.is_(True),
            Membership.user_id.not_in(seated),
        )
        .options(
            joinedload(Membership.user),
            joinedload(Membership.tenant),
            joinedload(Membership.organization),
        )
    ).unique()
    return sorted(rows, key=lambda m: (m.tenant.name if m.tenant else "", m.user.name, m.id))


def _eligible(session: Session, group: WorkingGroup, membership_id: int | None) -> Membership:
    council_ids = [t.id for t in group_councils(group)]
    found = session.scalar(
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.id == membership_id,
            _seat_condition(group, council_ids),
            Membership.active.is_(True),
            User.active.is_(True),
        )
    )
    if found is None:
        raise GroupError(
            _(
                "Só podem entrar profissionais dos municípios do grupo (equipas e parceiros) "
                "ou a coordenação do consórcio."
            ),
            "membership",
        )
    return found


def still_held(session: Session, members: Sequence[GroupMember]) -> set[int]:
    """The members (ids) whose seat still rests on an active platform membership."""
    if not members:
        return set()
    rows = session.execute(
        select(Membership.user_id, Membership.tenant_id, Membership.consortium_id, Membership.role)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.user_id.in_({m.user_id for m in members}),
            Membership.active.is_(True),
            User.active.is_(True),
        )
    ).all()
    held = set()
    for member in members:
        for user_id, tenant_id, consortium_id, role in rows:
            if user_id != member.user_id:
                continue
            speaks_for_it = member.tenant_id is not None and tenant_id == member.tenant_id
            coordinates_it = (
                member.tenant_id is None
                and role == Role.CONSORTIUM_COORDINATOR
                and consortium_id is not None
                and consortium_id == member.group.consortium_id
            )
            if speaks_for_it or coordinates_it:
                held.add(member.id)
    return held


# --- forming, changing, closing --------------------------------------------------------------


def form_consortium_group(
    session: Session, consortium: Consortium, data: GroupInput, *, actor_id: int
) -> WorkingGroup:
    """A consortium's group, formed by one of its coordinators, who coordinates it."""
    data = _clean(data)
    coordination = session.scalar(
        select(Membership).where(
            Membership.user_id == actor_id,
            Membership.consortium_id == consortium.id,
            Membership.role == Role.CONSORTIUM_COORDINATOR.value,
            Membership.active.is_(True),
        )
    )
    if coordination is None:
        raise GroupError(_("Só a coordenação do consórcio forma os seus grupos de trabalho."))
    group = WorkingGroup(
        consortium_id=consortium.id, name=data.name, theme=data.theme, created_by_id=actor_id
    )
    session.add(group)
    session.flush()
    _seat(session, group, coordination, MemberRole.COORDINATOR, actor_id=actor_id)
    audit(session, "group.created", object_type="working_group", object_id=group.id)
    return group


def form_ad_hoc_group(
    session: Session,
    data: GroupInput,
    *,
    council_ids: Collection[int],
    coordinator_email: str,
    coordinator_council_id: int | None,
    actor_id: int,
) -> WorkingGroup:
    """A group across chosen councils, formed by a platform admin, who names its coordinator
    (a professional of one of those councils) and takes no seat."""
    data = _clean(data)
    councils = list(
        session.scalars(
            select(Tenant).where(Tenant.id.in_(list(council_ids)), Tenant.active.is_(True))
        )
    )
    if len(councils) < MIN_AD_HOC_COUNCILS or len(councils) != len(set(council_ids)):
        raise GroupError(
            _("Escolha pelo menos %(n)d municípios.", n=MIN_AD_HOC_COUNCILS), "councils"
        )
    if coordinator_council_id not in {c.id for c in councils}:
        raise GroupError(
            _("O município da coordenação tem de ser um dos municípios do grupo."),
            "coordinator_council",
        )
    coordination = session.scalar(
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(
            func.lower(User.email) == coordinator_email.strip().lower(),
            User.active.is_(True),
            Membership.tenant_id == coordinator_council_id,
            Membership.role.in_([r.value for r in SEAT_ROLES]),
            Membership.active.is_(True),
        )
        .order_by(Membership.id)
        .limit(1)
    )
    if coordination is None:
        raise GroupError(
            _(
                "Não há nenhum profissional com este e-mail nesse município "
                "(equipa ou entidade parceira)."
            ),
            "coordinator_email",
        )
    group = WorkingGroup(
        consortium_id=None, name=data.name, theme=data.theme, created_by_id=actor_id
    )
    group.councils = [GroupCouncil(tenant_id=c.id) for c in councils]
    session.add(group)
    session.flush()
    _seat(session, group, coordination, MemberRole.COORDINATOR, actor_id=actor_id)
    audit(
        session,
        "group.created",
        object_type="working_group",
        object_id=group.id,
        details={"ad_hoc": True, "councils": sorted(c.id for c in councils)},
    )
    return group


def update_group(session: Session, group: WorkingGroup, data: GroupInput) -> None:
    data = _clean(data)
    group.name, group.theme = data.name, data.theme
    session.flush()
    audit(session, "group.updated", object_type="working_group", object_id=group.id)


def close_group(session: Session, group: WorkingGroup) -> None:
    """Close the group: it leaves every member's list and its pages answer no one."""
    group.active = False
    session.flush()
    audit(session, "group.closed", object_type="working_group", object_id=group.id)


# --- members --------------------------------------------------------------------------------


def _seat(
    session: Session,
    group: WorkingGroup,
    membership: Membership,
    role: MemberRole,
    *,
    actor_id: int,
) -> GroupMember:
    """Seat the membership's user (again, when they had left) and audit it."""
    member = session.scalar(
        select(GroupMember).where(
            GroupMember.group_id == group.id, GroupMember.user_id == membership.user_id
        )
    )
    if member is not None and member.active:
        raise GroupError(_("Esta pessoa já é membro do grupo."), "membership")
    if member is None:
        member = GroupMember(group_id=group.id, user_id=membership.user_id)
        session.add(member)
    speaks_for_council = membership.tenant_id is not None
    member.tenant_id = membership.tenant_id if speaks_for_council else None
    member.organization_id = membership.organization_id
    member.role = role
    member.active = True
    member.left_at = None
    member.joined_at = utcnow()
    member.added_by_id = actor_id
    session.flush()
    audit(
        session,
        "group.member_added",
        object_type="working_group",
        object_id=group.id,
        details={"user_id": membership.user_id, "tenant_id": member.tenant_id, "role": role},
    )
    if membership.user_id != actor_id:
        notify_by_preference(
            session,
            user_id=membership.user_id,
            topic=MEMBERSHIP_TOPIC,
            subject=_("Entrou no grupo de trabalho %(name)s", name=group.name),
            body=_("Foi acrescentado(a) ao grupo. Veja o tema, os membros e o que se discute."),
            link=f"/groups/{group.id}",
        )
    return member


def _role(value: str | None) -> MemberRole:
    try:
        return MemberRole(value or "")
    except ValueError:
        raise GroupError(_("Escolha um papel da lista."), "role") from None


def add_member(
    session: Session,
    group: WorkingGroup,
    membership_id: int | None,
    role: str | None,
    *,
    actor_id: int,
) -> GroupMember:
    """Seat someone through one of their memberships (which council they speak for)."""
    membership = _eligible(session, group, membership_id)
    return _seat(session, group, membership, _role(role), actor_id=actor_id)


def group_member(session: Session, group: WorkingGroup, member_id: int) -> GroupMember | None:
    """An active member of this group (None: no such seat here)."""
    return session.scalar(
        select(GroupMember).where(
            GroupMember.id == member_id,
            GroupMember.group_id == group.id,
            GroupMember.active.is_(True),
        )
    )


def _other_coordinators(session: Session, group: WorkingGroup, member: GroupMember) -> int:
    return (
        session.scalar(
            select(func.count(GroupMember.id)).where(
                GroupMember.group_id == group.id,
                GroupMember.active.is_(True),
                GroupMember.role == MemberRole.COORDINATOR.value,
                GroupMember.id != member.id,
            )
        )
        or 0
    )


def _keep_a_coordinator(session: Session, group: WorkingGroup, member: GroupMember) -> None:
    if member.role == MemberRole.COORDINATOR and not _other_coordinators(session, group, member):
        raise GroupError(
            _("O grupo precisa de pelo menos uma pessoa na coordenação: nomeie outra primeiro.")
        )


def remove_member(session: Session, group: WorkingGroup, member: GroupMember) -> None:
    """The member leaves; the seat is kept (inactive) for the record."""
    _keep_a_coordinator(session, group, member)
    member.active = False
    member.left_at = utcnow()
    session.flush()
    audit(
        session,
        "group.member_removed",
        object_type="working_group",
        object_id=group.id,
        details={"user_id": member.user_id},
    )


def change_role(
    session: Session, group: WorkingGroup, member: GroupMember, value: str | None
) -> None:
    role = _role(value)
    if member.role == role:
        return
    if role == MemberRole.MEMBER:
        _keep_a_coordinator(session, group, member)
    member.role = role
    session.flush()
    audit(
        session,
        "group.member_role_changed",
        object_type="working_group",
        object_id=group.id,
        details={"user_id": member.user_id, "role": role},
    )


# --- reading ----------------------------------------------------------------------------------


def members_of(session: Session, group: WorkingGroup, *, active: bool = True) -> list[GroupMember]:
    """The group's (current or former) members with their council and organisation."""
    return list(
        session.scalars(
            select(GroupMember)
            .join(User, User.id == GroupMember.user_id)
            .where(GroupMember.group_id == group.id, GroupMember.active.is_(active))
            .options(
                joinedload(GroupMember.user),
                joinedload(GroupMember.tenant),
                joinedload(GroupMember.organization),
            )
            .order_by(User.name)
        )
    )


def by_council(members: Sequence[GroupMember]) -> list[tuple[Tenant | None, list[GroupMember]]]:
    """Members grouped by the council they speak for; the consortium's coordination first."""
    grouped: dict[int | None, tuple[Tenant | None, list[GroupMember]]] = {}
    for member in members:
        grouped.setdefault(member.tenant_id, (member.tenant, []))[1].append(member)
    return sorted(grouped.values(), key=lambda row: (row[0] is not None, row[0] and row[0].name))


def consortium_groups(session: Session, consortium: Consortium) -> list[tuple[WorkingGroup, int]]:
    """The consortium's groups with their number of active members (open groups first)."""
    count = (
        select(func.count(GroupMember.id))
        .where(GroupMember.group_id == WorkingGroup.id, GroupMember.active.is_(True))
        .correlate(WorkingGroup)
        .scalar_subquery()
    )
    rows = session.execute(
        select(WorkingGroup, count)
        .where(WorkingGroup.consortium_id == consortium.id)
        .order_by(WorkingGroup.active.desc(), WorkingGroup.name)
    ).all()
    return [(group, n) for group, n in rows]
